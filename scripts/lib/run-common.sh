# Shared by startupAllServers.sh, scripts/startServer.sh and scripts/stopAllServers.sh (sourced,
# from the repo root). The run folder holds, per process NAME (balancer, s1, s2, ...):
#   pids/NAME.pid   its PID            logs/NAME.log   its output, appended across runs
#   args/NAME.args  its bin and flags, one per line, so startServer.sh restarts it the same way
run_dir="${TALLY_RUN_DIR:-.run}"
balancer_port="${TALLY_BALANCER_PORT:-7000}"
host=127.0.0.1
# How long a process may take to become ready, in tenths of a second.
ready_tenths=300

# True if NAME's pid file names a live Tally process (a PID can be reused by something else).
is_running() {
  local pid_file="$run_dir/pids/$1.pid" pid
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file")"
  kill -0 "$pid" 2>/dev/null && grep -q "tally-" "/proc/$pid/cmdline" 2>/dev/null
}

pid_of() { cat "$run_dir/pids/$1.pid"; }

port_busy() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

# Builds only when a source is newer than its package's last build (a no-op build costs seconds).
ensure_built() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "installing npm packages (first run)..."
    npm ci --no-audit --no-fund >/dev/null
  fi
  local pkg info
  for pkg in core server balancer client; do
    info="packages/$pkg/dist/.tsbuildinfo"
    if [ ! -f "$info" ] || [ -n "$(find "packages/$pkg/src" "packages/$pkg/tsconfig.json" -newer "$info" -print -quit)" ]; then
      echo "building..."
      npm run --silent build
      return
    fi
  done
}

# start NAME BIN ARGS...: starts it in the background, appending to its log; saves PID and args.
start_proc() {
  local name="$1"
  mkdir -p "$run_dir/logs" "$run_dir/pids" "$run_dir/args" "$run_dir/data"
  printf '%s\n' "${@:2}" >"$run_dir/args/$name.args"
  local log="$run_dir/logs/$name.log"
  touch "$log"
  # Where this run's lines start, so a failure shows this run's errors and not an old run's.
  log_offset["$name"]=$(($(wc -c <"$log") + 1))
  echo "--- $(date -u +%Y-%m-%dT%H:%M:%SZ) starting $name: ${*:2}" >>"$log"
  nohup node "${@:2}" >>"$log" 2>&1 &
  echo $! >"$run_dir/pids/$name.pid"
}
declare -A log_offset=()

# wait_ready NAME URL: until URL/readyz answers 200. If the process exits first, prints the last
# lines of this run's log at once and exits with its code (1 if it was 0); gives up after ready_tenths.
wait_ready() {
  local name="$1" url="$2" pid log="$run_dir/logs/$1.log"
  pid="$(pid_of "$name")"
  for _ in $(seq 1 "$ready_tenths"); do
    if curl -fsS --max-time 1 "$url/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      local code=0
      wait "$pid" 2>/dev/null || code=$?
      echo "$name exited during start-up (exit code $code); the end of $log:" >&2
      tail -c +"${log_offset[$name]:-1}" "$log" | tail -n 20 | sed 's/^/  | /' >&2
      rm -f "$run_dir/pids/$name.pid"
      # The process's own code (2: bad configuration), or 1.
      exit $((code == 0 ? 1 : code))
    fi
    sleep 0.1
  done
  echo "$name did not become ready within $((ready_tenths / 10)) s; see $log" >&2
  exit 1
}

# stop_pids SECONDS PID...: SIGTERM to all at once, wait up to SECONDS for all, then SIGKILL the rest.
stop_pids() {
  local seconds="$1" pid alive
  shift
  [ "$#" -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq 1 $((seconds * 10))); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || return 0
    sleep 0.1
  done
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then echo "pid $pid ignored SIGTERM for $seconds s; killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  done
}
