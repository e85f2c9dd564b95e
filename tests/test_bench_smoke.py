"""The benchmark command runs end to end in its tiny mode and yields every figure with numbers."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from tests.bench.__main__ import FIGURES

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_quick_bench() -> tuple[int, dict[str, list[dict[str, object]]], str]:
    """Run `python -m tests.bench --quick --json` as a learner's shell would."""
    result = subprocess.run([sys.executable, "-m", "tests.bench", "--quick", "--json"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=240)
    return result.returncode, json.loads(result.stdout or "{}"), result.stderr


def is_number(value: object) -> bool:
    """A real, finite measurement (not None, not NaN)."""
    return isinstance(value, (int, float)) and math.isfinite(value)


def test_quick_bench_reports_every_figure_with_numbers() -> None:
    """Every figure has a row; every row has a measurement, a target and a verdict, or says pending."""
    code, report, errors = run_quick_bench()
    assert code == 0, errors
    rows = report["rows"]
    titles = [row["figure"] for row in rows]
    for title, _ in FIGURES.values():
        assert title in titles, f"no row for {title}: {errors[-2000:]}"
    for row in rows:
        assert not str(row["note"]).startswith("error"), row
        if str(row["note"]).startswith("pending"):
            continue
        assert is_number(row["measured"]), row
        assert row["target"] and row["met"] in (True, False), row
        if row["ratio"] is not None:
            assert is_number(row["baseline"]) and is_number(row["ratio"]), row
