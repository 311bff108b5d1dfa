#!/usr/bin/env bash
# Benchmarks: release build time, wasm bundle size (raw/gzip/brotli), storefront home page
# requests/s under wrk on loopback, storefront sign-in latency against one Argon2id hash (and 200
# simultaneous sign-ins with peak RSS), and the customers grid at a million customers (query
# shapes, export in-process and over HTTP). Appends a dated section to BENCHMARKS.md.
# BENCH_CUSTOMERS (default 1000000) sets the grid's size; the seeded database under
# target/bench-data is reused by later runs.
#
# `fuzz` runs the segment readers' fuzz test for SEGMENT_FUZZ_SECS (default 600) seconds, then
# every other parser's property tests with FUZZ_CASES (default 200,000) cases each.
#
# `blocks` times dynamic-block resolution (1,000 blocks, 100 segments) and the storefront home with
# personalization on and off, alternated three times in one run.
#
# `audiences` times a CDP's pushes: 100 member deltas of 10,000 emails, a snapshot of 1,000,000.
#
# `storefront` measures the storefront's pages against a bare Leptos page (`clientele bench bare`)
# in one run: requests/s and p99 under wrk, with and without visitor and session cookies.
#
# `load` and `ws`: a mixed load (admins, storefront, order ingest) on embedded RocksDB, and the same
# on embedded and over ws:// in one run (see the end of this file).
#
# Usage: scripts/bench.sh [home] [online] [signin] [storefront] [grid] [fuzz] [blocks] [audiences] [load] [ws] — the parts to run
# (default: all).
# `home` builds the release site first; the others use the release build already there.
set -euo pipefail
source "$(dirname "$0")/env.sh"
parts=" ${*:-home online signin storefront grid fuzz blocks audiences load ws} "
want() { [[ "$parts" == *" $1 "* ]]; }
for p in $parts; do
  case $p in home | online | signin | storefront | grid | fuzz | blocks | audiences | load | ws) ;; *) echo "unknown part: $p (home, online, signin, storefront, grid, fuzz, blocks, audiences, load, ws)" >&2; exit 2 ;; esac
done

machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -m), $(rustc --version | cut -d' ' -f1-2)"
if want home; then
started=$(date +%s)
"$root/scripts/site.sh" --release >/tmp/clientele-bench-build.log 2>&1
build_s=$(( $(date +%s) - started ))

wasm="$root/target/site/pkg/clientele.wasm"
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
br=$(brotli -q 11 -c "$wasm" | wc -c)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CLIENTELE_LISTEN=127.0.0.1:$port CLIENTELE_BASE_URL=http://127.0.0.1:$port CLIENTELE_DATABASE__URL=mem:// \
  CLIENTELE_SITE_ROOT=$root/target/site CLIENTELE_LOG__LEVEL=warn "$target_dir/release/clientele" serve >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
wrk -t2 -c32 -d5s "http://127.0.0.1:$port/" >/dev/null   # warm-up
wrk_out=$(wrk -t2 -c32 -d20s --latency "http://127.0.0.1:$port/")
rps=$(echo "$wrk_out" | awk '/Requests\/sec/{print $2}')
p50=$(echo "$wrk_out" | awk '$1=="50%"{print $2}')
p99=$(echo "$wrk_out" | awk '$1=="99%"{print $2}')

cat >>"$root/BENCHMARKS.md" <<MD

## $(date -u +%Y-%m-%d) — $machine

