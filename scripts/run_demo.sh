#!/usr/bin/env bash
# Runs the platform for `make demo`: web on 127.0.0.1:8000, a Celery worker and beat.
# Ctrl-C (or any exit) stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${GAOXIN_PORT:-8000}"
export GAOXIN_DEBUG="${GAOXIN_DEBUG:-true}"
mkdir -p .run
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped web, worker and beat"
}
trap cleanup EXIT INT TERM

.venv/bin/celery -A gaoxin worker --loglevel=warning --concurrency=2 >.run/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A gaoxin beat --loglevel=warning --schedule=.run/celerybeat-schedule >.run/beat.log 2>&1 &
pids+=($!)
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" --noreload >.run/web.log 2>&1 &
pids+=($!)

for _ in $(seq 40); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" 2>/dev/null && break; sleep 0.5; done
cat <<MSG

  gaoxin is running: http://127.0.0.1:$PORT/
  Logs: .run/web.log, .run/worker.log, .run/beat.log
  Logins: see above (password for all: gaoxin-demo). Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
