"""`registry-tutor lessons lint|test`: prove that lessons are well formed and their checks work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register `lessons` and its actions."""
    lessons = sub.add_parser("lessons", help="lint or test lessons")
    actions = lessons.add_subparsers(dest="action", metavar="ACTION", required=True)
    lint = actions.add_parser("lint", help="check lesson files for mistakes")
    lint.add_argument("paths", nargs="*")
    test = actions.add_parser("test", help="run each step's solution against a real registry")
    test.add_argument("lesson", nargs="?")
    test.add_argument("--registry", required=True)


def run(args: argparse.Namespace) -> int:
    """Carry out one lessons action."""
    if args.action == "lint":
        return run_lint([Path(path) for path in args.paths])
    return run_test(args)


def run_lint(paths: list[Path]) -> int:
    """Print every problem as file:line: message; 1 when there is any."""
    from tutor.core.lesson_lint import lint, summary

    missing = [path for path in paths if not path.exists()]
    if missing:
        print("\n".join(f"{path}: no such file or folder" for path in missing), file=sys.stderr)
        return 2
    problems, lessons = lint(paths)
    if problems:
        print("\n".join(str(problem) for problem in problems))
        print(f"{len(problems)} problem(s) in the lessons", file=sys.stderr)
        return 1
    if not lessons:
        print("no lesson files found", file=sys.stderr)
        return 1
    print(summary(lessons))
    print("OK: lessons are well formed")
    return 0


def run_test(args: argparse.Namespace) -> int:
    """Run each step's solution against a real engine and registry."""
    print("lessons test: not available yet", file=sys.stderr)
    return 2
