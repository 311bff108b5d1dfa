#!/usr/bin/env bash
# Installs everything Clientele needs to build, run and test it; a second run installs nothing.
#
# Writes the name of the Rust toolchain to use into .cache/toolchain (read by the Makefile).
# Order: system packages, a Rust toolchain that can build wasm32, cargo-leptos, wasm-bindgen-cli
# (exactly the locked wasm-bindgen version), node packages of end2end/ (Playwright, axe-core,
# binaryen's wasm-opt), Python's aiosmtpd (mail tests) in .cache/py. Chromium comes from Debian: Playwright's own browser download cannot work
# on machines that reach package registries only.
#
# It must not depend on the caller's environment nor on what an earlier run left on the machine:
# its own builds (probes, std for wasm32, cargo install) never use the caller's target directory
# or toolchain override, and every check looks at the real thing (does wasm32 link?), not a stamp.
#
# `--tools-in-background` (make test, make run): the two `cargo install`s, the longest part of a
# first setup, run in the background while the caller starts its own build; `--wait-tools` waits
# for them (the caller needs them only for `cargo leptos build`). On 2 cores a first build leaves
# one core idle for long stretches (one big crate, linking), which the installs fill.
set -euo pipefail

mode=${1:-all}
case "$mode" in all | --tools-in-background | --tools-only | --wait-tools) ;;
  *) echo "usage: $0 [--tools-in-background | --wait-tools]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR CARGO_BUILD_TARGET RUSTUP_TOOLCHAIN RUSTFLAGS \
  RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
cache="$root/.cache"
mkdir -p "$cache"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$root/end2end/node_modules/.bin:$PATH"

# Each phase starts with a "==> " line carrying the wall clock, so a log shows where time went
# (scripts/fresh-machine-check.sh adds them up).
say() { printf '\033[1m==> %s %s\033[0m\n' "$(date +%H:%M:%S)" "$*"; }

tools_pid="$cache/tools.pid"
tools_log="$cache/tools.log"
if [ "$mode" = --wait-tools ]; then
  if [ -f "$tools_pid" ]; then
    pid=$(cat "$tools_pid")
    if kill -0 "$pid" 2>/dev/null; then
      say "waiting for the background install of cargo-leptos and wasm-bindgen (log: .cache/tools.log)"
      while kill -0 "$pid" 2>/dev/null; do sleep 5; done
    fi
    rm -f "$tools_pid"
    # Its phases, for the record (not "==> " lines: they ran alongside the caller's).
    sed 's/\x1b\[[0-9;]*m//g' "$tools_log" 2>/dev/null | grep '^==> ' | sed 's/^==> /    background: /' || true
  fi
  export RUSTUP_TOOLCHAIN=$(cat "$cache/toolchain")
  wb=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$root/Cargo.lock")
  if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.11' || ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    echo "the background install of cargo-leptos / wasm-bindgen failed; its log says:" >&2
    tail -n 40 "$tools_log" >&2 || true
    exit 1
  fi
  exit 0
fi

# --- system packages ------------------------------------------------------------------------
# libclang-dev: bindgen for RocksDB; chromium: the end-to-end suite; brotli and wrk: benchmarks.
apt_packages=(chromium libclang-dev pkg-config brotli wrk nodejs npm)
missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    # node and npm may come from elsewhere (nodesource, nvm): only install them when absent.
    case "$p" in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
    missing+=("$p")
  fi
