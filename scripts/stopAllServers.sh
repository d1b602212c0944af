#!/usr/bin/env bash
# Stops exactly the processes the start scripts started: the PIDs in the run folder, and only if
# they are still Tally processes (a PID can be reused). SIGTERM to all at once, then a bounded
# wait (10 s), then SIGKILL for any that is still there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/run-common.sh

pids=()
names=()
for pid_file in "$run_dir"/pids/*.pid; do
  [ -e "$pid_file" ] || continue
  name="$(basename "$pid_file" .pid)"
  if is_running "$name"; then
    pids+=("$(pid_of "$name")")
    names+=("$name")
  fi
  rm -f "$pid_file"
done
stop_pids 10 "${pids[@]}"
[ "${#names[@]}" -eq 0 ] || echo "stopped ${names[*]}"
echo "stopped ${#names[@]} process(es); data stays in $run_dir/data"
