#!/usr/bin/env bash
# Rehearses a brand-new machine: removes what setup installs, clones afresh, runs CI (or `make run`)
# and prints how long each phase took.
#
# DESTRUCTIVE ON PURPOSE, for a developer's own machine (root): it purges the Debian packages that
# scripts/setup.sh adds, the clientele-web toolchain and the wasm32 std under /usr/lib/rustlib,
# cargo-leptos and wasm-bindgen from ~/.cargo/bin, the crates.io and npm download caches, and the
# shared build cache /var/cache/clientele. It refuses to start without --yes.
#
#   scripts/fresh-machine-check.sh --yes            # CI=true bash .ci/run, as CI does
#   scripts/fresh-machine-check.sh --yes --run      # make run, timed to the first page and /admin
#   scripts/fresh-machine-check.sh --yes --keep     # skip the removal (time a machine as it is)
#   scripts/fresh-machine-check.sh --yes --tools    # remove only cargo-leptos and wasm-bindgen
#     (keeps Debian's packages, the toolchain, the download caches and /var/cache/clientele, so
#     CI's build cache survives; the clone's own ./target is new, as for a newcomer)
#
# The log is kept in $FRESH_LOG (default /tmp/fresh-machine-<mode>.log); each line carries the
# seconds since the start, and the summary adds up the time between the "==> " phase lines.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
mode=ci confirmed=false wipe=true tools_only=false
for a in "$@"; do
  case "$a" in
    --yes) confirmed=true ;;
    --run) mode=run ;;
    --keep) wipe=false ;;
    --tools) tools_only=true ;;
    *) echo "unknown option $a (see the top of $0)" >&2; exit 2 ;;
  esac
done
if ! $confirmed; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  echo "Nothing done: pass --yes to remove all of the above and rehearse." >&2
  exit 2
fi
[ "$(id -u)" = 0 ] || { echo "run as root (it removes Debian packages)" >&2; exit 2; }

# What setup.sh installs from Debian (pkg-config, node and npm come with the machine).
packages=(chromium chromium-common chromium-sandbox libclang-dev brotli wrk
  rustc-web cargo-web rust-web-src rust-web-llvm rust-web-clippy rustfmt-web lld-22)
cargo_home=${CARGO_HOME:-$HOME/.cargo}

wipe_tools() {
  echo "==> removing cargo-leptos and wasm-bindgen"
  rm -f "$cargo_home"/bin/{cargo-leptos,wasm-bindgen,wasm-bindgen-test-runner,wasm2es6js}
  rm -f "$cargo_home"/.crates.toml "$cargo_home"/.crates2.json
}

wipe_machine() {
  echo "==> removing what setup installs"
  local present=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && present+=("$p")
  done
  if [ ${#present[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${present[@]}" >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -qq >/dev/null
  fi
  rustup toolchain uninstall clientele-web >/dev/null 2>&1 || true
  rm -rf /usr/lib/rustlib/wasm32-unknown-unknown
  rm -f "$cargo_home"/bin/{cargo-leptos,wasm-bindgen,wasm-bindgen-test-runner,wasm2es6js}
  rm -f "$cargo_home"/.crates.toml "$cargo_home"/.crates2.json
  rm -rf "$cargo_home"/registry "$cargo_home"/git "$HOME"/.npm /var/cache/clientele
}

if $wipe && $tools_only; then wipe_tools; elif $wipe; then wipe_machine; fi

work=$(mktemp -d /tmp/fresh-clone.XXXXXX)
log=${FRESH_LOG:-/tmp/fresh-machine-$mode.log}
git clone -q "$src" "$work/clientele"
cd "$work/clientele"
echo "==> fresh clone of $(git rev-parse --short HEAD) in $work/clientele; log in $log"

start=$(date +%s)
stamp() { while IFS= read -r line; do printf '%6d %s\n' $(($(date +%s) - start)) "$line"; done; }

status=0
if [ "$mode" = ci ]; then
  (CI=true bash .ci/run 2>&1 | stamp >"$log") || status=$?
else
  # make run never ends: watch for the first page and the admin sign-in, then stop it.
  (make run 2>&1 | stamp >"$log") &
  runner=$!
  until curl -fsS -o /dev/null http://127.0.0.1:3000/ 2>/dev/null \
      && curl -fsS -o /dev/null http://127.0.0.1:3000/admin/login 2>/dev/null; do
    kill -0 "$runner" 2>/dev/null || { status=1; break; }
    sleep 2
  done
  [ $status = 0 ] && echo "==> first page and /admin/login answered 200" | stamp >>"$log"
  pkill -f "$work/clientele/target/.*/clientele serve" || true
  wait "$runner" 2>/dev/null || true
fi
total=$(($(date +%s) - start))

# One row a phase: the time from its "==> " line to the next one.
echo
if ! $wipe; then from="this machine as it was"
elif $tools_only; then from="this machine without cargo-leptos and wasm-bindgen, in a new clone"
else from=nothing; fi
echo "phase times (s), $mode from $from:"
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk -v total="$total" '
  / ==> / { sub(/^ */, ""); t = $1; sub(/^[0-9]+ +/, ""); if (name != "") printf "%6d  %s\n", t - at, name; name = $0; at = t }
  END { if (name != "") printf "%6d  %s\n", total - at, name }'
printf '%6d  total (%d min), exit %d\n' "$total" $((total / 60)) "$status"
exit "$status"
