#!/usr/bin/env bash
# Runs this repository's pre-commit hooks (.pre-commit-hooks.yaml) the way a
# team would, through `pre-commit try-repo` in a throwaway git repository:
# pre-commit installs the server as a Python package (pip builds the wheel
# from pyproject.toml with maturin), then the `llmops-check` hook must pass
# on a valid pack and fail, naming the file and line, on a broken one.
#
#   bash release/pre-commit-try-repo.sh
#
# Needs git, python3 with pip and a Rust toolchain (the wheel is built from
# source); installs pre-commit from PyPI when missing. Uncommitted changes to
# the hooks are included (try-repo uses a shadow copy). To keep the build
# short it lowers the dist profile's LTO unless the caller sets
# CARGO_PROFILE_DIST_LTO / CARGO_PROFILE_DIST_CODEGEN_UNITS.
# Prints `ok - …` / `not ok - …`; exit 1 on any failure.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }

if ! command -v pre-commit >/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check pre-commit || {
    not_ok "install pre-commit from PyPI"
    exit 1
  }
fi
export PRE_COMMIT_HOME="$work/cache"
export CARGO_PROFILE_DIST_LTO=${CARGO_PROFILE_DIST_LTO:-off}
export CARGO_PROFILE_DIST_CODEGEN_UNITS=${CARGO_PROFILE_DIST_CODEGEN_UNITS:-16}

project=$work/project
mkdir -p "$project/.llmops" && cd "$project" || exit 1
git init -q . && git config user.email t@example.invalid && git config user.name test
cat >.llmops/team.toml <<'TOML'
[[term]]
id = "acme-gateway"
name = "Acme gateway"
definition = "Our proxy in front of every model provider."
TOML
git add -A

try_hook() { # try_hook LOG: runs the llmops-check hook on every file
  pre-commit try-repo "$repo" llmops-check --all-files >"$1" 2>&1
}
if try_hook "$work/good.log"; then
  ok "llmops-check passes on a valid pack"
else
  cat "$work/good.log"
  not_ok "llmops-check passes on a valid pack"
fi

printf '[[term]]\nid = "x"\nname = 3\n' >.llmops/broken.toml
git add -A
if try_hook "$work/bad.log"; then
  cat "$work/bad.log"
  not_ok "llmops-check fails on a broken pack"
elif grep -q '\.llmops/broken\.toml:3:' "$work/bad.log"; then
  ok "llmops-check fails on a broken pack, naming file and line"
else
  cat "$work/bad.log"
  not_ok "llmops-check fails on a broken pack, naming file and line"
fi
exit "$failed"
