#!/usr/bin/env bash
# Builds Clientele and starts it on the embedded database with demo data.
# The dev profile by default (the same build as the tests: dependencies at opt-level 1), so a new
# machine shows its first page soonest; CLIENTELE_RELEASE=1 builds and runs the release profile.
set -euo pipefail
# Installs what is missing first; cargo-leptos and wasm-bindgen install in the background while
# the server's dependencies build (the longest part of a first build), then the site is built.
"$(dirname "$0")/setup.sh" --tools-in-background
source "$(dirname "$0")/env.sh"
if [ "${CLIENTELE_RELEASE:-0}" = 1 ]; then
  flags=(--release)
  profile=release
  echo "==> $(date +%H:%M:%S) building in release (a first release build compiles SurrealDB and RocksDB for about 45 minutes on 2 cores)"
else
  flags=()
  profile=debug
  echo "==> $(date +%H:%M:%S) building (dev profile; a first build compiles SurrealDB and RocksDB)"
fi
cargo build -p server --bin clientele "${flags[@]}"
"$root/scripts/setup.sh" --wait-tools
echo "==> $(date +%H:%M:%S) building the site (server and wasm bundle)"
"$root/scripts/site.sh" "${flags[@]}"
export CLIENTELE_DEMO__ENABLED=${CLIENTELE_DEMO__ENABLED:-true}
export CLIENTELE_SITE_ROOT=${CLIENTELE_SITE_ROOT:-$root/target/site}
# No SMTP here: emails (with their links) are written as text files to data/mail.
export CLIENTELE_MAIL_DIR=${CLIENTELE_MAIL_DIR:-$root/data/mail}
echo "==> $(date +%H:%M:%S) starting on http://127.0.0.1:3000 (data in ./data; Ctrl-C stops)"
exec "$target_dir/$profile/clientele" serve
