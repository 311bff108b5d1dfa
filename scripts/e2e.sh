#!/usr/bin/env bash
# Runs the Playwright suite against the built server on a free port with a fresh database.
set -euo pipefail
source "$(dirname "$0")/env.sh"
E2E_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
E2E_DATA=$(mktemp -d)
trap 'rm -rf "$E2E_DATA"' EXIT
export E2E_PORT E2E_DATA
export E2E_BIN=${E2E_BIN:-$target_dir/debug/clientele}
export E2E_SITE_ROOT=${E2E_SITE_ROOT:-$root/target/site}
cd "$root/end2end"
npx playwright test "$@"
