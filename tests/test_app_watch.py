"""Watch mode: the learner works in their own terminal (the real docker CLI); the tutor unlocks by itself."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from textual.widgets import Static

from tests.app_helpers import make_app, settle, text_of, type_command, wait_until
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core.lab.session import StepState
from tutor.screens.finish_screen import FinishScreen
from tutor.screens.registry_screen import RegistryScreen
from tutor.screens.step_screen import StepScreen
from tutor.widgets.step_list import StepList

pytestmark = [pytest.mark.engine, pytest.mark.registry]


def done(app: TutorApp, step: str) -> bool:
    """True when the tutor marked STEP done."""
    assert app.lab is not None
    return app.lab.state(app.lab.index_of(step)) is StepState.DONE


async def advance(pilot, expected: str) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+N to the next step, which must be EXPECTED."""
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, StepScreen) and pilot.app.screen.step.id == expected


@dataclass
class WatchLab:
    """A watching tutor for a fresh account, and the remote name its image is pushed under."""

    app: TutorApp
    user: str
    password: str
    remote: str


@pytest.fixture
def watch_lab(registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
              engine: docker.DockerClient) -> Iterator[WatchLab]:
    """The tutor in watch mode on a fresh account; the pushed or pulled image is removed afterwards."""
    user, password = account
    remote = f"{registry.address}/{user}/python-hello-world"
    yield WatchLab(make_app(registry, user, tmp_path, watch=True), user, password, remote)
    if engine.images.list(remote):
        engine.images.remove(f"{remote}:latest", noprune=True)


async def test_steps_done_with_the_real_docker_cli_unlock_by_themselves(
        watch_lab: WatchLab, registry: RegistryUnderTest, docker_cli) -> None:  # type: ignore[no-untyped-def]
    """Login, tag, push and pull typed in another terminal: each step turns done without a key press."""
    app, user, password, remote = watch_lab.app, watch_lab.user, watch_lab.password, watch_lab.remote
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await advance(pilot, "account")
        await advance(pilot, "login")
        assert not done(app, "login")
        result = docker_cli("login", registry.address, "-u", user, "--password-stdin", stdin=password)
        assert result.returncode == 0, result.stderr
        await wait_until(pilot, lambda: done(app, "login"))

        await advance(pilot, "tag")
        assert docker_cli("tag", "python-hello-world", remote).returncode == 0
        await wait_until(pilot, lambda: done(app, "tag"))

        await advance(pilot, "push")
        assert docker_cli("push", remote).returncode == 0
        await wait_until(pilot, lambda: done(app, "push"))

        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: done(app, "verify"))
        await settle(pilot)
        assert isinstance(app.screen, RegistryScreen)  # the first pass of verify shows the registry view
        await pilot.press("escape")
        await advance(pilot, "pull")
        assert not done(app, "pull")
        assert docker_cli("rmi", remote).returncode == 0
        assert docker_cli("pull", remote).returncode == 0
        await wait_until(pilot, lambda: done(app, "pull"))
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, FinishScreen)


def signs(app: TutorApp) -> list[str]:
    """The sign in front of each step in the side list, as the learner sees it."""
    options = app.screen.query_one(StepList)
    prompts = [str(options.get_option_at_index(index).prompt) for index in range(options.option_count)]
    return [prompt.split()[0] for prompt in prompts]


async def test_work_ahead_in_the_own_terminal_is_marked_done_ahead_and_enter_jumps_over_it(
        watch_lab: WatchLab, registry: RegistryUnderTest, docker_cli) -> None:  # type: ignore[no-untyped-def]
    """On step 2 the learner logs in, tags and pushes elsewhere: those show », the pull is not done."""
    app, user, password, remote = watch_lab.app, watch_lab.user, watch_lab.password, watch_lab.remote
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await advance(pilot, "account")
        assert docker_cli("login", registry.address, "-u", user, "--password-stdin",
                          stdin=password).returncode == 0
        assert docker_cli("tag", "python-hello-world", remote).returncode == 0
        assert docker_cli("push", remote).returncode == 0
        ahead = ["login", "tag", "push", "verify"]
        await wait_until(pilot, lambda: all(state(app, step) is StepState.AHEAD for step in ahead))
        await settle(pilot)
        # The pull's check does not pass: never marked done, it is simply the step to do now.
        assert state(app, "pull") is StepState.CURRENT and not app.lab.progress.state("pull")  # type: ignore[union-attr]
        assert signs(app) == ["✓", "✓", "»", "»", "»", "»", "▶"]
        assert "» done ahead" in str(app.screen.query_one("#legend", Static).render())
        verdict = text_of(pilot, "#verdict")  # the done step says where Enter goes now
        assert "Done ahead: 3. Log in" in verdict, verdict
        assert "Enter jumps to 7. Pull it back" in verdict, verdict

        await pilot.press("ctrl+n")  # a step done ahead is one key away, and reads as done once seen
        await settle(pilot)
        assert app.screen.step.id == "login" and state(app, "login") is StepState.DONE  # type: ignore[attr-defined]
        await type_command(pilot, "")  # Enter: straight to the first step not done
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "pull"
        assert signs(app)[3:6] == ["»", "»", "»"]
        assert not any(app.screen.query_one(StepList).get_option_at_index(i).disabled for i in range(7))


def state(app: TutorApp, step: str) -> StepState:
    """A step's state as the tutor shows it."""
    assert app.lab is not None
    return app.lab.state(app.lab.index_of(step))
