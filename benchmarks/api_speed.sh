#!/usr/bin/env bash
# api_speed.sh [PATH...] — the catalogue API (/api/v1/products/) under gunicorn at 10,000
# products (a benchmark, not a test: it prints figures and fails nothing).
#
#   benchmarks/api_speed.sh                  # the list, its page 50, a filtered list, a product
#   RATE=200 SECONDS_AT_RATE=15 benchmarks/api_speed.sh
#
# 1. Grows the benchmark database to PRODUCTS (10,000) products with catalog_10k.py when it
#    holds fewer, then VACUUM ANALYZE (DATABASE_URL, default
#    postgres://postgres@127.0.0.1:5432/ocop_bench).
# 2. In process (api_speed.py): SQL statements, their time, median / p95 per request, each
#    answer computed and from the cache.
# 3. As fast as answers come: ../shared/bench/storefront-speed.sh with the API paths
#    (production settings, gunicorn 2 workers, wrk 2 threads x 8 connections, 8 s per path,
#    then the bare Django view under the same gunicorn; req/s, p99, ratio to the bare view),
#    three times: answers from the cache (a caller asking what others asked since the last
#    change); every answer computed with the products' summaries from the cache
#    (PAGE_CACHE_SECONDS=0: right after a change, or a URL nobody asked before); cold, every
#    product loaded too (CARD_CACHE_SECONDS=0 as well: after a deploy or a cache flush).
#    Without ../shared/bench the same is done here with _bare_django.py.
# 4. At a fixed rate: gunicorn as above, hey with 8 workers at RATE/8 requests/s each for
#    SECONDS_AT_RATE s per path: the rate reached, p50, p99, errors and how much of the
#    machine's CPU other processes took meanwhile (target: p99 <= 50 ms at 200 req/s).
# wrk and hey send no If-None-Match: every answer is a full 200 with its body. The anonymous
# limit is raised (API_RATE_ANON=100000/s): one address sends everything here; DRF's limiter
# still runs, keeping about one second of request times, as for a busy real caller.
# Needs wrk and hey (apt-get install -y wrk hey), PostgreSQL and Redis on 127.0.0.1
# (REDIS_URL, default redis://127.0.0.1:6379/6). Only talks to 127.0.0.1; stops its gunicorns.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"
export PATH="$root/.venv/bin:$PATH"
PY=python
rate=${RATE:-200}
at_rate=${SECONDS_AT_RATE:-15}
shared="$root/../shared/bench/storefront-speed.sh"

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ocop_bench}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/6}
export MEDIA_SERVED_BY=${MEDIA_SERVED_BY:-webserver}
export TRACE_RESOLVER_BASE_URL=${TRACE_RESOLVER_BASE_URL:-https://127.0.0.1}
export TRACE_SIGNING_KEY_ID=${TRACE_SIGNING_KEY_ID:-bench-1}
export API_RATE_ANON=${API_RATE_ANON:-100000/s}
if [ -z "${TRACE_SIGNING_KEY_PEM:-}" ]; then
  TRACE_SIGNING_KEY_PEM="$("$PY" -c '
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as K
print(K.generate().private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())')"
  export TRACE_SIGNING_KEY_PEM
fi
for tool in wrk hey; do
  command -v $tool >/dev/null || apt-get install -y -qq $tool >/dev/null 2>&1 || {
    echo "api_speed.sh needs $tool (apt-get install -y $tool)" >&2
    exit 1
  }
done

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if ! "$PY" "$here/api_speed.py" --enough "${PRODUCTS:-10000}" >/dev/null 2>&1; then
  "$PY" "$here/catalog_10k.py" --products "${PRODUCTS:-10000}"
  psql "${DATABASE_URL%%\?*}" -qc "VACUUM ANALYZE"  # the planner's statistics after a bulk load
fi
if [ $# -gt 0 ]; then paths=("$@"); else read -r -a paths <<<"$("$PY" "$here/api_speed.py" --paths)"; fi

echo "== in process (Django test client, no web server, DEBUG off)"
DEBUG=false "$PY" "$here/api_speed.py"

# What the shared script sets, for the runs of this script.
export DJANGO_SETTINGS_MODULE=marketplace.settings.production SECURE_SSL_REDIRECT=False
export SECRET_KEY="api-speed-$(printf 'x%.0s' $(seq 1 60))" ALLOWED_HOSTS=127.0.0.1,localhost
"$PY" manage.py collectstatic --noinput -v0 >/dev/null 2>&1
work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ready() {
  for _ in $(seq 1 60); do
    curl -s -o /dev/null -m 2 "$1" && return 0
    sleep 0.5
  done
  echo "the server at $1 did not answer" >&2
  exit 1
}
serve() {  # serve APP [gunicorn options...]: its pid in $server, its base URL in $base
  local p
  p=$(port)
  gunicorn "$@" -w 2 -b "127.0.0.1:$p" --access-logfile /dev/null >>"$work/gunicorn.log" 2>&1 &
  server=$!
  servers+=("$server")
  base="http://127.0.0.1:$p"
}
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
wrk_line() {  # req/s, p99, non-2xx
  wrk -t2 -c8 -d8s --latency "$1" 2>/dev/null \
    | awk '/Requests\/sec/{r=$2} / 99%/{p=$2} /Non-2xx/{e=$NF} END{printf "%s %s %s\n", r, p, (e?e:0)}'
}
max_speed() {  # the shared script's measurement (or the same here without it)
  if [ -f "$shared" ]; then
    bash "$shared" "${paths[@]}"
    return
  fi
  local p r p99 e bare
  declare -A max
  serve marketplace.wsgi
  ready "$base/api/v1/"
  for p in "${paths[@]}"; do
    curl -s -o /dev/null "$base$p"
    curl -s -o /dev/null "$base$p"
    max[$p]=$(wrk_line "$base$p")
  done
  stop
  serve _bare_django:application --chdir "$here"
  ready "$base/"
  bare=$(wrk_line "$base/")
  stop
  echo "bare Django view: ${bare%% *} req/s (p99 $(echo "$bare" | cut -d' ' -f2))"
  for p in "${paths[@]}"; do
    read -r r p99 e <<<"${max[$p]}"
    echo "$p: $r req/s, p99 $p99, non-2xx $e, ratio $("$PY" -c "print(f'{$r / ${bare%% *}:.3f}')")"
  done
}

echo "== as fast as answers come, from the cache: gunicorn 2 workers, wrk 2 threads x 8 connections, 8 s per path"
max_speed
echo "== as fast as answers come, every answer computed, product summaries cached (PAGE_CACHE_SECONDS=0)"
PAGE_CACHE_SECONDS=0 max_speed
echo "== as fast as answers come, cold: every answer computed, every product loaded (CARD_CACHE_SECONDS=0 too)"
PAGE_CACHE_SECONDS=0 CARD_CACHE_SECONDS=0 max_speed

proc_ticks() {  # CPU ticks (user + system) of these processes, those still running
  local total=0 pid u s
  for pid in "$@"; do
    read -r u s < <(awk '{print $14, $15}' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + u + s))
  done
  echo "$total"
}
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }

