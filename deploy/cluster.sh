#!/usr/bin/env bash
# Two Parley processes on one machine (ports 5001 and 5002) joined by Redis on PostgreSQL: `make cluster`.
# Needs DATABASE_URL (PostgreSQL) and a Redis at SOCKETIO_MESSAGE_QUEUE (default redis://127.0.0.1:6379/0).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database, e.g. postgresql+psycopg://root@127.0.0.1/test}"
export SOCKETIO_MESSAGE_QUEUE="${SOCKETIO_MESSAGE_QUEUE:-redis://127.0.0.1:6379/0}"
export PARLEY_ENV="${PARLEY_ENV:-development}"
# Both processes must sign sessions with the same key, and accept pages served by either port.
export SECRET_KEY="${SECRET_KEY:-$(.venv/bin/python -c 'from config import load_config; print(load_config().SECRET_KEY)')}"
export ALLOWED_ORIGINS="${ALLOWED_ORIGINS:-http://127.0.0.1:5001,http://127.0.0.1:5002,http://localhost:5001,http://localhost:5002}"
PORTS=(${CLUSTER_PORTS:-5001 5002})

.venv/bin/parley db upgrade
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for port in "${PORTS[@]}"; do
  PORT=$port .venv/bin/gunicorn -c deploy/gunicorn.conf.py 'server.app:create_app()' &
  pids+=($!)
done
echo "Parley cluster: ${PORTS[*]/#/http://127.0.0.1:} (Ctrl-C stops both)"
wait -n "${pids[@]}"
