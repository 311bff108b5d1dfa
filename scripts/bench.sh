#!/usr/bin/env bash
# Benchmarks: release build time, wasm bundle size (raw/gzip/brotli), and storefront home page
# requests/s under wrk on loopback. Appends a dated section to BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/env.sh"

machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -m), $(rustc --version | cut -d' ' -f1-2)"
started=$(date +%s)
cargo leptos build --release >/tmp/clientele-bench-build.log 2>&1
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
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
wrk -t2 -c32 -d5s "http://127.0.0.1:$port/" >/dev/null   # warm-up
wrk_out=$(wrk -t2 -c32 -d20s --latency "http://127.0.0.1:$port/")
rps=$(echo "$wrk_out" | awk '/Requests\/sec/{print $2}')
p50=$(echo "$wrk_out" | awk '$1=="50%"{print $2}')
p99=$(echo "$wrk_out" | awk '$1=="99%"{print $2}')

cat >>"$root/BENCHMARKS.md" <<MD

## $(date -u +%Y-%m-%d) — $machine

| measure | value | command |
|---|---|---|
| release build (\`cargo leptos build --release\`, warm dependencies) | ${build_s} s | \`make bench\` |
| wasm bundle, raw | $(( raw / 1024 )) KiB | \`stat target/site/pkg/clientele.wasm\` (after wasm-opt) |
| wasm bundle, gzip -9 | $(( gz / 1024 )) KiB | \`gzip -9 -c … \| wc -c\` |
| wasm bundle, brotli -q 11 | $(( br / 1024 )) KiB | \`brotli -q 11 -c … \| wc -c\` |
| storefront home \`GET /\`, requests/s | ${rps} (p50 ${p50}, p99 ${p99}) | \`wrk -t2 -c32 -d20s --latency http://127.0.0.1:PORT/\` against the release build (mem:// database), same machine |
MD
echo "build ${build_s}s; wasm ${raw}/${gz}/${br} bytes; ${rps} req/s (p50 ${p50}, p99 ${p99})"
