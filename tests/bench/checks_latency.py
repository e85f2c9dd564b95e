"""Check latency: the seven checks against the local daemon and registry, warm, lab finished."""

from __future__ import annotations

import base64
import time
import urllib.request
from typing import Any

from tests.bench import tutor_api
from tests.bench.bed import Bed
from tests.bench.lab import LabSetup, lab
from tests.bench.report import Row, median
from tests.bench.settings import Settings

FIGURE = "check latency (all 7 together)"
TARGET = "< 100 ms"
EACH_TARGET = "(report)"


def finish_lab(bed: Bed, setup: LabSetup) -> None:
    """Do the whole lab with the real docker CLI: login, tag, push, remove the copy, pull back."""
    bed.login(setup.registry)
    bed.tag(setup.image, setup.remote)
    bed.docker("push", setup.remote)
    bed.docker("rmi", setup.remote)
    bed.docker("pull", setup.remote)


def timed(call: Any) -> tuple[float, Any]:
    """Milliseconds a call took, and its result."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def registry_round_trip(setup: LabSetup) -> float:
    """Milliseconds of one authenticated GET /v2/: the floor of any check that asks the registry."""
    registry = setup.registry
    token = base64.b64encode(f"{registry.user}:{registry.password}".encode()).decode()
    request = urllib.request.Request(registry.url + "/v2/", headers={"Authorization": f"Basic {token}"})
    return timed(lambda: urllib.request.urlopen(request, timeout=5).close())[0]


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Median of run_all over warm runs, then each check on its own."""
    from tutor.core.lab.checks import CHECK_IDS, run_all, run_check

    setup = lab(bed)
    started_nano = time.time_ns()
    finish_lab(bed, setup)
    ctx = tutor_api.lab_context(bed, setup.registry.address, setup.registry.user, setup.image_name,
                                 started_nano)
    results = run_all(ctx)  # warm: connections, the registry client, imports
    not_done = [f"{result.step}={result.status.value} ({result.detail})"
                for result in results if result.status.value != "done"]
    totals = [timed(lambda: run_all(ctx))[0] for _ in range(settings.check_runs)]
    total = median(totals)
    floor = median([registry_round_trip(setup) for _ in range(settings.check_runs)])
    note = "after the whole lab; " + ("NOT all done: " + "; ".join(not_done) if not_done else "all done")
    note += f"; baseline = one authenticated registry request (bcrypt htpasswd): {floor:.0f} ms"
    rows = [Row(FIGURE, total, "ms", TARGET, total < 100 and not not_done, floor, note=note)]
    for check_id in CHECK_IDS:
        each = median([timed(lambda c=check_id: run_check(c, ctx))[0] for _ in range(settings.check_runs)])
        rows.append(Row(f"  check {check_id} (alone)", each, "ms", EACH_TARGET, None, floor))
    if total >= 100:
        slowest = max(rows[1:], key=lambda row: row.measured or 0.0)
        rows[0].note += f"; GAP {total - 100:.0f} ms over target, slowest alone: {slowest.figure.strip()}"
    return rows
