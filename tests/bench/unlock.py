"""Unlock latency in watch mode: the learner's own `docker tag` / `docker push` to the step done.

Measured in the real app (headless, watch mode on, a child process that runs the docker CLI as the
learner's terminal and polls the step's state every 2 ms); the baseline is the core alone in this
process: watch_changes plus the step's check, as the app's watch worker drives them. The clock
starts when the docker CLI process has exited and stops when the step is done.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.bench import tutor_api
from tests.bench.bed import Bed
from tests.bench.lab import LabSetup, lab
from tests.bench.report import Row, median, ratio
from tests.bench.settings import Settings
from tests.bench.spawn import run_json
from tests.bench.tutor_child import require_app

FIGURE = "watch mode: CLI -> step shown done"
TARGET = "< 60 ms"
LIMIT_MS = 60
GUARD_SECONDS = 20.0
STEPS = ("tag", "push")


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
        from tutor.core.engine.watcher import watch_changes
        from tutor.core.lab.checks import run_check

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


def new_learner(bed: Bed, setup: LabSetup) -> tuple[str, str, str]:
    """A fresh account, logged in with the real docker CLI; returns (user, password, remote)."""
    user, password = setup.registry.new_account()
    bed.docker("login", setup.registry.address, "-u", user, "--password-stdin", stdin=password + "\n")
    remote = f"{setup.registry.address}/{user}/{setup.image_name}"
    bed.created_tags.append(f"{remote}:latest")
    return user, password, remote


def core_latencies(bed: Bed, setup: LabSetup, runs: int) -> dict[str, list[float]]:
    """The core alone: tag and push several times, undoing both in between."""
    from tutor.core.registry.api import RegistryClient

    user, password, remote = new_learner(bed, setup)
    ctx = tutor_api.lab_context(bed, setup.registry.address, user, setup.image_name, time.time_ns())
    watched = WatchedStep(ctx, tutor_api.engine(bed))
    watched.thread.start()
    client, repository = RegistryClient(setup.registry.url, user, password), f"{user}/{setup.image_name}"
    found: dict[str, list[float]] = {step: [] for step in STEPS}
    try:
        time.sleep(0.5)  # the watcher's event stream is open
        for _ in range(runs):
            watched.expect("tag")
            found["tag"].append(watched.latency_ms(lambda: bed.docker("tag", setup.image, remote)))
            watched.expect("push")
            found["push"].append(watched.latency_ms(lambda: bed.docker("push", remote)))
            watched.expect(None)
            client.delete_manifest(repository, client.manifest(repository, "latest")[0])
            bed.docker("rmi", remote)
            time.sleep(0.4)  # let the untag burst pass the watcher
    finally:
        watched.stop.set()
        watched.thread.join(5)
    return found


def app_latencies(bed: Bed, setup: LabSetup, runs: int) -> dict[str, list[float]]:
    """The real app in watch mode, one fresh learner per run."""
    found: dict[str, list[float]] = {step: [] for step in STEPS}
    for _ in range(runs):
        user, _password, remote = new_learner(bed, setup)
        argv = [*setup.args()[:2], "--user", user, *setup.args()[4:]]
        answer = run_json("unlock", {"argv": argv, "image": setup.image_name, "remote": remote})
        for step in STEPS:
            found[step].append(float(answer[step]))
    return found


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """Median per step: the app (measured) against the core alone (baseline)."""
    require_app()
    setup = lab(bed)
    core = core_latencies(bed, setup, settings.unlock_runs)
    app = app_latencies(bed, setup, settings.unlock_runs)
    rows = []
    for step in STEPS:
        measured, baseline = median(app[step]), median(core[step])
        note = ("app runs " + " ".join(f"{v:.0f}" for v in app[step]) + " ms; core alone "
                + " ".join(f"{v:.0f}" for v in core[step]) + " ms")
        rows.append(Row(f"{FIGURE} (docker {step})", measured, "ms", TARGET, measured < LIMIT_MS, baseline,
                        ratio(measured, baseline), note))
    return rows
