#!/usr/bin/env bash
# Builds the site: the server in the given profile (`--release`, or the dev profile by default)
# and the browser's bundle, always as it ships: split by page (each page's code in its own wasm
# file, loaded when opened), optimised by wasm-opt and precompressed (brotli and gzip).
set -euo pipefail
source "$(dirname "$0")/env.sh"
# The server first: the bundle's build empties the site directory, the server's leaves it.
cargo leptos build --server-only "$@"
cargo leptos build --release --frontend-only --split --precompress
