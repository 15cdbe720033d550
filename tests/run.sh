#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and property tests of the
# core, end-to-end tests over the LSP wire format (most serve the server in
# the test process; those that need a process start the real binary over
# stdio), the benchmark build, the CLI on the shipped sample, the VS Code and
# Neovim shims against the real server (in real Neovim and real VS Code), and
# the release artifacts installed as users install them. Each suite's result
# is counted; the last line is the summary. Tools the suites need are
# installed first by tests/prereqs.sh, which says what it installs and why
# (LLMOPS_NO_INSTALL=1: list what is missing and fail instead). Under
# CI=true no check inside a suite is skipped: a missing tool fails its suite,
# and the editor suites count their tests against the specs. Outside CI a
# suite may skip a check whose tool is missing, and says "skipped" in its
# own summary line. Failed suites are never rerun.
set -uo pipefail
cd "$(dirname "$0")/.."
# A stray UPDATE_EXPECT=1 would turn every snapshot check into a rewrite
# that passes.
unset UPDATE_EXPECT
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

passed=0
failed=0
failures=()
step() {
  local name=$1
  shift
  echo
  echo "=== $name"
  local started=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "--- ok: $name ($((SECONDS - started))s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "--- FAILED: $name ($((SECONDS - started))s)"
  fi
}

step "test prerequisites (tests/prereqs.sh)" bash tests/prereqs.sh
step "cargo fmt --check" cargo fmt --all --check
step "cargo clippy" cargo clippy --workspace --all-targets --features llmops-lsp/test-hooks -- -D warnings
# One optimized build with the test hooks serves the Rust tests and the
# editors, so time bounds in the tests mean what they say.
step "cargo test (unit, property, end-to-end)" cargo test --release --workspace --features llmops-lsp/test-hooks
step "cargo bench --no-run" cargo bench --workspace --no-run
step "built-in content checks clean" ./target/release/llmops-lsp check content/
# An empty data directory: scan hides terms the learner knows, as the
# editor does, and this check must not depend on the person running it.
step "scan finds the terms of the sample" bash -c '
  data=$(mktemp -d) && trap "rm -rf \"$data\"" EXIT
  out=$(LLMOPS_LSP_DATA_DIR=$data ./target/release/llmops-lsp scan examples/sample.md) || exit 1
  echo "$out" | head -5
  echo "$out" | grep -q "^examples/sample.md:3:52: Prompt registry: " || exit 1
  ! echo "$out" | grep -q "sample.md:21:"'
export LLMOPS_LSP_BIN="$PWD/target/release/llmops-lsp"
# CI=true inside the editor suites: a missing Neovim or Chromium is a failure.
step "neovim plugin (headless nvim + real server)" env CI=true editors/neovim/test/run.sh
step "vscode extension (typecheck, webview in chromium, client, real VS Code, vsix)" \
  env CI=true LLMOPS_VSCODE_E2E="${LLMOPS_VSCODE_E2E:-1}" editors/vscode/test.sh
step "release artifacts (portable binaries, wheel, platform .vsix, crates, workflow)" bash release/check.sh

echo
if [ ${#failures[@]} -gt 0 ]; then
  printf 'failed suite: %s\n' "${failures[@]}"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
