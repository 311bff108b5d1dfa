# Sourced by the other scripts: the toolchain chosen by setup.sh and the tools it installed.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ ! -f "$root/.cache/toolchain" ]; then
  echo "run scripts/setup.sh first (make run / make test do)" >&2
  exit 1
fi
export RUSTUP_TOOLCHAIN=$(cat "$root/.cache/toolchain")
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$root/end2end/node_modules/.bin:$PATH"
target_dir=${CARGO_TARGET_DIR:-$root/target}
cd "$root"
# cargo-leptos builds the server with LEPTOS_OUTPUT_NAME set, and leptos reads it at compile time:
# the same value for every cargo command keeps one build of the leptos crates (and all that
# depends on them) for the tests, the site and `make run`, instead of rebuilding at each switch.
export LEPTOS_OUTPUT_NAME=clientele
