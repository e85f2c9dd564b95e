"""`registry-tutor lessons lint|test`: prove that lessons are well formed and their checks work."""

from __future__ import annotations

import argparse
import sys
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
    print(f"lessons {args.action}: not available yet", file=sys.stderr)
    return 2
