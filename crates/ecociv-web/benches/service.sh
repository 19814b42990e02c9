#!/usr/bin/env bash
# Service benchmark (issue 5): GET the evaluation of a year and POST values over loopback, on
# SQLite and (when ECOCIV_BENCH_POSTGRES_URL names a server) PostgreSQL. Bounded in time (-d) and
# count (MAX in post_value.lua). Needs `wrk` (Debian: apt-get install wrk) and a release build:
#
#   cargo build --release -p ecociv
#   ECOCIV_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 crates/ecociv-web/benches/service.sh
#
# Not part of CI. Prints wrk's throughput and latency distribution for each case.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${ECOCIV_BIN:-${CARGO_TARGET_DIR:-$here/../../../target}/release/ecociv}"
dur="${DURATION:-15s}"
conns="${CONNECTIONS:-32}"
port="${PORT:-18181}"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

run_case() { # $1 label, $2 database URL
  local label="$1" db="$2"
  echo
  echo "=== $label ($db) ==="
  "$bin" init --database "$db" --demo >"$work/init.log" 2>&1
  echo "bench-pass-123" | "$bin" user add bench --role coordinator --password-stdin --database "$db" >/dev/null 2>&1
  "$bin" serve --addr "127.0.0.1:$port" --database "$db" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
  done
  local login cookie csrf
  login="$(curl -fs -D "$work/headers" -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"bench-pass-123"}' "http://127.0.0.1:$port/api/v1/session")"
  cookie="$(grep -i '^set-cookie' "$work/headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')"
  csrf="$(printf '%s' "$login" | sed 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/')"
  local url="http://127.0.0.1:$port/api/v1/evaluation/2024"
  echo "--- GET evaluation, anonymous (public), gzip"
  wrk -t2 -c"$conns" -d"$dur" --latency -H 'Accept-Encoding: gzip' "$url"
  echo "--- GET evaluation, signed in (internal), gzip"
  wrk -t2 -c"$conns" -d"$dur" --latency -H 'Accept-Encoding: gzip' -H "Cookie: $cookie" "$url"
  echo "--- GET evaluation, signed in, uncompressed (226 KB per response)"
  wrk -t2 -c"$conns" -d"$dur" --latency -H "Cookie: $cookie" "$url"
  echo "--- POST value (new draft per request, audited, one transaction each)"
  COOKIE="$cookie" CSRF="$csrf" MAX="${MAX:-10000}" \
    wrk -t2 -c"${POST_CONNECTIONS:-16}" -d"$dur" --latency -s "$here/post_value.lua" \
    "http://127.0.0.1:$port"
  "$bin" audit verify --database "$db"
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

run_case "SQLite" "sqlite:$work/bench.db"
if [ -n "${ECOCIV_BENCH_POSTGRES_URL:-}" ]; then
  name="ecociv_bench_$$"
  psql "$ECOCIV_BENCH_POSTGRES_URL/postgres" -qc "CREATE DATABASE $name" >/dev/null
  run_case "PostgreSQL" "$ECOCIV_BENCH_POSTGRES_URL/$name"
  psql "$ECOCIV_BENCH_POSTGRES_URL/postgres" -qc "DROP DATABASE $name WITH (FORCE)" >/dev/null
fi
