"""Unlock latency in watch mode: the learner's own `docker tag` / `docker push` to the step done.

The tutor's side is what the app runs: watch_changes (engine events and the credentials file)
and, for every change, the current step's check. The clock starts when the learner's docker CLI
process has exited and stops when the check says done.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.bench import tutor_api
from tests.bench.bed import Bed
from tests.bench.lab import lab
from tests.bench.report import Row, median
from tests.bench.settings import Settings

FIGURE = "unlock latency (watch mode)"
TARGET = "< 500 ms"
GUARD_SECONDS = 20.0


class WatchedStep:
    """watch_changes in a thread that re-runs the current step's check on every change."""

    def __init__(self, ctx: Any, engine: Any) -> None:
        self.ctx, self.engine = ctx, engine
        self.step: str | None = None
        self.done_at: float | None = None
        self.done = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="bench-watch")

    def _run(self) -> None:
        from tutor.core.checks import run_check
        from tutor.core.watcher import watch_changes

        for _change in watch_changes(self.engine, [self.ctx.credentials.path], self.stop):
            step = self.step
            if step is not None and run_check(step, self.ctx).status.value == "done":
                self.done_at = time.perf_counter()
                self.done.set()

    def expect(self, step: str | None) -> None:
        """Which step is on screen now (None: ignore changes)."""
        self.done.clear()
        self.done_at, self.step = None, step

    def latency_ms(self, action: Any) -> float:
        """Run the learner's action; ms from its end until the step was seen done."""
        action()
        ended = time.perf_counter()
        if not self.done.wait(GUARD_SECONDS) or self.done_at is None:
            raise RuntimeError(f"watch mode never saw the {self.step} step done")
        return (self.done_at - ended) * 1000


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """A fresh learner tags and pushes in their own terminal, several times; median per step."""
    from tutor.core.registry_api import RegistryClient

    setup = lab(bed)
    user, password = setup.registry.new_account()
    bed.docker("login", setup.registry.address, "-u", user, "--password-stdin", stdin=password + "\n")
    remote = f"{setup.registry.address}/{user}/{setup.image_name}"
    bed.created_tags.append(f"{remote}:latest")
    ctx = tutor_api.lab_context(bed, setup.registry.address, user, setup.image_name, time.time_ns())
    watched = WatchedStep(ctx, tutor_api.engine(bed))
    watched.thread.start()
    client = RegistryClient(setup.registry.url, user, password)
    tags, pushes = [], []
    try:
        time.sleep(0.5)  # the watcher's event stream is open
        for _ in range(settings.unlock_runs):
            watched.expect("tag")
            tags.append(watched.latency_ms(lambda: bed.docker("tag", setup.image, remote)))
            watched.expect("push")
            pushes.append(watched.latency_ms(lambda: bed.docker("push", remote)))
            watched.expect(None)
            client.delete_manifest(f"{user}/{setup.image_name}", client.manifest(
                f"{user}/{setup.image_name}", "latest")[0])
            bed.docker("rmi", remote)
            time.sleep(0.4)  # let the untag burst pass the watcher
    finally:
        watched.stop.set()
        watched.thread.join(5)
    rows = []
    for step, values in (("tag", tags), ("push", pushes)):
        value = median(values)
        note = "runs " + " ".join(f"{v:.0f}" for v in values) + " ms"
        rows.append(Row(f"{FIGURE}: {step}", value, "ms", TARGET, value < 500, note=note))
    return rows
