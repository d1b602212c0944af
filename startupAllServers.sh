#!/usr/bin/env bash
# Starts one balancer and N counting servers (default 2) on loopback, in the background.
# Logs, pid files and data dirs live in one run folder (.run/ unless TALLY_RUN_DIR is set).
# On a fresh clone it installs and builds first. Stop with scripts/stopAllServers.sh.
set -euo pipefail
cd "$(dirname "$0")"

count="${1:-2}"
if ! [[ "$count" =~ ^[1-9][0-9]?$ ]]; then
  echo "usage: $0 [N]   (N = number of counting servers, 1 to 99; default 2)" >&2
  exit 2
fi
run_dir="${TALLY_RUN_DIR:-.run}"
balancer_port="${TALLY_BALANCER_PORT:-7000}"
host=127.0.0.1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages (first run)..."
  npm ci --no-audit --no-fund >/dev/null
fi
echo "building..."
npm run --silent build

mkdir -p "$run_dir/logs" "$run_dir/pids" "$run_dir/data"
for pid_file in "$run_dir"/pids/*.pid; do
  [ -e "$pid_file" ] || continue
  if kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "Tally is already running from $run_dir (see $pid_file); run scripts/stopAllServers.sh first." >&2
    exit 1
  fi
  rm -f "$pid_file"
done

port_busy() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }
wait_ready() { # url, name, log
  for _ in $(seq 1 300); do
    if curl -fsS --max-time 1 "$1/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not become ready within 30 s; see $3" >&2
  exit 1
}
start() { # name, bin, args...
  local name="$1" bin="$2"; shift 2
  nohup node "$bin" "$@" >"$run_dir/logs/$name.log" 2>&1 &
  echo $! >"$run_dir/pids/$name.pid"
}

for port in "$balancer_port" $(seq $((balancer_port + 1)) $((balancer_port + count))); do
  if port_busy "$port"; then echo "port $port on $host is in use; set TALLY_BALANCER_PORT to another base port" >&2; exit 1; fi
done

balancer_url="http://$host:$balancer_port"
start balancer packages/balancer/bin/tally-balancer.js --host "$host" --port "$balancer_port"
wait_ready "$balancer_url" balancer "$run_dir/logs/balancer.log"
echo "balancer  $balancer_url  (log $run_dir/logs/balancer.log)"

for i in $(seq 1 "$count"); do
  port=$((balancer_port + i))
  start "s$i" packages/server/bin/tally-server.js --id "s$i" --host "$host" --port "$port" \
    --balancer "$balancer_url" --data-dir "$run_dir/data/s$i"
done
for i in $(seq 1 "$count"); do
  port=$((balancer_port + i))
  wait_ready "http://$host:$port" "server s$i" "$run_dir/logs/s$i.log"
  echo "server s$i http://$host:$port  (log $run_dir/logs/s$i.log)"
done

client_env=""
[ "$balancer_url" = "http://127.0.0.1:7000" ] || client_env="TALLY_BALANCER=$balancer_url "
stop_env=""
[ "$run_dir" = ".run" ] || stop_env="TALLY_RUN_DIR=$run_dir "
cat <<MSG

Tally is up: 1 balancer and $count counting servers.
  client:  ${client_env}npx tally                       (interactive; type 'help')
           ${client_env}npx tally inc pageviews 5       (one-shot)
  curl:    curl -L -X POST $balancer_url/counter/pageviews --data-binary 5
           curl $balancer_url/servers
  stop:    ${stop_env}scripts/stopAllServers.sh
MSG
