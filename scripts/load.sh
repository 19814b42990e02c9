#!/usr/bin/env bash
# scripts/load.sh — a bounded load run against a local ecociv server (issue 13).
#
# Sends N GET requests to each of the main pages and API routes, from C connections at once
# (default 1: sequential), and prints, per route, the status codes seen, p50/p99/max latency and
# the requests per second. Loopback only: the script refuses any
# base URL whose host is not 127.0.0.1, ::1 or localhost, and N is capped, so it cannot be
# pointed at someone else's server or left running.
#
#   ecociv fixture city-decade --out city
#   ecociv import values city/values.csv --database sqlite:scale.db
#   ecociv serve --database sqlite:scale.db            # prints the admin's first password
#   (sign in once in a browser and change the password; the API refuses an expired one)
#   ECOCIV_LOAD_USER=admin ECOCIV_LOAD_PASSWORD=... scripts/load.sh -n 20
#   ECOCIV_LOAD_USER=admin ECOCIV_LOAD_PASSWORD=... scripts/load.sh -n 400 -c 16
#
# Options: --base URL (default http://127.0.0.1:8080), -n N requests per route (default 20,
# at most 2000), -c C connections at once (default 1, at most 32), --year YEAR (default 2025). Without ECOCIV_LOAD_USER only the anonymous routes
# are loaded. The signed-in routes are those an administrator may read (the reporting, review
# and plan pages belong to other roles and would answer 403). Requires bash, curl, sort, awk.
set -euo pipefail

base="http://127.0.0.1:8080"
n=20
c=1
year=2025
while [[ $# -gt 0 ]]; do
    case "$1" in
        --base) base="${2:?--base URL}"; shift 2 ;;
        -n) n="${2:?-n N}"; shift 2 ;;
        -c) c="${2:?-c C}"; shift 2 ;;
        --year) year="${2:?--year YEAR}"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "load.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

[[ "$n" =~ ^[0-9]+$ ]] && (( n >= 1 && n <= 2000 )) || { echo "load.sh: -n must be 1..2000" >&2; exit 2; }
[[ "$c" =~ ^[0-9]+$ ]] && (( c >= 1 && c <= 32 )) || { echo "load.sh: -c must be 1..32" >&2; exit 2; }
[[ "$year" =~ ^[0-9]{4}$ ]] || { echo "load.sh: --year must be a year" >&2; exit 2; }

# Loopback only: http://127.0.0.1[:port], http://[::1][:port] or http://localhost[:port].
base="${base%/}"
if ! [[ "$base" =~ ^http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?$ ]]; then
    echo "load.sh: refusing $base: only http://127.0.0.1, http://[::1] or http://localhost (with a port) are allowed" >&2
    exit 2
fi

jar="$(mktemp)"
trap 'rm -f "$jar"' EXIT
curl_opts=(--silent --show-error --max-time 60 --noproxy '*' --cookie "$jar" --cookie-jar "$jar")
# The load loops only read the session cookie: several curls at once must not rewrite the jar.
read_opts=(--silent --show-error --max-time 60 --noproxy '*' --cookie "$jar")

# One route: n requests from c loops at once (each with its own connection, reused across
# its requests), then the status counts, the latency percentiles (nearest rank) and the rate.
run() {
    local path="$1" times codes started elapsed k
    times="$(mktemp)"; codes="$(mktemp)"
    started="$(date +%s.%N)"
    for ((k = 0; k < c; k++)); do
        (
            local count=$(( n / c + (k < n % c ? 1 : 0) )) urls=() i
            (( count > 0 )) || exit 0
            # Each URL with its own `-o`: curl applies one output option to one URL.
            for ((i = 0; i < count; i++)); do urls+=(-o /dev/null "$base$path"); done
            # One curl per loop: its requests share one connection (keep-alive).
            curl "${read_opts[@]}" --write-out '%{http_code} %{time_total}\n' \
                "${urls[@]}" >"$times.$k" 2>/dev/null || true
        ) &
    done
    wait
    elapsed="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"
    cat "$times".* >"$times" 2>/dev/null || true
    rm -f "$times".*
    awk '{print $1}' "$times" | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}' >"$codes"
    awk '{print $2 * 1000}' "$times" | sort -n | awk -v path="$path" -v codes="$(cat "$codes")" -v secs="$elapsed" '
        { v[NR] = $1 }
        END {
            p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
            rps = (secs > 0) ? NR / secs : 0
            printf "%-52s %8.1f %8.1f %8.1f %7.0f  %s\n", path, p50, p99, v[NR], rps, codes
        }'
    rm -f "$times" "$codes"
}

anonymous=(/login /public /public/data.csv /open-data /api/v1/catalogue)
signed_in=(
    /
    /indicators
    /indicators/air_good_days_ratio
    /tasks
    /audit
    /admin/users
    /api/v1/indicators
    /api/v1/plan
    /api/v1/tasks
    "/api/v1/values?limit=100"
    "/api/v1/values?indicator=air_good_days_ratio&limit=500"
    "/api/v1/evaluation/$year"
    "/api/v1/overdue?year=$year"
    "/api/v1/obligations?period=$year&region=411700"
    /api/v1/audit
)

routes=("${anonymous[@]}")
if [[ -n "${ECOCIV_LOAD_USER:-}" ]]; then
    body="$(printf '{"username":"%s","password":"%s"}' "$ECOCIV_LOAD_USER" "${ECOCIV_LOAD_PASSWORD:?set ECOCIV_LOAD_PASSWORD}")"
    answer="$(curl "${curl_opts[@]}" --header 'Content-Type: application/json' --data "$body" \
        --write-out '\n%{http_code}' "$base/api/v1/session")"
    code="${answer##*$'\n'}"
    if [[ "$code" != 200 ]]; then
        echo "load.sh: sign-in as $ECOCIV_LOAD_USER failed ($code)" >&2
        exit 1
    fi
    if [[ "$answer" == *'"password_expired":true'* ]]; then
        echo "load.sh: the password of $ECOCIV_LOAD_USER has expired; change it first" >&2
        exit 1
    fi
    routes+=("${signed_in[@]}")
else
    echo "load.sh: ECOCIV_LOAD_USER not set: anonymous routes only" >&2
fi

echo "$base, $n requests per route, $c at once"
printf '%-52s %8s %8s %8s %7s  %s\n' route "p50 ms" "p99 ms" "max ms" "req/s" statuses
for path in "${routes[@]}"; do
    run "$path"
done
