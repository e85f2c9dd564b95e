"""Smoothness: the app's event loop's longest stall while it pushes a many-layer image."""

from __future__ import annotations

import secrets
from typing import Any

from tests.bench.bed import Bed
from tests.bench.lab import lab
from tests.bench.report import Row
from tests.bench.settings import Settings
from tests.bench.spawn import run_json
from tests.bench.tutor_child import require_app

FIGURE = "longest event-loop stall, 30-layer push"
TARGET = "< 33 ms (two frames)"
LIMIT_MS = 33


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Type `docker push` of a 30-layer image into the headless app, in rounds of fresh names; the
    median round. Baseline: the same app idle while the docker CLI pushes (the same machine load)."""
    require_app()
    image = bed.build("tutor-bench-smooth", settings.smooth_layers, settings.smooth_layer_bytes)
    try:
        results = [_one_push(bed, image) for _round in range(settings.smooth_rounds)]
    finally:
        bed.forget(image)
    results.sort(key=lambda result: float(result["stall_ms"]))
    middle = results[len(results) // 2]
    stall = float(middle["stall_ms"])
    rounds = " ".join(f"{float(result['stall_ms']):.0f}" for result in results)
    idle = " ".join(f"{float(result['idle_stall_ms']):.0f}" for result in results)
    note = (f"{settings.smooth_layers} layers ({middle['layers']} bars), median of {len(results)} pushes"
            f" (stalls {rounds} ms; idle {idle} ms), the median's push took {middle['push_s']:.1f} s;"
            f" baseline = the same app idle while the docker CLI pushes the same image (same machine load);"
            f" longest single callback in main-thread CPU: {middle['cpu_ms']:.0f} ms pushing,"
            f" {middle['idle_cpu_ms']:.0f} ms idle")
    return [Row(FIGURE, stall, "ms", TARGET, stall < LIMIT_MS, float(middle["idle_stall_ms"]), None, note)]


def _one_push(bed: Bed, image: str) -> dict[str, Any]:
    """One round: the app pushes to a fresh registry (no blob it could mount from an earlier round),
    the CLI (the baseline) to another."""
    target, other = bed.start_registry(), bed.start_registry()
    bed.login(target)
    bed.login(other)
    name = f"smooth-{secrets.token_hex(3)}"
    reference = bed.tag(image, f"{target.address}/{target.user}/{name}")
    baseline_reference = bed.tag(image, f"{other.address}/{other.user}/{name}")
    try:
        result = run_json("app-push", {"argv": lab(bed).args(), "reference": reference,
                                     "baseline_reference": baseline_reference})
    finally:
        for tag in (reference, baseline_reference):
            bed.forget(tag)
        bed.drop_registry(target)
        bed.drop_registry(other)
    if not result["pushed"]:
        raise RuntimeError(f"the app's push did not finish: {result['output_tail']}")
    return result
