#!/usr/bin/env python3
"""The page-picking rule of recall round four (issue 24), fixed before any
page was read, so the held-out set can be drawn again from the same commits.

Usage: benches/recall/pick.py MIRRORS OWNER+NAME...

MIRRORS/<owner>+<name>/ is a git repository; its HEAD is read (round four
used the commits recorded in `labels-issue24-round4.tsv`). Prints `split, repository, commit, path` rows: English
Markdown, MDX or Quarto files whose path names a topic word, with 30 to 300
non-blank lines, leaving out translations, versioned copies, changelogs,
release notes and test folders; sorted, shuffled with seed 24, and the first
six taken: shuffled positions 1, 2, 4 and 5 are held out (held4), 3 and 6
may be used to find misses (dev4). Labels are then written by reading.
"""
import random
import re
import subprocess
import sys

TOPIC = ["eval", "observability", "tracing", "telemetry", "monitoring", "cost", "usage", "prompt", "guard", "rag",
         "retrieval", "caching", "latency", "deployment", "judge", "metric", "feedback", "scoring"]
LEFT_OUT = re.compile(
    r"(/|^)(zh|ja|ko|cn|es|fr|de|pt|i18n|translations|versioned_docs|versions|tests?|node_modules|vendor)(/)"
    r"|/v\d+\.|changelog|release[-_ ]?notes",
    re.I,
)


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], capture_output=True, check=True).stdout


def pick(mirrors, name, commit=None):
    repo = f"{mirrors}/{name}"
    commit = commit or git(repo, "rev-parse", "HEAD").decode().strip()
    tree = git(repo, "ls-tree", "-r", "--name-only", commit).decode().splitlines()
    candidates = sorted(
        p for p in tree
        if re.search(r"\.(md|mdx|qmd)$", p) and any(t in p.lower() for t in TOPIC) and not LEFT_OUT.search("/" + p)
    )
    eligible = []
    for path in candidates:
        try:
            text = git(repo, "show", f"{commit}:{path}").decode("utf-8")
        except (subprocess.CalledProcessError, UnicodeDecodeError):
            continue
        if 30 <= sum(1 for line in text.splitlines() if line.strip()) <= 300:
            eligible.append(path)
    random.Random(24).shuffle(eligible)
    for i, path in enumerate(eligible[:6]):
        print("held4" if i % 3 < 2 else "dev4", name, commit, path, sep="\t")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    names = argv[1:]
    for name in names:
        pick(argv[0], name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