| measure | value | command |
|---|---|---|
| release build (\`scripts/site.sh --release\`: the bundle split by page, precompressed; warm dependencies) | ${build_s} s | \`make bench\` |
| main wasm file (every page loads it), raw | $(( raw / 1024 )) KiB | \`stat target/site/pkg/clientele.wasm\` (after wasm-opt) |
| main wasm file, gzip -9 | $(( gz / 1024 )) KiB | \`gzip -9 -c … \| wc -c\` |
| main wasm file, brotli -q 11 | $(( br / 1024 )) KiB | \`brotli -q 11 -c … \| wc -c\` |
| storefront home \`GET /\`, requests/s | ${rps} (p50 ${p50}, p99 ${p99}) | \`wrk -t2 -c32 -d20s --latency http://127.0.0.1:PORT/\` against the release build (mem:// database), same machine |

What a page downloads (\`python3 scripts/bundle-sizes.py\`):

$(python3 "$root/scripts/bundle-sizes.py")
MD
echo "build ${build_s}s; wasm ${raw}/${gz}/${br} bytes; ${rps} req/s (p50 ${p50}, p99 ${p99})"
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
fi

# Now Online's activity tracking: the same release server with tracking off and on, alternated
# three times (15 s each), 1,000 visitors with their own cookies (scripts/wrk-visitors.lua).
if want online; then
online_rps() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  CLIENTELE_LISTEN=127.0.0.1:$port CLIENTELE_BASE_URL=http://127.0.0.1:$port CLIENTELE_DATABASE__URL=mem:// \
    CLIENTELE_SITE_ROOT=$root/target/site CLIENTELE_LOG__LEVEL=warn CLIENTELE_ONLINE__TRACKING=$1 \
    "$target_dir/release/clientele" serve >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  # The tracker is really in the path (or really not): it gives a new browser its visitor cookie.
  local cookies
  cookies=$(curl -si "http://127.0.0.1:$port/" | grep -ci '^set-cookie: clientele_vid' || true)
  local expected=0
  [ "$1" = true ] && expected=1
  if [ "$cookies" != "$expected" ]; then
    echo "tracking=$1 but $cookies visitor cookie(s) set" >&2; exit 1
  fi
  wrk -t2 -c32 -d3s -s "$root/scripts/wrk-visitors.lua" "http://127.0.0.1:$port/" >/dev/null
  wrk -t2 -c32 -d15s -s "$root/scripts/wrk-visitors.lua" "http://127.0.0.1:$port/" | awk '/Requests\/sec/{print $2}'
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
}
off_runs=(); on_runs=()
for _ in 1 2 3; do
  off_runs+=("$(online_rps false)")
  on_runs+=("$(online_rps true)")
done
read -r off_mean on_mean overhead < <(python3 -c "
import sys
off = [float(x) for x in sys.argv[1].split()]; on = [float(x) for x in sys.argv[2].split()]
a = sum(off) / len(off); b = sum(on) / len(on)
print(f'{a:.0f} {b:.0f} {(a - b) / a * 100:.1f}')" "${off_runs[*]}" "${on_runs[*]}")
cat >>"$root/BENCHMARKS.md" <<MD

### Now Online activity tracking, $(date -u +%Y-%m-%d) — $machine

Storefront home page \`GET /\` under \`wrk -t2 -c32 -d15s -s scripts/wrk-visitors.lua\` (1,000 visitors with their
own cookies), release build, mem:// database, tracking off and on alternated three times in one run:

| tracking | runs (requests/s) | mean |
|---|---|---|
| off (\`CLIENTELE_ONLINE__TRACKING=false\`) | ${off_runs[*]} | ${off_mean} |
| on (default; flush every 5 s) | ${on_runs[*]} | ${on_mean} |

Throughput cost of tracking: **${overhead} %** (target: under 5 %).
MD
echo "tracking off ${off_mean} req/s, on ${on_mean} req/s: ${overhead} %"
fi

# Storefront sign-in against the cost of one Argon2id hash, and 200 simultaneous sign-ins.
if want signin; then
signin_data=$(mktemp -d)
signin_report=$(CLIENTELE_DATABASE__URL="rocksdb://$signin_data/db" CLIENTELE_LOG__LEVEL=warn \
  "$target_dir/release/clientele" bench signin --accounts 200 --rounds 200)
rm -rf "$signin_data"
cat >>"$root/BENCHMARKS.md" <<MD

### Storefront sign-in, $(date -u +%Y-%m-%d) — $machine

\`clientele bench signin --accounts 200 --rounds 200\` (release build, embedded RocksDB in a fresh directory; the
benchmark registers 200 accounts over HTTP, then signs in over HTTP on loopback):

$signin_report
MD
echo "sign-in bench appended to BENCHMARKS.md"
fi

# Storefront throughput against its anchor, a bare Leptos page served by the same binary
# (`clientele bench bare`): each page under `wrk -t2 -c32 -d10s --latency`, the pages alternated
# in rounds (STOREFRONT_ROUNDS, default 3), so the machine's noise falls on all of them alike.
if want storefront; then
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
bare_port=$(free_port); store_port=$(free_port); work=$(mktemp -d); mail_dir=$work/mail
"$target_dir/release/clientele" bench bare --listen "127.0.0.1:$bare_port" >/dev/null 2>&1 &
bare_pid=$!
CLIENTELE_LISTEN=127.0.0.1:$store_port CLIENTELE_BASE_URL=http://127.0.0.1:$store_port CLIENTELE_DATABASE__URL=mem:// \
  CLIENTELE_SITE_ROOT=$root/target/site CLIENTELE_LOG__LEVEL=warn CLIENTELE_RATE_LIMIT__PER_MINUTE=0 \
  CLIENTELE_MAIL_DIR="$mail_dir" "$target_dir/release/clientele" serve >"$work/server.log" 2>&1 &
store_pid=$!
trap 'kill $bare_pid $store_pid 2>/dev/null || true' EXIT
for port in $bare_port $store_port; do
  for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done
store=http://127.0.0.1:$store_port
# A visitor cookie as the storefront gives a new browser, and a customer's session from a real
# registration: confirmed by the link in the email (written to a folder), then signed in.
visitor=$(curl -si "$store/" | sed -n 's/^[Ss]et-[Cc]ookie: \(clientele_vid=[^;]*\).*/\1/p' | tr -d '\r')
shopper=(--data-urlencode email=storefront-bench@example.com --data-urlencode password=quiet-harbour-lantern-42)
curl -s -o /dev/null -H "Origin: $store" --data-urlencode firstname=Bench --data-urlencode lastname=Shopper \
  "${shopper[@]}" --data-urlencode password_confirmation=quiet-harbour-lantern-42 "$store/api/account/register"
token=""
for _ in $(seq 1 100); do
  token=$(cat "$mail_dir"/* 2>/dev/null | grep -o 'confirm?token=[A-Za-z0-9_-]*' | head -1 | cut -d= -f2 || true)
  [ -n "$token" ] && break; sleep 0.2
done
curl -s -o /dev/null -H "Origin: $store" --data-urlencode "token=$token" "$store/api/account/confirm"
session=$(curl -si -H "Origin: $store" "${shopper[@]}" "$store/api/account/sign_in" |
  sed -n 's/^[Ss]et-[Cc]ookie: \(clientele_sid=[^;]*\).*/\1/p' | tr -d '\r')
[ -n "$visitor" ] && [ -n "$session" ] || { echo "no visitor ($visitor) or session ($session) cookie" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $session" "$store/customer/account/")" = 200 ] ||
  { echo "the session cookie does not open the account dashboard" >&2; exit 1; }
pages=("bare Leptos page|http://127.0.0.1:$bare_port/|" "bare page + 4 blocking resources|http://127.0.0.1:$bare_port/resources|"
  "home|$store/|" "home, visitor + session cookies|$store/|$visitor; $session"
  "sign-in page|$store/customer/account/login|" "sign-in page, visitor cookie|$store/customer/account/login|$visitor"
  "account dashboard (signed in)|$store/customer/account/|$visitor; $session")
declare -A runs p99s
for _ in $(seq 1 "${STOREFRONT_ROUNDS:-3}"); do
  for page in "${pages[@]}"; do
    IFS='|' read -r name url cookie <<<"$page"
    args=(-t2 -c32 -d10s --latency)
    [ -n "$cookie" ] && args+=(-H "Cookie: $cookie")
    out=$(wrk "${args[@]}" "$url")
    if echo "$out" | grep -q "Non-2xx"; then
      echo "$name: answers other than 2xx" >&2; echo "$out" >&2; tail -20 "$work/server.log" >&2; exit 1
    fi
    runs[$name]+="$(echo "$out" | awk '/Requests\/sec/{printf "%.0f", $2}') "
    p99s[$name]+="$(echo "$out" | awk '$1=="99%"{print $2}') "
  done
done
kill $bare_pid $store_pid 2>/dev/null || true
rm -rf "$work"
table=$(for page in "${pages[@]}"; do
  IFS='|' read -r name _ _ <<<"$page"
  python3 -c "
import sys
runs = [float(x) for x in sys.argv[2].split()]; bare = [float(x) for x in sys.argv[3].split()]
mean = sum(runs) / len(runs); anchor = sum(bare) / len(bare)
print(f'| {sys.argv[1]} | {sys.argv[2].strip()} | {mean:.0f} | {mean / anchor:.2f} | {sys.argv[4].strip()} |')" \
    "$name" "${runs[$name]}" "${runs[bare Leptos page]}" "${p99s[$name]}"
done)
cat >>"$root/BENCHMARKS.md" <<MD

### Storefront throughput against a bare Leptos page, $(date -u +%Y-%m-%d) — $machine

\`scripts/bench.sh storefront\`: \`wrk -t2 -c32 -d10s --latency\` on each page, ${STOREFRONT_ROUNDS:-3} rounds alternating the pages,
release build, mem:// database (rate limit off); the anchor is \`clientele bench bare\` (the same binary):

| page | runs (requests/s) | mean | × bare | p99 per run |
|---|---|---|---|---|
$table
MD
echo "$table"
fi

# The customers grid at scale.
if want grid; then
customers=${BENCH_CUSTOMERS:-1000000}
data="$root/target/bench-data"
mkdir -p "$data"
export CLIENTELE_DATABASE__URL="rocksdb://$data/db" CLIENTELE_LOG__LEVEL=warn
grid_report=$("$target_dir/release/clientele" bench grid --customers "$customers")

# The same export end to end: a release server on that database, an admin session, curl.
password="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BENCH_ADMIN_EMAIL="bench-$(date +%s)@example.com"
echo "$password" | "$target_dir/release/clientele" admin create --email "$BENCH_ADMIN_EMAIL" --password-stdin >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CLIENTELE_LISTEN=127.0.0.1:$port CLIENTELE_BASE_URL=http://127.0.0.1:$port CLIENTELE_SITE_ROOT=$root/target/site \
  "$target_dir/release/clientele" serve >/dev/null 2>&1 &
pid=$!
# Start-up: seconds from launch to the first 200 of /healthz, of the storefront home, of /readyz.
launched=$(date +%s.%N)
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$launched" "$(date +%s.%N)"; }
health_s="" home_s="" ready_s=""
for _ in $(seq 1 6000); do
  [ -z "$health_s" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && health_s=$(since)
  [ -z "$home_s" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/" && home_s=$(since)
  [ -z "$ready_s" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && ready_s=$(since)
  [ -n "$ready_s" ] && break
  sleep 0.1
done
jar=$(mktemp)
curl -s -c "$jar" -o /dev/null -H "Origin: http://127.0.0.1:$port" -H 'Accept: application/json' \
  --data-urlencode "email=$BENCH_ADMIN_EMAIL" --data-urlencode "password=$password" \
  "http://127.0.0.1:$port/api/admin/auth/sign_in"
export_line() {
  curl -s -b "$jar" -o /tmp/clientele-export.$1 -w "%{time_total} %{size_download}" \
    "http://127.0.0.1:$port/api/admin/customers/export?format=$1&cols=$2"
}
all_cols="id,name,email,group,telephone,postcode,country,region,created_at,website,confirmed,created_in,billing_full,shipping_full,dob,taxvat,gender,street,city,vat_id,company,lock,newsletter,last_login"
read -r csv_s csv_bytes < <(export_line csv "$all_cols")
csv_rows=$(( $(wc -l < /tmp/clientele-export.csv) - 1 ))
read -r xml_s xml_bytes < <(export_line xml "$all_cols")
rm -f "$jar" /tmp/clientele-export.csv /tmp/clientele-export.xml

cat >>"$root/BENCHMARKS.md" <<MD

### Customers grid, $(date -u +%Y-%m-%d) — $machine

\`clientele bench grid --customers $customers\` (release build, embedded RocksDB under target/bench-data;
server time of the grid server function's work: change-feed catch-up, query, page rows):

$grid_report
Start-up of \`clientele serve\` on that database (seconds from launch to the first 200): \`/healthz\` ${health_s:-none},
the storefront home ${home_s:-none}, \`/readyz\` (read model and segments built) ${ready_s:-none}.

Export over HTTP (\`curl\` against \`clientele serve\` on the same database, all 24 columns, whole table):
CSV $csv_rows rows in ${csv_s} s ($(( csv_bytes / 1048576 )) MiB); Excel XML in ${xml_s} s ($(( xml_bytes / 1048576 )) MiB).
MD
echo "grid bench appended to BENCHMARKS.md"
fi

# The segment readers (text form and JSON tree) fuzzed for minutes: no panic, accepted texts stable.
if want fuzz; then
fuzz_secs=${SEGMENT_FUZZ_SECS:-600}
fuzz_line=$(SEGMENT_FUZZ_SECS=$fuzz_secs cargo test -p app --features ssr --lib -- --ignored \
  fuzz_the_readers_for_a_while --nocapture 2>&1 | grep 'segment readers fuzzed')
cat >>"$root/BENCHMARKS.md" <<MD

### Segment readers fuzzed, $(date -u +%Y-%m-%d) — $machine

\`SEGMENT_FUZZ_SECS=$fuzz_secs cargo test -p app --features ssr --lib -- --ignored fuzz_the_readers_for_a_while\`
(dev profile): $fuzz_line.
MD
echo "$fuzz_line"
# Every other parser of outside text (grid queries, emails, segment JSON, audience keys and feed
# lines, amounts, dates, the config file), with FUZZ_CASES cases per property instead of 1,000.
fuzz_cases=${FUZZ_CASES:-200000}
started=$(date +%s)
FUZZ_CASES=$fuzz_cases cargo test -p app --features ssr --lib -- domain::fuzz >/dev/null
FUZZ_CASES=$fuzz_cases cargo test -p server --features app/ssr --test it -- fuzz:: >/dev/null
cat >>"$root/BENCHMARKS.md" <<MD

### Parsers fuzzed, $(date -u +%Y-%m-%d) — $machine

\`FUZZ_CASES=$fuzz_cases cargo test -p app --features ssr --lib -- domain::fuzz\` and
\`… -p server --test it -- fuzz::\` (dev profile): $fuzz_cases cases per property, no failure,
$(( $(date +%s) - started )) s.
MD
fi

# Dynamic blocks: resolution in-process, then the storefront home over HTTP on a database without
# blocks (off) and one with the 1,000 blocks and 100 segments (on), alternated three times.
if want blocks; then
off_db=$(mktemp -d); on_db=$(mktemp -d)
blocks_report=$(CLIENTELE_DATABASE__URL="rocksdb://$on_db/db" CLIENTELE_LOG__LEVEL=warn \
  "$target_dir/release/clientele" bench blocks --write)
home_rps() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  CLIENTELE_LISTEN=127.0.0.1:$port CLIENTELE_BASE_URL=http://127.0.0.1:$port CLIENTELE_DATABASE__URL="rocksdb://$1/db" \
    CLIENTELE_SITE_ROOT=$root/target/site CLIENTELE_LOG__LEVEL=warn "$target_dir/release/clientele" serve >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  # Personalization is really in the page (or really not).
  local blocks
  blocks=$(curl -s "http://127.0.0.1:$port/" | grep -c 'data-block=' || true)
  if { [ "$2" = on ] && [ "$blocks" = 0 ]; } || { [ "$2" = off ] && [ "$blocks" != 0 ]; }; then
    echo "personalization $2 but $blocks block(s) in the page" >&2; exit 1
  fi
  wrk -t2 -c32 -d3s -s "$root/scripts/wrk-visitors.lua" "http://127.0.0.1:$port/" >/dev/null
  wrk -t2 -c32 -d15s --latency -s "$root/scripts/wrk-visitors.lua" "http://127.0.0.1:$port/" | awk '/Requests\/sec/{r=$2} $1=="99%"{p=$2} END{print r "/" p}'
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
}
off_runs=(); on_runs=()
for _ in 1 2 3; do
  off_runs+=("$(home_rps "$off_db" off)")
  on_runs+=("$(home_rps "$on_db" on)")
done
rm -rf "$off_db" "$on_db"
read -r off_mean on_mean ratio < <(python3 -c "
import sys
off = [float(x.split('/')[0]) for x in sys.argv[1].split()]; on = [float(x.split('/')[0]) for x in sys.argv[2].split()]
a = sum(off) / len(off); b = sum(on) / len(on)
print(f'{a:.0f} {b:.0f} {b / a:.3f}')" "${off_runs[*]}" "${on_runs[*]}")
cat >>"$root/BENCHMARKS.md" <<MD

### Dynamic blocks, $(date -u +%Y-%m-%d) — $machine

\`clientele bench blocks --write\` (release build):

$blocks_report
Storefront home \`GET /\` (three placements resolved in the server render) under \`wrk -t2 -c32 -d15s --latency -s
scripts/wrk-visitors.lua\` (1,000 visitors with their own cookies), release build, embedded RocksDB; a database
without blocks (off) and one with the 1,000 blocks and 100 segments above (on), alternated three times in one run
(requests/s / p99):

| personalization | runs | mean requests/s |
|---|---|---|
| off (no blocks) | ${off_runs[*]} | ${off_mean} |
| on (1,000 blocks, 100 segments) | ${on_runs[*]} | ${on_mean} |

Ratio on/off: **${ratio}** (target ≥ 0.95).
MD
echo "blocks: off ${off_mean} req/s, on ${on_mean} req/s, ratio ${ratio}"
fi

# Audiences: deltas and a 1M snapshot on a fresh embedded RocksDB database.
if want audiences; then
aud_db=$(mktemp -d)
aud_report=$(CLIENTELE_DATABASE__URL="rocksdb://$aud_db/db" CLIENTELE_LOG__LEVEL=warn \
  "$target_dir/release/clientele" bench audiences)
rm -rf "$aud_db"
cat >>"$root/BENCHMARKS.md" <<MD

### Audiences, $(date -u +%Y-%m-%d) — $machine

\`clientele bench audiences\` (release build, embedded RocksDB; in-process, the API handler's steps without HTTP):

$aud_report
MD
echo "$aud_report"
fi

# A mixed load for LOAD_SECONDS (default 300) on embedded RocksDB (`load`), and a shorter one
# (WS_SECONDS, default 60) on embedded RocksDB and then over ws:// on the surreal test server
# (`ws`), in one run. BENCH_BIN picks the clientele binary (default: the release build); LOAD_ARGS
# adds options (rates: `--admins 50 --storefront 500 --orders 1000` are the defaults).
bench_bin=${BENCH_BIN:-$target_dir/release/clientele}
load_on() { # DB_URL SECONDS [env...]: one `clientele bench load` run, its report on stdout
  local url=$1 secs=$2; shift 2
  # The server's log shares stdout: the report is what follows its first line.
  # The order batches come from one API token: its per-minute limit would answer 429 above
  # 1,000 orders/s (20 batch calls a second), which measures the limit, not the server.
  # shellcheck disable=SC2086 # LOAD_ARGS is a list of options
  env CLIENTELE_DATABASE__URL="$url" CLIENTELE_LOG__LEVEL=warn CLIENTELE_RATE_LIMIT__API_PER_MINUTE=1000000 \
    "$@" "$bench_bin" bench load --seconds "$secs" ${LOAD_ARGS:-} |
    sed -n '/^Database `/,$p'
}
if want load; then
load_data=$(mktemp -d)
load_report=$(load_on "rocksdb://$load_data/db" "${LOAD_SECONDS:-300}")
rm -rf "$load_data"
cat >>"$root/BENCHMARKS.md" <<MD

