#!/usr/bin/env bash
# Every check: formatting, Rust tests and clippy (server and browser code), then the Playwright suite
# against a fresh server on its own temporary database.
set -euo pipefail
# Installs what is missing first; cargo-leptos and wasm-bindgen install in the background while
# the tests build, and are waited for before the site is built.
"$(dirname "$0")/setup.sh" --tools-in-background
source "$(dirname "$0")/env.sh"
step() { printf '\n\033[1m==> %s %s\033[0m\n' "$(date +%H:%M:%S)" "$*"; }

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
step "build the site (server + wasm bundle), with clippy (browser side)"
cargo leptos build

step "Playwright"
"$root/scripts/e2e.sh"
