#!/usr/bin/env bash
# Every check: formatting, clippy (server and browser code), Rust tests, then the Playwright suite
# against a fresh server on its own temporary database.
set -euo pipefail
source "$(dirname "$0")/env.sh"
step() { printf '\n\033[1m==> %s %s\033[0m\n' "$(date +%H:%M:%S)" "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server, all targets)"
cargo clippy -p server --all-targets -- -D warnings
step "clippy (browser code, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "Rust tests"
cargo test -p app -p server --features app/ssr

step "build the site (server + wasm bundle)"
cargo leptos build

step "Playwright"
"$root/scripts/e2e.sh"
