#!/usr/bin/env bash
# Installs code-server (VS Code in a browser) into .code-server/ for the e2e
# test, without the downloads its install scripts make outside the package
# registries:
# - code-server 4.100.3 is the last release for node 20 (later ones need 24);
# - its postinstall runs `npm install` in lib/vscode, where @vscode/ripgrep's
#   postinstall fetches rg from GitHub (ENOTFOUND here). That script skips the
#   download when its bin/ exists, so Debian's ripgrep is put there first;
# - the remaining native modules (argon2, node-pty, kerberos, @parcel/watcher)
#   are built from source with node-gyp against Debian's node headers, and
#   the symlinks the skipped postinstall would make are made here.
# Needs root for apt (or the packages below already installed).
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.100.3
need=(libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev ripgrep build-essential python3)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export npm_config_yes=true # node-pty's script runs `npx node-gyp`
mkdir -p .code-server
cd .code-server
[ -f package.json ] || echo '{"private": true}' >package.json
npm install --no-audit --no-fund --ignore-scripts "code-server@$version"
npm rebuild argon2
cd node_modules/code-server/lib/vscode
npm install --no-audit --no-fund --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --no-audit --no-fund --omit=dev)
# (its own XDG dir: even --version writes a default config file)
XDG_CONFIG_HOME="$(mktemp -d)" node ../../out/node/entry.js --version
