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
IDLE_FIGURE = "  the same, until the process is idle"


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Alternate tutor and baseline start-ups; compare medians (CPU time in the notes).

    The judged row times the first frame that shows the step's lesson; the report row under it times
    the process going quiet, i.e. the tutor also connected and every step re-checked behind it.
    """
    require_app()
    args = lab_args(bed)
    time_to_ready("startup-baseline", [])  # warm the disk cache for both
    baseline_runs, tutor_runs = [], []
    for _ in range(settings.startup_runs):
        baseline_runs.append(time_to_ready("startup-baseline", []))
        tutor_runs.append(time_to_ready("startup-tutor", args))
    measured, baseline = median([t.ready for t in tutor_runs]), median([t.ready for t in baseline_runs])
    factor = ratio(measured, baseline)
    cpu, cpu_base = median([t.ready_cpu for t in tutor_runs]), median([t.ready_cpu for t in baseline_runs])
    note = (f"median of {settings.startup_runs}; the first frame showing the lesson; CPU time to it "
            f"(all threads): {cpu:.0f} ms vs {cpu_base:.0f} ms (ratio {cpu / cpu_base:.2f})")
    met = factor is not None and factor <= LIMIT
    idle, idle_base = median([t.idle for t in tutor_runs]), median([t.idle for t in baseline_runs])
    idle_cpu = median([t.idle_cpu for t in tutor_runs])
    idle_note = (f"connected, every step re-checked, the process quiet (Textual's idle test); tutor CPU "
                 f"{idle_cpu:.0f} ms")
    return [Row(FIGURE, measured, "ms", TARGET, met, baseline, factor, note),
            Row(IDLE_FIGURE, idle, "ms", "(report)", None, idle_base, ratio(idle, idle_base), idle_note)]
