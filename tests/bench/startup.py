"""Start-up: process start to the first step screen drawn, against a one-Markdown Textual app."""

from __future__ import annotations

from tests.bench.bed import Bed
from tests.bench.report import Row, median, ratio
from tests.bench.settings import Settings
from tests.bench.spawn import time_to_ready
from tests.bench.tutor_child import lab_args, require_app

FIGURE = "first step screen / minimal Textual Markdown app"
TARGET = "ratio <= 1.3"
LIMIT = 1.3


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Alternate tutor and baseline start-ups; compare medians (CPU time in the note)."""
    require_app()
    args = lab_args(bed)
    time_to_ready("startup-baseline", [])  # warm the disk cache for both
    baseline_runs, tutor_runs = [], []
    for _ in range(settings.startup_runs):
        baseline_runs.append(time_to_ready("startup-baseline", []))
        tutor_runs.append(time_to_ready("startup-tutor", args))
    measured, baseline = median([w for w, _ in tutor_runs]), median([w for w, _ in baseline_runs])
    factor = ratio(measured, baseline)
    cpu, cpu_base = median([c for _, c in tutor_runs]), median([c for _, c in baseline_runs])
    note = (f"median of {settings.startup_runs}; CPU time to first draw (all threads): "
            f"{cpu:.0f} ms vs {cpu_base:.0f} ms (ratio {cpu / cpu_base:.2f})")
    met = factor is not None and factor <= LIMIT
    return [Row(FIGURE, measured, "ms", TARGET, met, baseline, factor, note)]
