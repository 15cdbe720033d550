#!/usr/bin/env python3
"""Precision of `llmops-lsp scan` on hits drawn at random from real LLM repositories.

The labels (`labels-issue24-round4.tsv` beside this script) hold, per
sampled hit: sample name, repository, commit, path, line, column, term id,
verdict (right/wrong), a class of the verdict and a short reason in our own
words. No text of the repositories is stored; they are read at the recorded
commit.

Why a script and not a test: the repositories belong to other projects and
are not in this one, so the figure is recomputed by hand when the matcher or
the built-in pack changes (see README, "Matching rules", issue 24
precision, round four).

Usage:
  benches/precision/precision.py prepare MIRRORS SRC [LABELS]
      MIRRORS/<owner>+<name>/ is a git repository (bare or not) holding the
      recorded commit; writes its whole tree to SRC/<owner>+<name>/ (blobs
      the mirror lacks, such as large images, are skipped).
  benches/precision/precision.py sample BIN SRC SEED PER_REPO NAME REPO...
      Scans each SRC/REPO with `BIN scan --format json` (empty data folder),
      draws PER_REPO hits per repository at random with SEED, and prints
      unlabelled rows for sample NAME (commit read from SRC/REPO/.commit).
  benches/precision/precision.py measure BIN SRC [LABELS]
      Scans the labelled repositories again and prints, per sample, the
      right share of the labelled hits still shown (95 % Wilson interval)
      and the labelled hits no longer shown, by verdict.
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LABELS = os.path.join(HERE, "labels-issue24-round4.tsv")
FIELDS = ["sample", "repo", "commit", "path", "line", "column", "term", "verdict", "class", "reason"]


def read_labels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            row = dict(zip(FIELDS, line.rstrip("\n").split("\t")))
            row["line"] = int(row["line"])
            row["column"] = int(row["column"])
            rows.append(row)
    return rows


def prepare(mirrors, src, labels):
    for repo, commit in sorted({(r["repo"], r["commit"]) for r in read_labels(labels)}):
        git_dir = os.path.join(mirrors, repo)
        if os.path.isdir(os.path.join(git_dir, "repo")):
            git_dir = os.path.join(git_dir, "repo")
        out = os.path.join(src, repo)
        tree = subprocess.run(
            ["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", commit], capture_output=True, check=True
        ).stdout.split(b"\0")
        cat = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for entry in filter(None, tree):
            meta, path = entry.split(b"\t", 1)
            mode, kind, sha = meta.split()
            if kind != b"blob" or mode == b"120000":
                continue
            cat.stdin.write(sha + b"\n")
            cat.stdin.flush()
            header = cat.stdout.readline()
            if header.endswith(b"missing\n"):
                continue
            data = cat.stdout.read(int(header.split()[2]))
            cat.stdout.read(1)
            dst = os.path.join(out.encode(), path)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(data)
        cat.stdin.close()
        cat.wait()
        with open(os.path.join(out, ".commit"), "w") as f:
            f.write(commit + "\n")


def scan(binary, folder):
    """Term hits (not practice findings) of one folder: (path, line, column, term) tuples."""
    env = {**os.environ, "LLMOPS_LSP_DATA_DIR": tempfile.mkdtemp()}
    out = subprocess.run(
        [binary, "scan", "--format", "json", folder], capture_output=True, text=True, env=env, check=True
    ).stdout
    return sorted(
        (os.path.relpath(h["path"], folder), h["line"], h["column"], h["termId"])
        for h in json.loads(out)
        if "practiceId" not in h
    )


def sample(binary, src, seed, per_repo, name, repos):
    rng = random.Random(seed)
    for repo in repos:
        folder = os.path.join(src, repo)
        with open(os.path.join(folder, ".commit")) as f:
            commit = f.read().strip()
        hits = scan(binary, folder)
        for path, line, column, term in sorted(rng.sample(hits, min(per_repo, len(hits)))):
            print("\t".join([name, repo, commit, path, str(line), str(column), term, "", "", ""]))


def wilson(k, n, z=1.96):
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (100 * (c - h), 100 * (c + h))


def measure(binary, src, labels):
    rows = read_labels(labels)
    shown = {}
    for repo in sorted({r["repo"] for r in rows}):
        shown[repo] = set(scan(binary, os.path.join(src, repo)))
    for name in sorted({r["sample"] for r in rows}):
        kept = {"right": 0, "wrong": 0}
        gone = {"right": 0, "wrong": 0}
        for r in rows:
            if r["sample"] != name:
                continue
            hit = (r["path"], r["line"], r["column"], r["term"])
            (kept if hit in shown[r["repo"]] else gone)[r["verdict"]] += 1
        n = kept["right"] + kept["wrong"]
        lo, hi = wilson(kept["right"], n)
        share = 100 * kept["right"] / n if n else 0.0
        print(
            f"{name}: {kept['right']}/{n} right = {share:.1f} % (95 % Wilson {lo:.1f} to {hi:.1f}); "
            f"no longer shown: {gone['wrong']} wrong, {gone['right']} right"
        )


def main(argv):
    if len(argv) >= 3 and argv[0] == "prepare":
        prepare(argv[1], argv[2], argv[3] if len(argv) > 3 else DEFAULT_LABELS)
    elif len(argv) >= 7 and argv[0] == "sample":
        sample(argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6:])
    elif len(argv) >= 3 and argv[0] == "measure":
        measure(argv[1], argv[2], argv[3] if len(argv) > 3 else DEFAULT_LABELS)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
