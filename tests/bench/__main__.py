"""`python -m tests.bench`: run every figure and print the table (see tests/bench/__init__.py)."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence

from tests.bench import check_process, checks_latency, memory, push, smooth, startup, unlock
from tests.bench.bed import Bed, BenchSetupError
from tests.bench.report import Row, pending, render, to_json
from tests.bench.settings import Settings
from tests.bench.tutor_api import Pending

Figure = Callable[[Bed, Settings], list[Row]]
FIGURES: dict[str, tuple[str, Figure]] = {  # the order
    "startup": (startup.FIGURE, startup.measure),
    "push": (push.FIGURE, push.measure),
    "smooth": (smooth.FIGURE, smooth.measure),
    "unlock": (unlock.FIGURE, unlock.measure),
    "check-process": (check_process.FIGURE, check_process.measure),
    "memory": (memory.FIGURE, memory.measure),
    "checks": (checks_latency.FIGURE, checks_latency.measure),
}
ROW_TITLES = (startup.FIGURE, push.FIGURE, push.CPU_FIGURE, smooth.FIGURE, unlock.FIGURE,
              check_process.FIGURE, memory.FIGURE, checks_latency.FIGURE)
"""Every judged row the bench prints, in the issue's order (the checks' latency comes last)."""


def build_parser() -> argparse.ArgumentParser:
    """The bench's options."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny images, one round (smoke test)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--rounds", type=int, help="push rounds (default 6, quick 1)")
    parser.add_argument("--modern", action="store_true",
                        help="run against Docker 26 with the containerd image store (.ci/modern-engine)")
    parser.add_argument("--only", action="append", choices=sorted(FIGURES),
                        help="run only this figure (repeatable)")
    return parser


def run_figure(name: str, bed: Bed, settings: Settings) -> list[Row]:
    """One figure's rows; a failure becomes a row that says what broke, never a lost table."""
    title, measure = FIGURES[name]
    started = time.monotonic()
    try:
        rows = measure(bed, settings)
    except Pending as waiting:
        rows = [pending(title, "-", str(waiting))]
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        rows = [Row(title, None, "", "-", None, note=f"error: {type(error).__name__}: {error}")]
    print(f"[bench] {name}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench; 0 unless --strict and a target is missed (2 when a real part is missing)."""
    args = build_parser().parse_args(argv)
    settings = Settings.make(args.quick, args.rounds)
    try:
        bed = Bed.open(args.modern)
    except BenchSetupError as error:
        print(f"cannot run the bench: {error}", file=sys.stderr)
        return 2
    try:
        engine = bed.engine_name
        rows = [row for name in (args.only or FIGURES) for row in run_figure(name, bed, settings)]
    finally:
        bed.close()
    print(to_json(rows, engine) if args.json else f"engine: {engine}\n\n{render(rows)}")
    missed = any(row.met is False for row in rows)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
