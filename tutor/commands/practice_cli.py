"""`registry-tutor practice ...`: run and look after the offline practice registry."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    """Register `practice` and its actions."""
    practice = sub.add_parser("practice", help="run the offline practice registry")
    actions = practice.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = actions.add_parser("start", help="start the practice registry in the background")
    start.add_argument("--port", type=int, default=5000)
    start.add_argument("--host", default="127.0.0.1")
    start.add_argument("--data", help="where it keeps images and accounts")
    for name, text in [("stop", "stop it"), ("status", "show address, accounts, repositories"),
                       ("users", "list the accounts")]:
        actions.add_parser(name, help=text)
    add_user = actions.add_parser("add-user", help="create an account")
    add_user.add_argument("name")
    add_user.add_argument("--password-stdin", action="store_true")
    remove = actions.add_parser("remove-user", help="delete an account")
    remove.add_argument("name")
    reset = actions.add_parser("reset", help="delete what the lab pushed")
    reset.add_argument("--user")
    reset.add_argument("--yes", action="store_true")
    board = actions.add_parser("board", help="a live table of every account's progress")
    board.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    """Carry out one practice action."""
    print(f"practice {args.action}: not available yet", file=sys.stderr)
    return 2
