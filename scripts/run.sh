#!/usr/bin/env bash
# Builds Clientele in release and starts it on the embedded database with demo data.
set -euo pipefail
source "$(dirname "$0")/env.sh"
echo "==> building in release (the first build compiles SurrealDB and RocksDB: about 45 minutes on 2 cores)"
cargo leptos build --release
export CLIENTELE_DEMO__ENABLED=${CLIENTELE_DEMO__ENABLED:-true}
export CLIENTELE_SITE_ROOT=${CLIENTELE_SITE_ROOT:-$root/target/site}
echo "==> starting on http://127.0.0.1:3000 (data in ./data; Ctrl-C stops)"
exec "$target_dir/release/clientele" serve
