#!/usr/bin/env bash
# Every check: formatting, Rust tests and clippy (server and browser code), the scale-out suite on a
# real `surreal` server, then the Playwright suite against a fresh server on its own temporary
# database and again through a balancer in front of two app servers on `surreal`.
set -euo pipefail
# Installs what is missing first; cargo-leptos and wasm-bindgen install in the background while
# the tests build, and are waited for before the site is built.
"$(dirname "$0")/setup.sh" --tools-in-background
source "$(dirname "$0")/env.sh"
step() { printf '\n\033[1m==> %s %s\033[0m\n' "$(date +%H:%M:%S)" "$*"; }

# The `surreal` test server (tools/surreal: crates.io's surrealdb-server, the app's exact SurrealDB
# version) builds in the background, in a target directory of its own, while the app builds; the
# scale-out suite waits for it. `nice`: the app's build is the longer path.
surreal_target="$target_dir/surreal-server"
surreal_log="$root/.cache/surreal-build.log"
step "building the surreal test server in the background (log: .cache/surreal-build.log)"
(
  unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
  cd "$root/tools/surreal" && CARGO_TARGET_DIR="$surreal_target" exec nice -n 10 cargo build --locked
) > "$surreal_log" 2>&1 &
surreal_build=$!
trap 'kill "$surreal_build" 2>/dev/null || true' EXIT

step "cargo fmt --check"
cargo fmt --all -- --check

step "import structure (no circles, no arrow back up a layer)"
python3 "$root/scripts/check-layers.py"

step "sizes (files up to 600 lines, functions up to 150)"
python3 "$root/scripts/check-sizes.py"

# Clippy lints our crates while they compile for the tests and the site, rather than in separate
# `cargo clippy` runs: those would type-check every dependency (SurrealDB, and its browser-side
# counterparts) a second time, ~15 min more on a fresh 2-core machine. This is what `cargo clippy`
# itself does (clippy-driver as the workspace's rustc wrapper, its arguments in CLIPPY_ARGS), so
# every crate of ours that is built (app for the server and for the browser, server, frontend) is
# linted, with warnings as errors.
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver)
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "Rust tests, with clippy (server side, all targets)"
cargo test -p app -p server --features app/ssr --all-targets --no-fail-fast
step "Rust doc tests"
cargo test -p app -p server --features app/ssr --doc

"$root/scripts/setup.sh" --wait-tools
step "build the site (server + wasm bundle split by page, precompressed), with clippy (browser side)"
"$root/scripts/site.sh"

step "waiting for the surreal test server's build"
if ! wait "$surreal_build"; then
  echo "the build of the surreal test server failed; its log says:" >&2
  tail -n 40 "$surreal_log" >&2
  exit 1
fi
export SURREAL_BIN=$surreal_target/debug/surreal
step "scale-out and remote crashes: clientele processes on a real surreal server over ws://"
cargo test -p app -p server --features app/ssr --test it -- --ignored --test-threads 1 scale_out::

# The whole suite on one server, then the admin, sign-in and account journeys again through a
# balancer in front of two app servers on the surreal server.
step "Playwright"
E2E_WITH_CLUSTER=1 "$root/scripts/e2e.sh"
