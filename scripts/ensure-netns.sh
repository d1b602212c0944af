#!/usr/bin/env bash
# The network-namespace e2e tests (packages/server/test/e2e/netns) build a private network with
# `ip netns`, veth pairs, a bridge and iptables; install Debian's iproute2 and iptables when missing.
set -euo pipefail
command -v ip >/dev/null 2>&1 && command -v iptables >/dev/null 2>&1 && exit 0
echo "ip or iptables is missing; installing Debian's iproute2 and iptables packages..."
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq iproute2 iptables >/dev/null
command -v ip >/dev/null && command -v iptables >/dev/null
