"""The tutor's side of the bench's child processes: the real TutorApp, headless, measured.

The parent passes one JSON argument; each mode prints READY or one JSON line (child.emit).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the children import this module: no docker SDK or pytest loaded for them
    from tests.bench.bed import Bed
    from tutor.core.registry.server import ServerConfig

TICK_SECONDS = 0.01
SIZE = (100, 32)


def app_missing() -> str | None:
    """Why the tutor app cannot be benchmarked yet, or None when it can."""
    try:
        module = importlib.import_module("tutor.app")
    except ImportError as error:
        return f"tutor.app does not import ({error})"
    if not hasattr(module, "TutorApp"):
        return "tutor/app.py has no TutorApp yet"
    return None


def require_app() -> None:
    """Raise Pending when the tutor app cannot be benchmarked yet."""
    from tests.bench.tutor_api import Pending

    if missing := app_missing():
        raise Pending(missing)


def lab_args(bed: Bed) -> list[str]:
    """The tutor's command line for the bench's lab."""
    from tests.bench.lab import lab

    return lab(bed).args()


def make_app(argv: list[str]) -> Any:
    """The real TutorApp configured from a command line, as `registry-tutor ARGV` builds it."""
    from tutor.__main__ import parse_command_line
    from tutor.app import TutorApp, options_from_args

    return TutorApp(options_from_args(parse_command_line(argv)))


def step_drawn(app: Any) -> bool:
    """True when a step screen is on top and its lesson Markdown has rendered blocks."""
    from textual.widgets import Markdown

    from tutor.screens.step_screen import StepScreen

    screen = app.screen
    if not isinstance(screen, StepScreen) or not screen.is_mounted:
        return False
    lesson = screen.query(Markdown)
    return bool(lesson) and bool(lesson.first().children)


async def startup(argv: list[str]) -> None:
    """Start the tutor headless; READY at the first frame with the step's lesson, IDLE once the
    process is quiet (connected, every step re-checked)."""
    from tests.bench.child import report_start

    app = make_app(argv)
    async with app.run_test(size=SIZE) as pilot:
        await report_start(app, pilot, lambda: step_drawn(app))


class LoopGaps:
    """A timer on the app's event loop recording the longest gap between ticks, and the longest
    single callback in main-thread CPU time (what the app itself did, whatever the machine's load)."""

    def __init__(self, app: Any) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.longest_cpu = 0.0
        self.timer = app.set_interval(TICK_SECONDS, self.tick)
        self._watch_callbacks()

    def _watch_callbacks(self) -> None:
        original = asyncio.events.Handle._run
        gaps = self

        def timed_run(handle: asyncio.events.Handle) -> None:
            started = time.thread_time()
            original(handle)
            gaps.longest_cpu = max(gaps.longest_cpu, time.thread_time() - started)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign,assignment]

    def tick(self) -> None:
        """Note the gap since the previous tick."""
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def restart(self) -> None:
        """Forget what was measured so far."""
        self.last, self.longest, self.longest_cpu = time.perf_counter(), 0.0, 0.0

    @property
    def stall_ms(self) -> float:
        """The longest stall: the longest gap beyond the tick interval, in ms."""
        return max(0.0, self.longest - TICK_SECONDS) * 1000

    @property
    def cpu_ms(self) -> float:
        """The longest single callback's main-thread CPU time, in ms."""
        return self.longest_cpu * 1000


async def until(condition: Any, seconds: float, poll: float = 0.02) -> None:
    """Wait with plain sleeps (a Pilot pause would force extra screen updates into the measure)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not get there within {seconds:.0f} s")
        await asyncio.sleep(poll)


def output_of(app: Any) -> str:
    """What the step screen's output log shows (its unwrapped text where it keeps one)."""
    log = app.screen.query_one("#output")
    return str(getattr(log, "text", None) or "\n".join(log.lines))


PROFILE_VARIABLE = "TUTOR_BENCH_PROFILE"
"""A folder: each app push then writes a cProfile of its window there (main thread only; the
figures of that run are inflated by the profiler and say nothing)."""


def _profiler() -> Any:
    if not os.environ.get(PROFILE_VARIABLE):
        return None
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    return profile


