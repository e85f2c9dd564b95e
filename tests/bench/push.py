"""Push overhead: a 64 MB, 8-layer push through the tutor against `docker push`, alternating.

Each round pushes the same image three ways, in an order that rotates from round to round: the
docker CLI, `docker push` typed into the tutor's interpreter (every event consumed, in this
process), and `docker push` typed into the headless app's command box (interpreter plus the UI's
event handling and progress bars, timed from Enter to the command's end in a child process).
Each push goes to a registry process of its own (fresh port, empty storage): the daemon then has
no blob it could mount from an earlier repository, so every layer is really uploaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.bench import tutor_api
from tests.bench.bed import Bed, Registry
from tests.bench.lab import lab
from tests.bench.report import Row, median
from tests.bench.settings import MB, Settings
from tests.bench.spawn import run_json
from tests.bench.tutor_child import require_app

FIGURE = "push through the app / `docker push`"
TARGET = "ratio <= 1.05"
LIMIT = 1.05
CPU_FIGURE = "tutor CPU per push: app / interpreter alone"
CPU_TARGET = "ratio <= 3"
CPU_LIMIT = 3.0
Pusher = Callable[[Bed, Registry, str], float]


def push_cli(bed: Bed, registry: Registry, reference: str) -> float:
    """Seconds the real docker CLI takes."""
    started = time.perf_counter()
    bed.docker("push", reference)
    return time.perf_counter() - started


def push_interpreter(bed: Bed, registry: Registry, reference: str) -> float:
    """Seconds the tutor's interpreter takes, consuming every event."""
    started, cpu_started = time.perf_counter(), time.process_time()
    tutor_api.push(bed, registry, reference)
    bed.cache.setdefault("push_cpu", []).append((time.process_time() - cpu_started) * 1000)
    return time.perf_counter() - started


def push_app(bed: Bed, registry: Registry, reference: str) -> float:
    """Seconds from Enter to the end of the command in the headless app."""
    result = run_json("app-push", {"argv": lab(bed).args(), "reference": reference, "probe": False})
    if not result["pushed"]:
        raise RuntimeError(f"the app's push did not finish: {result['output_tail']}")
    bed.cache.setdefault("app_cpu", []).append(float(result["push_cpu_ms"]))
    return float(result["push_s"])


WAYS: dict[str, Pusher] = {"cli": push_cli, "interpreter": push_interpreter, "app": push_app}


def timed_push(bed: Bed, image: str, way: str, round_no: int) -> float:
    """One push of the image one way, to a fresh registry (set up and removed outside the clock)."""
    registry = bed.start_registry()
    bed.login(registry)
    reference = bed.tag(image, f"{registry.address}/{registry.user}/{way}-{round_no}")
    try:
        return WAYS[way](bed, registry, reference)
    finally:
        bed.forget(reference)
        bed.drop_registry(registry)


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Rotate the three ways through the rounds; the median of per-round ratios against the CLI."""
    require_app()
    image = bed.build("tutor-bench-push", settings.push_layers, settings.push_layer_bytes)
    timed_push(bed, image, "cli", -1)  # warm-up: the daemon's first push of an image reads it cold
    order = list(WAYS)
    seconds: dict[str, list[float]] = {way: [] for way in order}
    for round_no in range(settings.push_rounds):
        for way in order[round_no % 3:] + order[:round_no % 3]:
            seconds[way].append(timed_push(bed, image, way, round_no))
    bed.forget(image)
    size = f"{settings.push_bytes // MB} MB in {settings.push_layers} layers, {settings.push_rounds} rounds"
    return [row(seconds["app"], seconds["cli"], size), cpu_row(bed),
            interpreter_row(seconds["interpreter"], seconds["cli"], size)]


def per_round(tutor: list[float], cli: list[float]) -> tuple[float, str]:
    """The median of the per-round ratios, and the rounds' ratios as text."""
    ratios = [mine / theirs for mine, theirs in zip(tutor, cli, strict=True)]
    return median(ratios), " ".join(f"{value:.2f}" for value in ratios)


def row(app: list[float], cli: list[float], size: str) -> Row:
    """The app's row: medians in ms, the median of per-round ratios, the rounds in the note."""
    factor, rounds = per_round(app, cli)
    return Row(FIGURE, median(app) * 1000, "ms", TARGET, factor <= LIMIT, median(cli) * 1000, factor,
               f"{size}, ratios {rounds}")


def interpreter_row(interpreter: list[float], cli: list[float], size: str) -> Row:
    """The core alone (no screen), for reference: where the app's overhead is not."""
    factor, rounds = per_round(interpreter, cli)
    return Row("  push through the interpreter / `docker push`", median(interpreter) * 1000, "ms",
               "(report)", None, median(cli) * 1000, factor, f"{size}, ratios {rounds}")


def cpu_row(bed: Bed) -> Row:
    """The tutor process's own CPU per push (all its threads): the app against the interpreter alone."""
    app, alone = median(bed.cache["app_cpu"]), median(bed.cache["push_cpu"])
    factor = app / alone if alone else None
    note = ("the app: " + " ".join(f"{v:.0f}" for v in bed.cache["app_cpu"]) + " ms; interpreter: "
            + " ".join(f"{v:.0f}" for v in bed.cache["push_cpu"]) + " ms")
    return Row(CPU_FIGURE, app, "ms", CPU_TARGET, factor is not None and factor <= CPU_LIMIT, alone, factor,
               note)
