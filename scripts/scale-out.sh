#!/usr/bin/env bash
# Only the scale-out part of `make test` (issue 17): builds the `surreal` test server from
# tools/surreal (crates.io's surrealdb-server, the app's exact SurrealDB version), runs the Rust
# suite that starts it with `clientele serve` processes on it over ws:// (server/tests/it/
# scale_out/), and the Playwright journeys through a balancer in front of two app servers.
set -euo pipefail
"$(dirname "$0")/setup.sh"
source "$(dirname "$0")/env.sh"
step() { printf '\n\033[1m==> %s %s\033[0m\n' "$(date +%H:%M:%S)" "$*"; }
# The same rustc wrapper as `make test`, so nothing is rebuilt between the two.
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver)
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "build the surreal test server (tools/surreal)"
surreal_target="$target_dir/surreal-server"
(
  unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
  cd "$root/tools/surreal" && CARGO_TARGET_DIR="$surreal_target" cargo build --locked
)
export SURREAL_BIN=$surreal_target/debug/surreal

step "scale-out and remote crashes: clientele processes on a real surreal server over ws://"
cargo test -p app -p server --features app/ssr --test it -- --ignored --test-threads 1 scale_out::

step "Playwright through a balancer in front of two app servers on surreal"
"$root/scripts/site.sh"
E2E_WITH_CLUSTER=1 E2E_ONLY_CLUSTER=1 "$root/scripts/e2e.sh"
