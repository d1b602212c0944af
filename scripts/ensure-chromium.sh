#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's chromium (through playwright-core, which downloads
# no browser of its own); install the package when it is missing.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "chromium is missing; installing Debian's chromium package..."
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