async def push_in_app(spec: dict[str, Any]) -> dict[str, Any]:
    """`docker push` typed into the headless app: its duration and the loop's longest stall.

    With a baseline_reference, the loop is first watched while the app idles and the docker CLI
    pushes that reference (the same load on the machine, none of it the app's). With probe false the
    loop is not watched at all (the push figures: the probe's 10 ms timer and its wrapper around
    every loop callback would count as the app's CPU); the stall figures are then 0.
    """
    from tests.app_helpers import settle, wait_until
    from tests.bench.unlock_child import learner_runs
    from tutor.screens.finish_screen import FinishScreen
    from tutor.widgets.push_progress import PushProgress

    app = make_app(spec["argv"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: step_drawn(app) or isinstance(app.screen, FinishScreen), 60)
        if isinstance(app.screen, FinishScreen):  # the shared lab is finished already: back to its steps
            await pilot.press("escape")
            await wait_until(pilot, lambda: step_drawn(app), 60)
        await settle(pilot)
        gaps = LoopGaps(app) if spec.get("probe", True) else None
        if spec.get("baseline_reference"):
            await learner_runs("push", spec["baseline_reference"])
        idle, idle_cpu = (gaps.stall_ms, gaps.cpu_ms) if gaps is not None else (0.0, 0.0)
        # The command is typed before the clock starts, as a learner types it before Enter (its
        # completion asks the engine for image names, which is typing's cost, not the push's).
        box = app.screen.query_one("#command")
        box.value = f"docker push {spec['reference']}"
        await settle(pilot)
        if gaps is not None:
            gaps.restart()
        # The end is the moment the screen says the command ended (its watcher), not the next look
        # of a polling loop, which came up to 20 ms later.
        ended: list[tuple[float, float]] = []
        screen = app.screen
        screen.watch(screen, "running", lambda running: running or ended.append(
            (time.perf_counter(), time.process_time())), init=False)
        profile = _profiler()
        started, cpu_started = time.perf_counter(), time.process_time()
        await box.action_submit()  # Enter's own action: no Pilot key press forcing a screen update
        await until(lambda: bool(ended), 300)
        if profile is not None:
            profile.disable()
            profile.dump_stats(Path(os.environ[PROFILE_VARIABLE]) / f"app-push-{os.getpid()}.prof")
        pushing, cpu = (gaps.stall_ms, gaps.cpu_ms) if gaps is not None else (0.0, 0.0)
        elapsed = ended[0][0] - started
        process_cpu = (ended[0][1] - cpu_started) * 1000
        layers = app.screen.query_one(PushProgress).layer_count
        output = output_of(app)
    return {"stall_ms": pushing, "idle_stall_ms": idle, "cpu_ms": cpu, "idle_cpu_ms": idle_cpu,
            "push_s": elapsed, "push_cpu_ms": process_cpu, "layers": layers,
            "pushed": "digest:" in output or "Pushed" in output, "output_tail": output[-300:]}


def run_mode(mode: str, args: list[str]) -> int:
    """Child modes that need the tutor app (smoothness, memory)."""
    from tests.bench.child import emit, peak_rss_mb

    spec = json.loads(args[0]) if args else {}
    if mode == "app-push":
        emit(asyncio.run(push_in_app(spec)))
        return 0
    if mode == "unlock":
        from tests.bench.unlock_child import unlock_latencies

        emit(asyncio.run(unlock_latencies(spec)))
        return 0
    if mode == "lab-memory":
        from tests.bench.lab_run import whole_lab

        result = asyncio.run(whole_lab(spec, make_lab_app(spec)))
        emit({**result, "peak_rss_mb": peak_rss_mb()})
        return 0
    raise SystemExit(f"unknown bench child mode: {mode}")


@dataclass
class HtpasswdAccounts:
    """The bench registry's account file, as the practice stand-in of tests.app_helpers needs it."""

    config: ServerConfig

    def add_user(self, name: str, password: str) -> None:
        """Create an account; the registry reloads its htpasswd file by itself."""
        from tutor.core.registry import server as registry_server
        users = registry_server.read_htpasswd(self.config.htpasswd)
        users[name] = registry_server.hash_password(password)
        registry_server.write_htpasswd(self.config.htpasswd, users)


def make_lab_app(spec: dict[str, Any]) -> Any:
    """The tutor on the bench's registry as a practice registry (the account form works for real)."""
    from tests.app_helpers import FixturePractice
    from tutor.app import TutorApp
    from tutor.core.lab.progress import ProgressStore
    from tutor.core.lab.session import LabOptions
    from tutor.core.registry.server import ServerConfig

    config = ServerConfig(data_dir=Path(spec["data_dir"]), port=spec["port"])
    options = LabOptions(registry=config.address, user=spec["user"], image=spec["image"],
                         engine="docker", lang="en")
    return TutorApp(options, practice=FixturePractice(HtpasswdAccounts(config)),  # type: ignore[arg-type]
                    store=ProgressStore(Path(spec["progress"])))
