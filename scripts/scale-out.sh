#!/usr/bin/env bash
# Scale-out on a real SurrealDB server (issue 17): builds the `surreal` test server from
# tools/surreal (crates.io's surrealdb-server, the app's exact SurrealDB version), then runs the
# Rust suite that starts it with two `clientele serve` processes on it over ws:// (server/tests/it/
# scale_out.rs), and the Playwright journeys through a balancer in front of two app servers.
# Not yet part of `make test`: the server's first build adds ~30 min on a fresh 2-core machine.
set -euo pipefail
"$(dirname "$0")/setup.sh"
source "$(dirname "$0")/env.sh"
step() { printf '\n\033[1m==> %s %s\033[0m\n' "$(date +%H:%M:%S)" "$*"; }

version=$(awk '/^name = "surrealdb-server"$/{getline; gsub(/version = |"/,""); print; exit}' "$root/tools/surreal/Cargo.lock")
bin="$root/.cache/bin/surreal"
if ! "$bin" version 2>/dev/null | grep -q "^$version "; then
  step "build the surreal $version test server (tools/surreal)"
  # Its own target directory outside the clone, so a later clone on this machine reuses it.
  target=/var/cache/clientele/surreal-target
  mkdir -p "$target" 2>/dev/null || target="$root/.cache/surreal-target"
  CARGO_TARGET_DIR="$target" cargo build --locked --manifest-path "$root/tools/surreal/Cargo.toml"
  mkdir -p "$(dirname "$bin")" && cp "$target/debug/surreal" "$bin"
fi
export SURREAL_BIN=$bin

step "two clientele processes on a real surreal server over ws://"
cargo test -p server --features app/ssr --test it -- --ignored scale_out::

step "Playwright through a balancer in front of two app servers on surreal"
cargo leptos build
E2E_WITH_CLUSTER=1 "$root/scripts/e2e.sh"
