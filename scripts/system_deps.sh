#!/usr/bin/env bash
# Install the system packages the portal needs, only when they are missing.
#   base:    gettext (msgfmt, to compile the translations)
#   browser: Debian's chromium, a CJK font, and axe-core from npm
#   bench:   wrk, the load generator
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-base}"
need=()
command -v msgfmt >/dev/null || need+=(gettext)
if [ "$what" = bench ]; then
  command -v wrk >/dev/null || need+=(wrk)
fi
if [ "$what" = browser ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-microhei)
  command -v npm >/dev/null || need+=(npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "[deps] installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "$what" = browser ] && [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "[deps] installing axe-core"
  npm ci --no-audit --no-fund --silent
fi