### Mixed load, $(date -u +%Y-%m-%d) — $machine

\`clientele bench load --seconds ${LOAD_SECONDS:-300} ${LOAD_ARGS:-}\` ($bench_bin, embedded RocksDB in a fresh directory, loopback):

$load_report
MD
echo "$load_report"
fi

if want ws; then
surreal_bin=${SURREAL_BIN:-$target_dir/surreal-server/debug/surreal}
ws_data=$(mktemp -d)
ws_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ws_pass=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
"$surreal_bin" start --no-banner --log warn --bind "127.0.0.1:$ws_port" --user root --pass "$ws_pass" \
  "surrealkv://$ws_data/surreal" >/dev/null 2>&1 &
ws_pid=$!
trap 'kill $ws_pid 2>/dev/null || true; rm -rf "$ws_data"' EXIT
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $ws_port), 1)" 2>/dev/null; do sleep 0.2; done
embedded_report=$(load_on "rocksdb://$ws_data/db" "${WS_SECONDS:-60}")
remote_report=$(load_on "ws://127.0.0.1:$ws_port" "${WS_SECONDS:-60}" CLIENTELE_DATABASE__USERNAME=root \
  CLIENTELE_DATABASE__PASSWORD="$ws_pass")
cat >>"$root/BENCHMARKS.md" <<MD

### Embedded vs ws://, one run, $(date -u +%Y-%m-%d) — $machine

\`clientele bench load --seconds ${WS_SECONDS:-60} ${LOAD_ARGS:-}\` ($bench_bin) on embedded RocksDB, then on a \`surreal\`
server ($surreal_bin, SurrealKV) over ws:// on the same machine:

Embedded:

$embedded_report

Over ws://:

$remote_report
MD
printf '%s\n\n%s\n' "$embedded_report" "$remote_report"
fi
