#!/usr/bin/env bash
# `llmops-lsp scan` against ripgrep on the same warm tree, side by side:
#   rg -n -i -w -F -f <the built-in phrases> TREE
# rg finds the phrases as written; scan also finds their identifier forms
# (prompt_registry, PromptRegistry, TTFT_ms), applies the editor's policy
# (ignore comments, per-file cap) and prints a definition per hit.
# Usage: benches/scan_vs_rg.sh [TREE] (default: ~/.cargo/registry/src).
# Needs a release build (cargo build --release) and rg on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=${1:-$HOME/.cargo/registry/src}
bin=./target/release/llmops-lsp
command -v rg >/dev/null || { echo "scan_vs_rg: rg is missing (apt-get install ripgrep)" >&2; exit 1; }
[ -x "$bin" ] || { echo "scan_vs_rg: build first: cargo build --release" >&2; exit 1; }
phrases=$(mktemp) data=$(mktemp -d)
trap 'rm -rf "$phrases" "$data"' EXIT
# Every term's name and aliases: the phrases the matcher starts from.
python3 - "$phrases" content/builtin/*.toml <<'PY'
import sys, tomllib
out = set()
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        for term in tomllib.load(f).get("term", []):
            out.add(term["name"])
            out.update(term.get("aliases", []))
open(sys.argv[1], "w").write("\n".join(sorted(out)) + "\n")
PY
export LLMOPS_LSP_DATA_DIR=$data
echo "tree: $tree ($(du -sh "$tree" | cut -f1)), $(wc -l < "$phrases") phrases, $(nproc) cores"
# Warm the page cache once for both.
rg -c -i -w -F -f "$phrases" "$tree" >/dev/null || true
best() { # best of three wall-clock runs, in seconds
  local best=
  for _ in 1 2 3; do
    local t0=$(date +%s.%N)
    "$@" >/dev/null || true
    local t=$(echo "$(date +%s.%N) - $t0" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  printf '%.2f' "$best"
}
rg_all=$(best rg -n -i -w -F -f "$phrases" "$tree")
rg_one=$(best rg -j1 -n -i -w -F -f "$phrases" "$tree")
scan_all=$(best "$bin" scan "$tree")
scan_one=$(best "$bin" scan --threads 1 "$tree")
rg_hits=$(rg -n -i -w -F -f "$phrases" "$tree" | wc -l || true)
scan_hits=$("$bin" scan "$tree" | wc -l || true)
printf '%-32s %8s %8s %10s\n' "" "all cores" "1 thread" "lines"
printf '%-32s %7ss %7ss %10s\n' "rg -n -i -w -F -f phrases" "$rg_all" "$rg_one" "$rg_hits"
printf '%-32s %7ss %7ss %10s\n' "llmops-lsp scan" "$scan_all" "$scan_one" "$scan_hits"
