"""Push overhead: a 64 MB, 8-layer push through the tutor against `docker push`, alternating.

Each push goes to a registry process of its own (fresh port, empty storage): the daemon then has
no blob it could mount from an earlier repository, so every layer is really uploaded.
"""

from __future__ import annotations

import time

from tests.bench import tutor_api
from tests.bench.bed import Bed, Registry
from tests.bench.report import Row, median
from tests.bench.settings import MB, Settings

FIGURE = "push overhead (tutor / docker push)"
TARGET = "ratio <= 1.05"


def _fresh(bed: Bed, image: str, name: str) -> tuple[Registry, str]:
    registry = bed.start_registry()
    bed.login(registry)
    return registry, bed.tag(image, f"{registry.address}/{registry.user}/{name}")


def _done(bed: Bed, registry: Registry, reference: str) -> None:
    bed.forget(reference)
    bed.drop_registry(registry)


def time_cli(bed: Bed, image: str, round_no: int) -> float:
    """Seconds for the real docker CLI to push the image to a fresh registry."""
    registry, reference = _fresh(bed, image, f"cli-{round_no}")
    started = time.perf_counter()
    bed.docker("push", reference)
    elapsed = time.perf_counter() - started
    _done(bed, registry, reference)
    return elapsed


def time_tutor(bed: Bed, image: str, round_no: int) -> tuple[float, float]:
    """Seconds (wall, this process's CPU) for the tutor to push the image to a fresh registry."""
    registry, reference = _fresh(bed, image, f"tutor-{round_no}")
    started, cpu_started = time.perf_counter(), time.process_time()
    tutor_api.push(bed, registry, reference)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    _done(bed, registry, reference)
    return elapsed, cpu


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Alternate CLI and tutor pushes (order swapped each round); compare the median ratio."""
    image = bed.build("tutor-bench-push", settings.push_layers, settings.push_layer_bytes)
    time_cli(bed, image, -1)  # warm-up: the daemon's first push of an image also reads it cold
    ratios, tutor_times, cli_times, cpu_times = [], [], [], []
    for round_no in range(settings.push_rounds):
        if round_no % 2:
            tutor, cpu = time_tutor(bed, image, round_no)
            cli = time_cli(bed, image, round_no)
        else:
            cli = time_cli(bed, image, round_no)
            tutor, cpu = time_tutor(bed, image, round_no)
        ratios.append(tutor / cli)
        tutor_times.append(tutor * 1000)
        cli_times.append(cli * 1000)
        cpu_times.append(cpu * 1000)
    bed.forget(image)
    factor = median(ratios)
    note = (f"{settings.push_bytes // MB} MB in {settings.push_layers} layers, "
            f"{settings.push_rounds} rounds, ratios " + " ".join(f"{r:.2f}" for r in ratios)
            + f"; the tutor process's own CPU: median {median(cpu_times):.0f} ms per push")
    return [Row(FIGURE, median(tutor_times), "ms", TARGET, factor <= 1.05, median(cli_times), factor,
                note=note)]
