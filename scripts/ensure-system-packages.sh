#!/usr/bin/env bash
# The tests need a few Debian packages: redis-server (the Redis store's integration test), tmux
# (the CLI's pseudo-terminal tests), chromium (the dashboard's browser tests, driven by
# playwright-core, which downloads no browser of its own), and iproute2 + iptables (the
# network-namespace partition tests). Install whichever are missing, with one apt-get run, as root
# or through sudo.
set -euo pipefail

# command:package pairs; a package is installed when its command is missing.
needs=(redis-server:redis-server tmux:tmux chromium:chromium ip:iproute2 iptables:iptables)

missing=()
for pair in "${needs[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "installing Debian packages the tests need: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
# Debian's redis-server package starts a system service on 6379; the tests start their own on
# free ports, so it is left alone.
for pair in "${needs[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || { echo "still missing after apt-get: ${pair%%:*}" >&2; exit 1; }
done
