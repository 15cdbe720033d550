#!/usr/bin/env bash
# Builds every release artifact of one target into dist/, from one version
# number (the workspace's in Cargo.toml). The release workflow runs this on
# each platform of its matrix; release/check.sh runs it here for Linux.
#
#   release/build.sh TARGET [--no-wheel] [--no-vsix]
#
# Produces, for TARGET (a Rust target triple):
#   dist/TARGET/llmops-lsp[.exe]          the server, profile `dist` (stripped, LTO)
#   dist/llmops_lsp-VERSION-*.whl         a wheel with only that executable (maturin, bindings = bin)
#   dist/llmops-lsp-VSCODE_TARGET-VERSION.vsix   the VS Code extension with that server inside
#
# Linux targets are linked with zig (cargo-zigbuild's toolchain, through
# maturin --zig) against glibc 2.17 (manylinux2014) or musl, so one binary runs
# on every distribution of the last decade. Other targets build natively on
# their own runner (macOS, Windows).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: release/build.sh TARGET [--no-wheel] [--no-vsix]}
shift
wheel=1
vsix=1
for arg in "$@"; do
  case "$arg" in
    --no-wheel) wheel=0 ;;
    --no-vsix) vsix=0 ;;
    *) echo "release/build.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

# Rust target -> VS Code platform and wheel compatibility.
case "$target" in
  x86_64-unknown-linux-gnu) vscode=linux-x64; compat=manylinux2014; zig=1 ;;
  aarch64-unknown-linux-gnu) vscode=linux-arm64; compat=manylinux2014; zig=1 ;;
  x86_64-unknown-linux-musl) vscode=alpine-x64; compat=musllinux_1_2; zig=1 ;;
  aarch64-unknown-linux-musl) vscode=alpine-arm64; compat=musllinux_1_2; zig=1 ;;
  x86_64-apple-darwin) vscode=darwin-x64; compat=""; zig=0 ;;
  aarch64-apple-darwin) vscode=darwin-arm64; compat=""; zig=0 ;;
  x86_64-pc-windows-msvc) vscode=win32-x64; compat=""; zig=0 ;;
  aarch64-pc-windows-msvc) vscode=win32-arm64; compat=""; zig=0 ;;
  *) echo "release/build.sh: no release mapping for target $target" >&2; exit 2 ;;
esac

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "release/build.sh: '$1' is missing. $2" >&2
    exit 1
  }
}
need cargo "Install Rust with rustup."
need maturin "Install it with: python3 -m pip install maturin"
if [ "$zig" = 1 ]; then
  python3 -c 'import ziglang' 2>/dev/null || {
    echo "release/build.sh: zig is missing. Install it with: python3 -m pip install ziglang cargo-zigbuild" >&2
    exit 1
  }
fi
rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
exe=llmops-lsp
case "$target" in *windows*) exe=llmops-lsp.exe ;; esac
mkdir -p "dist/$target"

# One compilation serves all three artifacts: maturin builds the binary with
# the dist profile and packs it as a wheel; the same file is then copied out
# for the raw download and the .vsix.
args=(build --profile dist --target "$target" --out dist)
[ "$zig" = 1 ] && args+=(--zig --compatibility "$compat")
echo "release/build.sh: maturin ${args[*]}"
maturin "${args[@]}"
built="target/$target/dist/$exe"
[ -f "$built" ] || { echo "release/build.sh: expected $built after the build" >&2; exit 1; }
cp "$built" "dist/$target/$exe"
ls -l "dist/$target/$exe"
if [ "$wheel" = 0 ]; then
  rm -f dist/llmops_lsp-"$version"-*.whl
fi

if [ "$vsix" = 1 ]; then
  need npm "Install Node.js 20 or newer with npm."
  (
    cd editors/vscode
    [ -d node_modules ] || npm ci --no-audit --no-fund
    LLMOPS_LSP_BIN="$PWD/../../dist/$target/$exe" npm run package -- --target "$vscode" \
      --out "../../dist/llmops-lsp-$vscode-$version.vsix"
  )
  ls -l "dist/llmops-lsp-$vscode-$version.vsix"
fi
