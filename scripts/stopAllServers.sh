#!/usr/bin/env bash
# Stops exactly the processes startupAllServers.sh started: the PIDs in the run folder, and only
# if they are still Tally processes (a PID can be reused). SIGTERM first, SIGKILL after 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir="${TALLY_RUN_DIR:-.run}"

stopped=0
for pid_file in "$run_dir"/pids/*.pid; do
  [ -e "$pid_file" ] || continue
  pid="$(cat "$pid_file")"
  name="$(basename "$pid_file" .pid)"
  if kill -0 "$pid" 2>/dev/null && grep -q "tally-" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "$name ($pid) ignored SIGTERM for 10 s; killing"; kill -KILL "$pid"; fi
    echo "stopped $name ($pid)"
    stopped=$((stopped + 1))
  fi
  rm -f "$pid_file"
done
echo "stopped $stopped process(es); data stays in $run_dir/data"
