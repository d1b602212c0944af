#!/usr/bin/env bash
# (Re)starts one counting server of the run folder with the flags it was started with (saved by
# startupAllServers.sh), e.g. after it crashed or was killed: scripts/startServer.sh s1.
# A server never started here gets the start script's layout: sN on port TALLY_BALANCER_PORT+N.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/run-common.sh

id="${1:-}"
if ! [[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]] || [ "$id" = balancer ]; then
  echo "usage: $0 ID   (a server id such as s1)" >&2
  exit 2
fi
ensure_built

args_file="$run_dir/args/$id.args"
if [ -f "$args_file" ]; then
  mapfile -t args <"$args_file"
elif [[ "$id" =~ ^s([1-9][0-9]?)$ ]]; then
  port=$((balancer_port + BASH_REMATCH[1]))
  args=(packages/server/bin/tally-server.js --id "$id" --host "$host" --port "$port"
    --balancer "http://$host:$balancer_port" --data-dir "$run_dir/data/$id")
else
  echo "no saved flags for '$id' in $run_dir/args, and it is not of the form sN; start it with startupAllServers.sh" >&2
  exit 2
fi

if is_running "$id"; then
  pid="$(pid_of "$id")"
  echo "stopping $id (pid $pid)"
  stop_pids 10 "$pid"
fi

url=""
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = --port ]; then url="http://$host:${args[$((i + 1))]}"; fi
done
start_proc "$id" "${args[@]}"
wait_ready "$id" "$url"
echo "server $id $url  (pid $(pid_of "$id"), log $run_dir/logs/$id.log)"
