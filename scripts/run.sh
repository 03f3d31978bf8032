#!/usr/bin/env bash
# Serve the portal (granian, WSGI) and one procrastinate worker; stop both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
WORKERS="${WEB_WORKERS:-2}"
THREADS="${WEB_THREADS:-4}"

$PY manage.py procrastinate worker --concurrency 4 >> var/worker.log 2>&1 &
WORKER_PID=$!
trap 'kill $WORKER_PID 2>/dev/null || true' EXIT INT TERM

echo "民心榜 portal: http://$HOST:$PORT  (worker pid $WORKER_PID, log var/worker.log; Ctrl-C stops both)"
.venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" \
  --workers "$WORKERS" --blocking-threads "$THREADS" --log-level warning \
  portal.wsgi:application
