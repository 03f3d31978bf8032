#!/usr/bin/env bash
# Serve the portal (granian, WSGI) and one procrastinate worker, restarting
# either if it dies (scripts/supervise.py); Ctrl-C or SIGTERM stops both,
# letting requests and jobs in flight finish.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
echo "民心榜 portal: http://${HOST:-127.0.0.1}:${PORT:-8000}  (worker log var/worker.log; Ctrl-C stops both)"
PYTHON="$PY" exec "$PY" scripts/supervise.py
