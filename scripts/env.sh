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
