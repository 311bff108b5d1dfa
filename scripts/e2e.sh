#!/usr/bin/env bash
# Runs the Playwright suite against the built server on a free port with a fresh database. With
# E2E_WITH_CLUSTER=1 (make test, scripts/scale-out.sh) and no arguments, then the admin, sign-in and account
# journeys again through a balancer in front of two app servers on a real `surreal` server (ws://),
# alternating requests between them.
set -euo pipefail
source "$(dirname "$0")/env.sh"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
E2E_PORT=$(free_port)
E2E_DATA=$(mktemp -d)
E2E_CLUSTER_DATA=$(mktemp -d)
trap 'rm -rf "$E2E_DATA" "$E2E_CLUSTER_DATA"' EXIT
export E2E_PORT E2E_DATA
export E2E_BIN=${E2E_BIN:-$target_dir/debug/clientele}
export E2E_SITE_ROOT=${E2E_SITE_ROOT:-$root/target/site}
cd "$root/end2end"
# E2E_ONLY_CLUSTER=1 (scripts/scale-out.sh): only the second pass.
[ "${E2E_ONLY_CLUSTER:-}" = 1 ] || npx playwright test "$@"
[ $# -eq 0 ] && [ "${E2E_WITH_CLUSTER:-}" = 1 ] || exit 0

printf '\n\033[1m==> %s %s\033[0m\n' "$(date +%H:%M:%S)" "Playwright again: two app servers on surreal, behind a balancer"
E2E_DATA=$E2E_CLUSTER_DATA
E2E_PORT=$(free_port) E2E_DB_PORT=$(free_port) E2E_PORT_A=$(free_port) E2E_PORT_B=$(free_port)
export E2E_PORT E2E_DATA E2E_DB_PORT E2E_PORT_A E2E_PORT_B E2E_CLUSTER=1
export E2E_DB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export SURREAL_BIN=${SURREAL_BIN:-$target_dir/surreal-server/debug/surreal}
# The journeys the issue names (admin grid, sign-in, accounts; their projects run the ones they
# depend on), and the check that both servers answered.
npx playwright test --project accounts --project cluster
