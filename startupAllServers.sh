#!/usr/bin/env bash
# Starts one balancer and N counting servers (default 2) on loopback, in the background: only
# those not already running, so `./startupAllServers.sh 3` after 2 adds s3. Logs (appended), pid
# files, saved flags and data dirs live in one run folder (.run/ unless TALLY_RUN_DIR is set).
# A process that exits during start-up has the end of its log printed at once. On a fresh clone it
# installs and builds first. scripts/startServer.sh ID restarts one; scripts/stopAllServers.sh stops all.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib/run-common.sh

count="${1:-2}"
if ! [[ "$count" =~ ^[1-9][0-9]?$ ]]; then
  echo "usage: $0 [N]   (N = number of counting servers, 1 to 99; default 2)" >&2
  exit 2
fi
ensure_built

balancer_url="http://$host:$balancer_port"
if is_running balancer; then
  echo "balancer  $balancer_url  already running (pid $(pid_of balancer))"
else
  if port_busy "$balancer_port"; then echo "port $balancer_port on $host is in use; set TALLY_BALANCER_PORT to another base port" >&2; exit 1; fi
  start_proc balancer packages/balancer/bin/tally-balancer.js --host "$host" --port "$balancer_port"
  wait_ready balancer "$balancer_url"
  echo "balancer  $balancer_url  (log $run_dir/logs/balancer.log)"
fi

started=()
for i in $(seq 1 "$count"); do
  port=$((balancer_port + i))
  if is_running "s$i"; then
    echo "server s$i http://$host:$port  already running (pid $(pid_of "s$i"))"
    continue
  fi
  if port_busy "$port"; then echo "port $port on $host is in use (for s$i); set TALLY_BALANCER_PORT to another base port" >&2; exit 1; fi
  start_proc "s$i" packages/server/bin/tally-server.js --id "s$i" --host "$host" --port "$port" \
    --balancer "$balancer_url" --data-dir "$run_dir/data/s$i"
  started+=("$i")
done
for i in "${started[@]}"; do
  port=$((balancer_port + i))
  wait_ready "s$i" "http://$host:$port"
  echo "server s$i http://$host:$port  (log $run_dir/logs/s$i.log)"
done

client_env=""
[ "$balancer_url" = "http://127.0.0.1:7000" ] || client_env="TALLY_BALANCER=$balancer_url "
run_env=""
[ "$run_dir" = ".run" ] || run_env="TALLY_RUN_DIR=$run_dir "
cat <<MSG

Tally is up: 1 balancer and $count counting servers (${#started[@]} started now).
  client:  ${client_env}npx tally                       (interactive; type 'help')
           ${client_env}npx tally inc pageviews 5       (one-shot)
  curl:    curl -L -X POST $balancer_url/counter/pageviews --data-binary 5
           curl $balancer_url/servers
  restart: ${run_env}scripts/startServer.sh s1
  stop:    ${run_env}scripts/stopAllServers.sh
MSG