echo "== at $rate req/s, from the cache: gunicorn 2 workers, hey 8 workers x $((rate / 8)) req/s, ${at_rate} s per path"
echo "   (others: the share of the machine's CPU that processes other than these used meanwhile)"
serve marketplace.wsgi
ready "$base/api/v1/"
database=${DATABASE_URL##*/}
database=${database%%\?*}
printf '%-48s %8s %8s %8s %7s %7s\n' path "req/s" "p50 ms" "p99 ms" errors others
for p in "${paths[@]}"; do
  curl -s -o /dev/null "$base$p"
  curl -s -o /dev/null "$base$p"
  # The server's workers, Redis and the database's backends: "ours" (hey is counted apart).
  ours=("$server" $(pgrep -P "$server") $(pgrep -x redis-server) $(pgrep -f "postgres: .* $database "))
  read -r busy0 all0 < <(machine_ticks)
  ours0=$(proc_ticks "${ours[@]}")
  TIMEFORMAT='%3U %3S'  # the load generator's own CPU, from the shell's "time"
  { time hey -z "${at_rate}s" -c 8 -q $((rate / 8)) "$base$p" >"$work/hey.txt" 2>&1; } \
    2>"$work/hey.time" || true
  read -r busy1 all1 < <(machine_ticks)
  ours1=$(proc_ticks "${ours[@]}")
  others=$(awk -v b="$((busy1 - busy0))" -v a="$((all1 - all0))" -v o="$((ours1 - ours0))" \
    -v hz="$(getconf CLK_TCK)" '{printf "%d", (b - o - ($1 + $2) * hz) * 100 / a}' "$work/hey.time")
  awk -v path="$p" -v others="$others" '
    /Requests\/sec/ {r = $2}
    / 50% in/ {p50 = $3 * 1000}
    / 99% in/ {p99 = $3 * 1000}
    /Status code distribution/ {part = "status"; next}
    /Error distribution/ {part = "errors"; next}
    part == "status" && /\[[0-9]+\]/ {code = $1; gsub(/[][]/, "", code); if (code !~ /^2/) errors += $2}
    part == "errors" && /\[[0-9]+\]/ {n = $1; gsub(/[][]/, "", n); errors += n}
    END {printf "%-48s %8.1f %8.1f %8.1f %7d %6d%%\n", path, r, p50, p99, errors, others}
  ' "$work/hey.txt"
done
stop
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
