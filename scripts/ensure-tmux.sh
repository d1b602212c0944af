#!/usr/bin/env bash
# The CLI's pseudo-terminal tests drive `tally` inside tmux (send-keys, capture-pane); install
# Debian's tmux when missing.
set -euo pipefail
command -v tmux >/dev/null 2>&1 && exit 0
echo "tmux is missing; installing Debian's tmux package..."
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq tmux >/dev/null
command -v tmux >/dev/null
