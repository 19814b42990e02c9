#!/usr/bin/env bash
# Whole-program benchmarks of `ecociv air evaluate` (BENCHMARKS.md, "Air quality (issue 3)").
# Usage: tools/air-crosscheck/bench.sh [WORKDIR]   (needs hyperfine, /usr/bin/time, a venv with
# tools/air-crosscheck/requirements.txt in $AIR_VENV, and ../shared/data/beijing-multisite)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WORK="${1:-/tmp/ecociv-air-bench}"
PY="${AIR_VENV:-/tmp/airxc}/bin/python"
mkdir -p "$WORK"
cargo build --release -p ecociv
cargo build --release -p ecociv-standards --example air_national
BIN="$CARGO_TARGET_DIR/release/ecociv"
BJ=(../shared/data/beijing-multisite/*.csv)
NAT="$WORK/national-2023.csv"
[ -f "$NAT" ] || "$CARGO_TARGET_DIR/release/examples/air_national" "$NAT" 1700 2023
ls -l "$NAT"; wc -l "$NAT"

echo "== Beijing, 12 files, 420,768 rows"
hyperfine --warmup 1 --runs 10 --export-markdown "$WORK/beijing.md" \
  -n "floor: read + split, csv crate (1 thread)" "$BIN air split ${BJ[*]}" \
  -n "ecociv air evaluate (2 threads)" "$BIN air evaluate ${BJ[*]} --year 2015 --standard 2012 --format json" \
  -n "ecociv air evaluate (1 thread)" "$BIN air evaluate ${BJ[*]} --year 2015 --standard 2012 --format json --threads 1"
hyperfine --runs 3 --export-markdown "$WORK/beijing-pandas.md" \
  -n "pandas + aqi-hub" "$PY -W ignore tools/air-crosscheck/pipeline.py ${BJ[*]} --year 2015 --standard 2012"

echo "== national, 1,700 stations x 8,760 h"
hyperfine --warmup 1 --runs 5 --export-markdown "$WORK/national.md" \
  -n "floor: read + split, csv crate (1 thread)" "$BIN air split $NAT" \
  -n "floor: read + split, memchr (1 thread)" "$BIN air split --fast $NAT" \
  -n "ecociv air evaluate (2 threads)" "$BIN air evaluate $NAT --year 2023 --format json" \
  -n "ecociv air evaluate (1 thread)" "$BIN air evaluate $NAT --year 2023 --format json --threads 1"
hyperfine --runs 1 --export-markdown "$WORK/national-pandas.md" \
  -n "pandas + aqi-hub" "$PY -W ignore tools/air-crosscheck/pipeline.py $NAT --year 2023 --standard 2026"

echo "== peak memory"
for cmd in "$BIN air evaluate ${BJ[*]} --year 2015 --format json" \
           "$BIN air evaluate $NAT --year 2023 --format json" \
           "$BIN air split $NAT" \
           "$PY -W ignore tools/air-crosscheck/pipeline.py $NAT --year 2023 --standard 2026"; do
  /usr/bin/time -v $cmd 2>&1 >/dev/null | grep -E "Maximum resident|Elapsed|Percent of CPU" | sed "s|^|  |"
  echo "  ^ ${cmd:0:90}"
done
