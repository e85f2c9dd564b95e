"""`registry-tutor reset`."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    """Not written yet: says so instead of pretending."""
    print("registry-tutor reset: not available yet", file=sys.stderr)
    return 2
