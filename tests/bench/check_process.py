"""`registry-tutor check --json` as a process, against `python -c "import docker"` (its floor).

A grader runs the headless check as its own process: interpreter start, the docker SDK, the lab's
modules, every check against the real daemon and registry, the JSON out. The baseline is the least
any process that talks to the engine through the docker SDK pays: the interpreter importing it.
Runs alternate (baseline, check) after one warm-up of each; the medians are compared.
"""

from __future__ import annotations

import subprocess
import sys
import time

from tests.bench.bed import Bed
from tests.bench.checks_latency import finish_lab
from tests.bench.lab import lab
from tests.bench.report import Row, median, ratio
from tests.bench.settings import Settings
from tests.bench.spawn import REPO_ROOT

FIGURE = "`check --json` process / `python -c \"import docker\"`"
TARGET = "ratio <= 1.3"
LIMIT = 1.3


def timed_process(command: list[str]) -> tuple[float, float, str]:
    """Wall ms of one process, the CPU ms of its whole run (user + system), and its stdout."""
    before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command[1:4])} failed ({result.returncode}): "
                           f"{result.stderr.strip()[-600:]}")
    return elapsed, (_children_cpu() - before) * 1000, result.stdout


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Alternate the check process and the import-docker process; compare the medians."""
    setup = lab(bed)
    if not bed.cache.get("lab_finished"):
        finish_lab(bed, setup)
        bed.cache["lab_finished"] = True
    check = [sys.executable, "-m", "tutor", "check", "--json", *setup.args()]
    floor = [sys.executable, "-c", "import docker"]
    timed_process(floor)
    _, _, answer = timed_process(check)  # warm-up; also says whether every step is done
    done = answer.count('"status": "done"')
    checks, floors = [], []
    for _ in range(settings.check_runs):
        floors.append(timed_process(floor))
        checks.append(timed_process(check))
    measured, baseline = median([c[0] for c in checks]), median([f[0] for f in floors])
    factor = ratio(measured, baseline)
    cpu, cpu_floor = median([c[1] for c in checks]), median([f[1] for f in floors])
    note = (f"median of {settings.check_runs}; {done} of 7 steps done; CPU per process {cpu:.0f} ms vs "
            f"{cpu_floor:.0f} ms")
    return [Row(FIGURE, measured, "ms", TARGET, factor is not None and factor <= LIMIT, baseline, factor,
                note)]
