#!/usr/bin/env bash
# The Redis integration tests start a real redis-server; install Debian's package when missing.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
echo "redis-server is missing; installing Debian's redis-server package..."
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
# Debian's package starts a system service on 6379; the tests start their own on free ports.
command -v redis-server >/dev/null