done
apt_install() {
  if [ ! -f "$cache/apt-updated" ]; then apt-get update -qq && touch "$cache/apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

# --- Rust toolchain with wasm32 ----------------------------------------------------------------
# cargo-leptos 0.3.11 needs rustc >= 1.96. Where rustup's toolchain is new enough and can add the
# wasm32 target, use it; otherwise use Debian's rustc-web (1.96, with the std source), build std
# for wasm32 once, and link it into rustup as "clientele-web".
min_minor=96
rustc_minor() { RUSTUP_TOOLCHAIN="$1" rustc --version 2>/dev/null | sed -E 's/^rustc 1\.([0-9]+).*/\1/'; }
wasm_works() {
  local tc=$1 probe="$cache/wasm-probe"
  rm -rf "$probe" && mkdir -p "$probe/src"
  printf '[package]\nname="probe"\nversion="0.0.0"\nedition="2021"\n[lib]\ncrate-type=["cdylib"]\n[workspace]\n' >"$probe/Cargo.toml"
  echo 'pub fn f() -> usize { vec![1u8; 3].len() }' >"$probe/src/lib.rs"
  (cd "$probe" && RUSTUP_TOOLCHAIN="$tc" CARGO_TARGET_DIR="$probe/target" \
    cargo build -q --offline --target wasm32-unknown-unknown 2>"$probe/error.log")
}

toolchain=""
if [ -f "$cache/toolchain" ] && wasm_works "$(cat "$cache/toolchain")"; then
  toolchain=$(cat "$cache/toolchain")
fi
if [ -z "$toolchain" ]; then
  stable=$(rustup show active-toolchain 2>/dev/null | cut -d' ' -f1 || true)
  if [ -n "$stable" ] && [ "$(rustc_minor "$stable")" -ge $min_minor ] 2>/dev/null \
     && timeout 300 rustup target add --toolchain "$stable" wasm32-unknown-unknown >/dev/null 2>&1 \
     && rustup component add --toolchain "$stable" clippy rustfmt >/dev/null 2>&1 \
     && wasm_works "$stable"; then
    toolchain=$stable
  else
    say "using Debian's rustc-web toolchain (rustup's is older than 1.$min_minor or cannot add wasm32)"
    # rust-web-llvm provides rust-lld, the wasm32 linker: rustc-web only recommends it, and
    # --no-install-recommends would skip it.
    apt_install rustc-web cargo-web rust-web-src rust-web-llvm rust-web-clippy rustfmt-web lld-22
    toolchain=clientele-web
    rustup toolchain link "$toolchain" /usr >/dev/null
    if ! wasm_works "$toolchain"; then
      say "building std for wasm32-unknown-unknown (once)"
      std="$cache/wasm-std"
      rm -rf "$std" && mkdir -p "$std/src"
      printf '[package]\nname="stdbuild"\nversion="0.0.0"\nedition="2021"\n[workspace]\n' >"$std/Cargo.toml"
      : >"$std/src/lib.rs"
      (cd "$std" && RUSTUP_TOOLCHAIN="$toolchain" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$std/target" \
        cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
      dest=/usr/lib/rustlib/wasm32-unknown-unknown/lib
      # A std left by another rustc version would give "multiple candidates" errors: replace it.
      rm -rf "$dest" && mkdir -p "$dest"
      find "$std/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' ! -name 'libstdbuild*' \
        -exec cp {} "$dest/" \;
      if ! wasm_works "$toolchain"; then
        echo "wasm32 std build did not work; the probe said:" >&2
        cat "$cache/wasm-probe/error.log" >&2
        exit 1
      fi
    fi
  fi
  echo "$toolchain" >"$cache/toolchain"
fi
export RUSTUP_TOOLCHAIN=$toolchain

install_tools() {
  # --- cargo-leptos ------------------------------------------------------------------------------
  # Build tools, not shipped code: installed unoptimised and without debug info (`--debug`), which
  # compiles cargo-leptos' ~600 crates (swc, lightningcss, gix) much faster on 2 cores than -O1.
  if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.11'; then
    say "installing cargo-leptos 0.3.11"
    CARGO_PROFILE_DEV_DEBUG=0 cargo install cargo-leptos --version 0.3.11 --locked --features no_downloads --debug
  fi

  # --- wasm-bindgen-cli of exactly the locked wasm-bindgen version ---------------------------------
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    say "installing wasm-bindgen-cli $wb"
    # --locked fails against this registry's index for wasm-bindgen-cli; install without it.
    CARGO_PROFILE_DEV_DEBUG=0 cargo install wasm-bindgen-cli --version "$wb" --force --debug
  fi
}
tools_ready() {
  cargo leptos --version 2>/dev/null | grep -q '0\.3\.11' && wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"
}
wb=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$root/Cargo.lock")
if [ -z "$wb" ]; then echo "Cargo.lock has no wasm-bindgen" >&2; exit 1; fi
if [ "$mode" = --tools-only ]; then
  install_tools
  exit 0
fi

# --- node packages (Playwright, axe-core, binaryen) ---------------------------------------------
lock="$root/end2end/package-lock.json"
stamp="$root/end2end/node_modules/.clientele-stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
  say "installing end2end node packages"
  (cd "$root/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$lock" "$stamp"
fi

# --- Python packages (aiosmtpd: the local SMTP server of the mail fault tests) --------------------
py="$cache/py"
if ! "$py/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  say "installing aiosmtpd (Python) into .cache/py"
  rm -rf "$py" && python3 -m venv "$py"
  "$py/bin/pip" install --quiet --disable-pip-version-check aiosmtpd==1.4.6
fi

if [ "$mode" = --tools-in-background ] && ! tools_ready; then
  if ! { [ -f "$tools_pid" ] && kill -0 "$(cat "$tools_pid")" 2>/dev/null; }; then
    say "installing cargo-leptos and wasm-bindgen-cli $wb in the background (log: .cache/tools.log)"
    nohup bash "$root/scripts/setup.sh" --tools-only >"$tools_log" 2>&1 </dev/null &
    echo $! >"$tools_pid"
  fi
  say "ready (tools still installing): toolchain $toolchain, wasm-opt $(wasm-opt --version | cut -d' ' -f3)"
  exit 0
fi
install_tools
say "ready: toolchain $toolchain, $(cargo leptos --version), wasm-bindgen $wb, wasm-opt $(wasm-opt --version | cut -d' ' -f3)"
