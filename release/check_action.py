#!/usr/bin/env python3
"""Checks the structure of action.yml, which actionlint does not lint (it
reads workflows, not action metadata): a composite action whose every `run`
step names its shell, whose `${{ inputs.X }}` references are declared
inputs, and whose scripts never expand `${{ }}` inline (inputs reach them
through `env:`, so a crafted input cannot inject shell). Also checks that
.pre-commit-hooks.yaml is a list of hooks with the fields pre-commit needs.

    python3 release/check_action.py [action.yml] [.pre-commit-hooks.yaml]

Prints one line per problem; exit 1 on any. Needs PyYAML.
"""
import re
import sys

import yaml


def check_action(path):
    problems = []
    with open(path, encoding="utf-8") as f:
        action = yaml.safe_load(f)
    for key in ("name", "description", "runs"):
        if key not in action:
            problems.append(f"{path}: missing top-level '{key}'")
    inputs = action.get("inputs") or {}
    for name, spec in inputs.items():
        if "description" not in (spec or {}):
            problems.append(f"{path}: input '{name}' has no description")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        problems.append(f"{path}: runs.using is {runs.get('using')!r}, not 'composite'")
    steps = runs.get("steps") or []
    if not steps:
        problems.append(f"{path}: no steps")
    for i, step in enumerate(steps):
        label = step.get("name", f"step {i + 1}")
        if "run" in step:
            if "shell" not in step:
                problems.append(f"{path}: '{label}' runs a script without 'shell'")
            if "${{" in step["run"]:
                problems.append(f"{path}: '{label}' expands ${{{{ }}}} inside its script")
        elif "uses" not in step:
            problems.append(f"{path}: '{label}' has neither 'run' nor 'uses'")
        text = yaml.safe_dump(step)
        for used in re.findall(r"inputs\.([A-Za-z0-9_-]+)", text):
            if used not in inputs:
                problems.append(f"{path}: '{label}' uses undeclared input '{used}'")
    return problems


def check_hooks(path):
    problems = []
    with open(path, encoding="utf-8") as f:
        hooks = yaml.safe_load(f)
    if not isinstance(hooks, list) or not hooks:
        return [f"{path}: not a non-empty list of hooks"]
    for hook in hooks:
        for key in ("id", "name", "entry", "language"):
            if key not in hook:
                problems.append(f"{path}: hook {hook.get('id')!r} has no '{key}'")
        if hook.get("language") != "python":
            problems.append(f"{path}: hook {hook.get('id')!r} does not install the Python package")
    return problems


def main(argv):
    action = argv[1] if len(argv) > 1 else "action.yml"
    hooks = argv[2] if len(argv) > 2 else ".pre-commit-hooks.yaml"
    problems = check_action(action) + check_hooks(hooks)
    for p in problems:
        print(p)
    print(f"check_action: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
