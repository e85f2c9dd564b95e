"""Helpers for the tutor's Pilot tests: wait for the app's own work, type commands, read the screen."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled, WorkerState

from tutor.core.registry import server as registry_server

if TYPE_CHECKING:  # the benchmark's child processes use these helpers without pytest loaded
    from pathlib import Path

    from tests.conftest import RegistryUnderTest
    from tutor.app import TutorApp
    from tutor.core.lab.progress import ProgressStore

ACTIVE = (WorkerState.PENDING, WorkerState.RUNNING)


class FixturePractice:
    """The test registry seen as the tutor's practice registry (its real htpasswd, no stand-in)."""

    def __init__(self, registry: RegistryUnderTest) -> None:
        self.registry = registry

    def has_user(self, name: str) -> bool:
        """True when the registry's htpasswd holds the account."""
        return name in registry_server.read_htpasswd(self.registry.config.htpasswd)

    def add_user(self, name: str, password: str) -> None:
        """Create the account for real; the registry reloads htpasswd by itself."""
        self.registry.add_user(name, password)


def make_app(registry: RegistryUnderTest, user: str | None, tmp_path: Path, *, watch: bool = False,
             store: ProgressStore | None = None, **options: Any) -> TutorApp:
    """The tutor aimed at the test registry as its practice registry, with its own progress file.

    Options default to the Docker engine in English; watch mode is off unless a test is about it.
    """
    from tutor.app import TutorApp
    from tutor.core.lab.progress import ProgressStore
    from tutor.core.lab.session import LabOptions

    settings: dict[str, Any] = {"registry": registry.address, "user": user, "engine": "docker", "lang": "en"}
    settings.update(options)
    return TutorApp(LabOptions(**settings), watch=watch, practice=FixturePractice(registry),
                    store=store or ProgressStore(tmp_path / "progress.json"))


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker except watch mode's has finished and its messages were handled."""
    for _round in range(200):
        await pilot.pause()
        busy = [w for w in pilot.app.workers if w.group != "watch" and w.state in ACTIVE]
        if not busy:
            if getattr(pilot.app, "resuming", False):
                continue  # the step is drawn from the progress file; connecting and re-checking come next
            if not _output_drawn(pilot):
                await pilot.pause(0.05)  # busy, the output log draws at its pace (widgets/pacing.py)
                continue
            await pilot.pause()
            if not [w for w in pilot.app.workers if w.group != "watch" and w.state in ACTIVE]:
                return
            continue
        # A worker cancelled meanwhile (its screen was left, or a newer one replaced it) is settled too.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete(busy)
    raise AssertionError("the app never settled")


def _output_drawn(pilot: Pilot[Any]) -> bool:
    """True when every line written to the screen's output logs is on screen."""
    from tutor.widgets.output_log import OutputLog

    return all(log.drawn for log in pilot.app.screen.query(OutputLog))


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Let the app run until CONDITION holds (a bounded wait on real state, not a fixed sleep)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {seconds}s")
        await pilot.pause(0.05)


async def type_command(pilot: Pilot[Any], line: str) -> None:
    """Type a line into the command box and press Enter, as the learner does."""
    box = pilot.app.screen.query_one("#command")
    box.focus()
    box.value = line  # type: ignore[attr-defined]
    await pilot.press("enter")


def text_of(pilot: Pilot[Any], selector: str) -> str:
    """The plain text a Static shows."""
    widget = pilot.app.screen.query_one(selector, Static)
    return str(widget.render())


def output_text(pilot: Pilot[Any]) -> str:
    """Everything the output log shows."""
    log = pilot.app.screen.query_one("#output")
    return str(log.text)  # type: ignore[attr-defined]


def done_in_terminal(docker_cli, registry: RegistryUnderTest, account: tuple[str, str],  # type: ignore[no-untyped-def]
                     image: str, tmp_path: Path, until: str) -> tuple[str, TutorApp]:
    """Do the steps before UNTIL with the real docker CLI; an app whose progress says they are done."""
    user, password = account
    steps = ("image", "account", "login", "tag", "push", "verify", "pull")
    done = steps[:steps.index(until)]
    remote = f"{registry.address}/{user}/{image.split(':')[0]}"
    commands = [("login", registry.address, "-u", user, "--password-stdin"),
                ("tag", image, f"{remote}:latest")]
    commands += [("push", f"{remote}:latest")] if "push" in done else []
    for command in commands:
        result = docker_cli(*command, stdin=password if command[0] == "login" else None)
        assert result.returncode == 0, result.stderr
    return remote, prepared_lab(registry, user, image, tmp_path, done)


def prepared_lab(registry: RegistryUnderTest, user: str, image: str, tmp_path: Path,
                 done: tuple[str, ...]) -> TutorApp:
    """An app whose progress file says DONE steps are finished (the test made them true for real)."""
    from tutor.app import TutorApp
    from tutor.core.lab.session import LabOptions

    options = LabOptions(registry=registry.address, user=user, engine="docker", lang="en", image=image)
    return TutorApp(options, watch=False, practice=FixturePractice(registry),
                    store=saved_done(registry, user, tmp_path, done))


def saved_done(registry: RegistryUnderTest, user: str, tmp_path: Path,
               steps: tuple[str, ...]) -> ProgressStore:
    """A progress file that calls STEPS done."""
    from tutor.core.lab.progress import ProgressKey, ProgressStore
    from tutor.core.lab.session import LESSON_ID

    store = ProgressStore(tmp_path / "progress.json")
    progress = store.load(ProgressKey(registry.address, user, LESSON_ID))
    for step in steps:
        progress.mark_done(step)
    store.save(progress)
    return store
