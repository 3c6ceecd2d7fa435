#!/usr/bin/env bash
# resolver_load.sh [SECONDS] — load test of the stamp resolver (a benchmark, not a test).
#
#   benchmarks/resolver_load.sh        # 10 s per measurement; STAMPS=1000 demo stamps
#
# Serves this checkout with production settings (dummy SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,
# DATABASE_URL default postgres://postgres@127.0.0.1:5432/ocop_bench, REDIS_URL default
# redis://127.0.0.1:6379/3, a freshly generated Ed25519 TRACE_SIGNING_KEY_PEM unless one is
# set, TRACE_SIGNING_KEY_ID=bench-1, TRACE_RESOLVER_BASE_URL=https://127.0.0.1 (only the paths
# are used), SECURE_SSL_REDIRECT=false, MEDIA_SERVED_BY=webserver) under gunicorn with 2 workers
# on a loopback port, after issuing STAMPS demo stamps of a released batch with that key. Then,
# each for SECONDS with
# wrk (2 threads, 8 connections), in this order:
#   1. the bare Django JSON view (../shared/bench/bare_django.py, else benchmarks/_bare_django.py)
#      under the same gunicorn settings: the ceiling;
#   2. JSON: every request a different stamp URI (a Lua script walks the list) with
#      Accept: application/json;
#   3. HTML: one stamp URI without an Accept header (the page a phone opens);
#   4. with FLOOR=1, the floor: the JSON run's work without Django (benchmarks/_resolver_floor.py:
#      signature, the resolver's prepared query, one RPUSH to a list of its own, JSON) under the
#      same gunicorn settings: what no Django code can beat here.
# Scan logging stays on: each resolver request pushes its scan onto the Redis buffer; at the
# end the buffer is flushed as the Celery task does (no worker runs here) and the script
# prints how many scans were written against how many requests were answered.
# Prints req/s, p99, server CPU per request, the ratio to the bare view (target: JSON >= 0.5)
# and how much CPU other processes took meanwhile. Needs wrk (apt-get install -y wrk),
# PostgreSQL and Redis on 127.0.0.1. Sends traffic to 127.0.0.1 only; stops its gunicorns on
# exit; deletes the demo batch (KEEP=1 keeps it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"
seconds=${1:-10}
stamps=${STAMPS:-1000}
PY=${PYTHON:-$root/.venv/bin/python}
GUNICORN=${GUNICORN:-$(dirname "$PY")/gunicorn}

# RESOLVER_SETTINGS: another settings module to compare (e.g. one importing production's).
export DJANGO_SETTINGS_MODULE=${RESOLVER_SETTINGS:-marketplace.settings.production}
export SECURE_SSL_REDIRECT=false
export MEDIA_SERVED_BY=${MEDIA_SERVED_BY:-webserver}  # production's media arrangement (none used)
export SECRET_KEY="resolver-load-$(printf 'x%.0s' $(seq 1 60))" ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ocop_bench}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
export TRACE_RESOLVER_BASE_URL=${TRACE_RESOLVER_BASE_URL:-https://127.0.0.1}
export TRACE_SIGNING_KEY_ID=${TRACE_SIGNING_KEY_ID:-bench-1}
if [ -z "${TRACE_SIGNING_KEY_PEM:-}" ]; then
  TRACE_SIGNING_KEY_PEM="$("$PY" -c '
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as K
print(K.generate().private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())')"
  export TRACE_SIGNING_KEY_PEM
fi
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || {
  echo "resolver_load.sh needs wrk (apt-get install -y wrk)" >&2
  exit 1
}
bare_dir="$root/../shared/bench"
bare_app=bare_django:application
[ -f "$bare_dir/bare_django.py" ] || { bare_dir="$here"; bare_app=_bare_django:application; }

work=$(mktemp -d)
servers=()
batch=""
cleanup() {
  for pid in "${servers[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # A run that stopped before its report still removes its demo batch.
  if [ -n "$batch" ] && [ -z "${KEEP:-}" ]; then tools drop --batch "$batch" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ready() {  # wait until the server answers (at most 30 s)
  for _ in $(seq 1 60); do
    curl -s -o /dev/null -m 2 "$1" && return 0
    sleep 0.5
  done
  echo "no answer from $1; log:" >&2
  cat "$2" >&2
  exit 1
}
tools() { "$PY" "$here/_resolver_tools.py" "$@"; }

"$PY" manage.py collectstatic --noinput -v0 >/dev/null
batch=$(tools seed --stamps "$stamps" --out "$work/paths" | tail -1)
first=$(head -1 "$work/paths")

P=$(port)
"$GUNICORN" marketplace.wsgi -w 2 -b "127.0.0.1:$P" --access-logfile /dev/null \
  >"$work/gunicorn.log" 2>&1 &
app=$!
servers+=("$app")
B=$(port)
"$GUNICORN" -w 2 -b "127.0.0.1:$B" --chdir "$bare_dir" "$bare_app" --access-logfile /dev/null \
  >"$work/bare.log" 2>&1 &
bare=$!
servers+=("$bare")
ready "http://127.0.0.1:$B/" "$work/bare.log"
ready "http://127.0.0.1:$P/healthz" "$work/gunicorn.log"
if [ -n "${FLOOR:-}" ]; then
  F=$(port)
  "$GUNICORN" -w 2 -b "127.0.0.1:$F" --chdir "$here" --pythonpath "$root" _resolver_floor:application \
    --access-logfile /dev/null >"$work/floor.log" 2>&1 &
  floor=$!
  servers+=("$floor")
  ready "http://127.0.0.1:$F$first" "$work/floor.log"
  for path in $(head -20 "$work/paths"); do curl -s -o /dev/null "http://127.0.0.1:$F$path"; done
fi

# Warm both workers: templates, translations, the batch payload cache, connections.
warmups=0
for path in $(head -20 "$work/paths"); do
  curl -s -o /dev/null -H 'Accept: application/json' "http://127.0.0.1:$P$path"
  curl -s -o /dev/null "http://127.0.0.1:$P$path"
  warmups=$((warmups + 2))
done
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "http://127.0.0.1:$P$first")
warmups=$((warmups + 1))
[ "$status" = 200 ] || { echo "resolver answered $status for $first" >&2; exit 1; }

tools measure "bare Django JSON view" "http://127.0.0.1:$B/" --json \
  --seconds "$seconds" --pids "$bare" >>"$work/results"
tools measure "JSON, $stamps different stamps" "http://127.0.0.1:$P/" --paths "$work/paths" \
  --json --scans --seconds "$seconds" --pids "$app" >>"$work/results"
tools measure "HTML, one stamp" "http://127.0.0.1:$P$first" \
  --scans --seconds "$seconds" --pids "$app" >>"$work/results"
if [ -n "${FLOOR:-}" ]; then
  tools measure "floor: JSON work, no Django" "http://127.0.0.1:$F/" --paths "$work/paths" \
    --json --seconds "$seconds" --pids "$floor" >>"$work/results"
  kill "$floor"
  wait "$floor" 2>/dev/null || true
fi

# Stop the servers (no request in flight), then flush the scan buffer as the task does.
kill "$app" "$bare"
wait "$app" "$bare" 2>/dev/null || true
servers=()
tools finish --batch "$batch" --results "$work/results" --warmups "$warmups" \
  ${KEEP:+--keep}
batch=""  # finish dropped it
