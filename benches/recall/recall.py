#!/usr/bin/env python3
"""Recall of `llmops-lsp scan` against hand-labelled mentions in real docs.

The labels (`labels-issue24-round3.tsv`, the default, and
`labels-issue24-round4.tsv` beside this script) hold only
where a mention is and which term it names: split, repository, commit,
path, line, term id. No text of the pages is stored here; they are read
from the repositories themselves at the recorded commit.

Why a script and not a test: the pages belong to other projects and are
not in this repository, so the figure is recomputed by hand when the
matcher or the built-in pack changes (see README, "Matching rules",
issue 24 recall).

Usage:
  benches/recall/recall.py prepare MIRRORS PAGES [LABELS]
      MIRRORS/<owner>+<name>/ is a git repository (bare or not) holding
      the recorded commit. Writes each labelled page to
      PAGES/<owner>+<name>/<path>, and the repository's manifests
      (pyproject.toml, package.json, requirements*.txt, setup.py/cfg,
      Cargo.toml, go.mod, at most three folders deep) beside them, so a
      scan of PAGES/<owner>+<name> decides "is this an LLM project" as an
      editor opened in that repository would.
  benches/recall/recall.py measure BIN PAGES [LABELS] [--no-manifests] [--misses]
      Scans each repository folder under PAGES with `BIN scan --format
      json` (empty data folder) and prints found/labelled per split.
      --no-manifests ignores the manifests (pages alone: marked terms then
      need an LLM word nearby).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LABELS = os.path.join(HERE, "labels-issue24-round3.tsv")
MANIFEST = re.compile(
    r"(^|/)(pyproject\.toml|requirements[^/]*\.txt|setup\.py|setup\.cfg|package\.json|Cargo\.toml|go\.mod)$"
)


def read_labels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            split, repo, commit, page, lineno, term = line.rstrip("\n").split("\t")
            rows.append((split, repo, commit, page, int(lineno), term))
    return rows


def git(repo_dir, *args):
    return subprocess.run(["git", "-C", repo_dir, *args], capture_output=True, check=True).stdout


def prepare(mirrors, pages, labels):
    done = set()
    for _, repo, commit, page, _, _ in read_labels(labels):
        src = os.path.join(mirrors, repo)
        wanted = [page]
        if (repo, commit) not in done:
            done.add((repo, commit))
            tree = git(src, "ls-tree", "-r", "--name-only", commit).decode().splitlines()
            wanted += [p for p in tree if p.count("/") <= 3 and MANIFEST.search(p)]
        for path in wanted:
            out = os.path.join(pages, repo, path)
            if os.path.exists(out):
                continue
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(git(src, "show", f"{commit}:{path}"))


def measure(binary, pages, labels, manifests, show_misses):
    rows = read_labels(labels)
    data = tempfile.mkdtemp()
    hits = {}
    for repo in sorted({r[1] for r in rows}):
        folder = os.path.join(pages, repo)
        if not manifests:
            bare = tempfile.mkdtemp()
            for _, r, _, page, _, _ in rows:
                if r == repo:
                    dst = os.path.join(bare, repo, page)
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copyfile(os.path.join(folder, page), dst)
            folder = os.path.join(bare, repo)
        env = {**os.environ, "LLMOPS_LSP_DATA_DIR": data}
        out = subprocess.run(
            [binary, "scan", "--format", "json", folder], capture_output=True, text=True, env=env, check=True
        ).stdout
        for h in json.loads(out):
            if "practiceId" not in h:
                rel = os.path.relpath(h["path"], folder)
                hits.setdefault((repo, rel, h["line"]), set()).add(h["termId"])
    totals = {}
    for split, repo, _, page, line, term in rows:
        found = term in hits.get((repo, page, line), set())
        t = totals.setdefault(split, [0, 0])
        t[0] += found
        t[1] += 1
        if show_misses and not found:
            print(f"missed\t{split}\t{repo}/{page}:{line}\t{term}")
    for split, (found, n) in sorted(totals.items()):
        print(f"{split}: {found}/{n} = {100 * found / n:.1f} %")


def main(argv):
    if len(argv) >= 3 and argv[0] == "prepare":
        prepare(argv[1], argv[2], argv[3] if len(argv) > 3 else DEFAULT_LABELS)
    elif len(argv) >= 3 and argv[0] == "measure":
        rest = [a for a in argv[3:] if not a.startswith("--")]
        measure(argv[1], argv[2], rest[0] if rest else DEFAULT_LABELS, "--no-manifests" not in argv, "--misses" in argv)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
