"""The benchmark command runs end to end in its tiny mode and yields every figure with numbers."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from tests.bench.__main__ import ROW_TITLES
from tests.conftest import missing

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
    """Every figure has a row with a measurement, a same-run baseline where it has one, and a verdict."""
    code, report, errors = run_quick_bench()
    if code == 2:  # the bench says which real part is missing (daemon, registry, busybox)
        missing(errors.strip())
    assert code == 0, errors
    rows = report["rows"]
    for title in ROW_TITLES:
        assert [row for row in rows if str(row["figure"]).startswith(title)], \
            f"no row for {title}: {errors[-2000:]}"
    for row in rows:
        assert not str(row["note"]).startswith(("error", "pending")), row
        assert "NOT" not in str(row["note"]), row  # a lab that did not finish measures nothing
        assert is_number(row["measured"]), row
        if row["ratio"] is not None:
            assert is_number(row["baseline"]) and is_number(row["ratio"]), row
    judged = [row for row in rows if not str(row["figure"]).startswith(" ")]
    assert all(row["target"] and row["met"] in (True, False) for row in judged), judged


def test_bench_children_measure_the_tutor_not_the_test_tools() -> None:
    """The modules a bench child loads pull in neither pytest nor the docker SDK by themselves."""
    probe = ("import sys, tests.bench.child, tests.bench.tutor_child, tests.bench.lab_run, "
             "tests.bench.unlock_child; print(sorted({'pytest', 'docker'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
