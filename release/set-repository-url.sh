#!/usr/bin/env bash
# The project's public URL is a placeholder until it has a home: the one
# value `repository` in Cargo.toml's [workspace.package]. The other
# manifests that must name it (pyproject.toml, the VS Code package.json, the
# Mason entry; the pre-commit and README examples) carry the same string; release/check.sh fails when they differ.
# This script changes it everywhere at once:
#
#   release/set-repository-url.sh https://github.com/OWNER/llmops-lsp
set -euo pipefail
cd "$(dirname "$0")/.."
new=${1:?usage: release/set-repository-url.sh URL}
old=$(sed -n 's/^repository = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$old" ] || { echo "set-repository-url: no repository in Cargo.toml" >&2; exit 1; }
for f in Cargo.toml pyproject.toml editors/vscode/package.json editors/mason/package.yaml .pre-commit-hooks.yaml README.md; do
  OLD=$old NEW=$new perl -pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/g' "$f"
  echo "set-repository-url: $f"
done
