"""Start-up: process start to the first step screen drawn, against a one-Markdown Textual app."""

from __future__ import annotations

from tests.bench.bed import Bed
from tests.bench.report import Row, median, pending, ratio
from tests.bench.settings import Settings
from tests.bench.spawn import time_to_ready
from tests.bench.tutor_child import app_missing, lab_args

FIGURE = "start-up (to first step drawn)"
TARGET = "ratio <= 1.5"


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Alternate tutor and baseline start-ups; compare medians."""
    baseline_runs: list[float] = []
    tutor_runs: list[float] = []
    missing = app_missing()
    args = lab_args(bed)
    time_to_ready("startup-baseline", [])  # warm the disk cache for both
    for _ in range(settings.startup_runs):
        baseline_runs.append(time_to_ready("startup-baseline", []))
        if not missing:
            tutor_runs.append(time_to_ready("startup-tutor", args))
    baseline = median(baseline_runs)
    if missing:
        row = pending(FIGURE, TARGET, missing)
        row.baseline, row.unit = baseline, "ms"
        return [row]
    measured = median(tutor_runs)
    factor = ratio(measured, baseline)
    return [Row(FIGURE, measured, "ms", TARGET, factor is not None and factor <= 1.5, baseline, factor)]
