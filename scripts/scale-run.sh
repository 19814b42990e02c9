#!/usr/bin/env bash
# scripts/scale-run.sh — the whole-program scale figures of BENCHMARKS.md (issue 13), end to end:
# write a scale fixture, import it (timed, each phase printed by the CLI), serve it on a loopback
# port, and time the main reads one at a time (the first evaluation cold, then cached).
#
#   cargo build --release -p ecociv
#   scripts/scale-run.sh city     target/release/ecociv /tmp/ecociv-scale
#   scripts/scale-run.sh province target/release/ecociv /tmp/ecociv-scale
#   ECOCIV_SCALE_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres scripts/scale-run.sh city …
#
# city: the city decade (165,620 values, drafts) and its corrections into a new database, timed;
# then the decade's values the demo does not hold, submitted, beside the demo, served.
# province: 180 regions (1,112,400 values: annual, monthly air and water, quarterly others;
# submitted) with the plan the fixture writes, served.
# With ECOCIV_SCALE_POSTGRES (a server URL; a database ecociv_scale is created there, replacing
# one of that name) the city imports run on PostgreSQL too. Then `scripts/load.sh` can load the
# server the script leaves running on 127.0.0.1:18080 (it prints how, and how to stop it).
set -euo pipefail

kind="${1:?city or province}"
bin="$(realpath "${2:?the ecociv binary}")"
dir="${3:?a working directory}"
case "$kind" in city | province) ;; *) echo "scale-run.sh: city or province" >&2; exit 2 ;; esac
mkdir -p "$dir"
cd "$dir"
rm -rf fixture ./*.db ./*.db-wal ./*.db-shm
uptime
timed() { /usr/bin/env time -f "$1: %e s, %M KB peak" "${@:2}"; }

if [[ "$kind" == city ]]; then
    "$bin" fixture city-decade --out fixture
    timed "SQLite import" "$bin" import values fixture/values.csv --database "sqlite:$dir/drafts.db"
    timed "SQLite corrections" "$bin" import values fixture/corrections.csv --database "sqlite:$dir/drafts.db"
    if [[ -n "${ECOCIV_SCALE_POSTGRES:-}" ]]; then
        psql "$ECOCIV_SCALE_POSTGRES" -qc "DROP DATABASE IF EXISTS ecociv_scale WITH (FORCE)" -c "CREATE DATABASE ecociv_scale"
        pg="${ECOCIV_SCALE_POSTGRES%/*}/ecociv_scale"
        timed "PostgreSQL import" "$bin" import values fixture/values.csv --database "$pg"
        timed "PostgreSQL corrections" "$bin" import values fixture/corrections.csv --database "$pg"
    fi
    # Another writer during the import: a one-row import into the same database, started once
    # the big import has (about) finished checking and holds the write lock. Its write phase
    # ("写入") is the wait plus its own write.
    "$bin" init --database "sqlite:$dir/contended.db" >/dev/null 2>&1
    head -2 fixture/values.csv | awk -F, 'NR == 1 { print; next } { $3 = "2026"; print }' OFS=, >fixture/one.csv
    "$bin" import values fixture/values.csv --database "sqlite:$dir/contended.db" >contended.log 2>&1 &
    big=$!
    sleep "${ECOCIV_SCALE_WRITER_DELAY:-1.2}"
    timed "SQLite one-row import while the big one writes" "$bin" import values fixture/one.csv --database "sqlite:$dir/contended.db"
    wait "$big"
    cat contended.log
    # The demo's annual values of 2019–2025 are approved and may not be replaced by an import:
    # serve the demo with the fixture's months and its earlier years.
    "$bin" init --demo --database "sqlite:$dir/served.db" >/dev/null 2>&1
    grep -v '^[^,]*,[^,]*,20\(19\|2[0-5]\),' fixture/values.csv >fixture/served.csv
    timed "SQLite import, submitted" "$bin" import values fixture/served.csv --submit --database "sqlite:$dir/served.db"
    plan=()
    county=411721
else
    "$bin" fixture province --out fixture
    plan=(--plan fixture/plan.toml)
    timed "SQLite import, submitted" "$bin" "${plan[@]}" import values fixture/values.csv --submit --database "sqlite:$dir/served.db"
    county=490042
fi
wc -l fixture/*.csv

password='Load-test-Pw-2026!x'
echo "$password" | "$bin" "${plan[@]}" user add bench --role coordinator --name 规模测试 \
    --password-stdin --database "sqlite:$dir/served.db" >/dev/null
"$bin" "${plan[@]}" serve --addr 127.0.0.1:18080 --database "sqlite:$dir/served.db" >serve.log 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18080/healthz && break; sleep 0.2; done
jar="$dir/cookies"
curl -s -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$password\"}" http://127.0.0.1:18080/api/v1/session >/dev/null
for path in /api/v1/evaluation/2025 /api/v1/evaluation/2025 "/?year=2025" "/?year=2025" \
    "/indicators?year=2025" /api/v1/overdue?year=2025 "/api/v1/obligations?period=2025&region=$county" \
    "/indicators/air_good_days_ratio?year=2025" "/indicators/air_good_days_ratio?year=2025&region=$county" \
    "/api/v1/values?period=2025&limit=100"; do
    curl -s -b "$jar" -o /dev/null -w "%{http_code} %{time_total} s %{size_download} B  $path\n" \
        "http://127.0.0.1:18080$path"
done
uptime
echo "serving on 127.0.0.1:18080 (pid $server): ECOCIV_LOAD_USER=bench ECOCIV_LOAD_PASSWORD='$password' scripts/load.sh --base http://127.0.0.1:18080 -n 400 -c 16; stop with: kill $server"
