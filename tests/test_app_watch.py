"""Watch mode: the learner works in their own terminal (the real docker CLI); the tutor unlocks by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_helpers import make_app, settle, wait_until
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core.lab.session import StepState
from tutor.screens.finish_screen import FinishScreen
from tutor.screens.registry_screen import RegistryScreen
from tutor.screens.step_screen import StepScreen

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


async def test_steps_done_with_the_real_docker_cli_unlock_by_themselves(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        docker_cli, engine) -> None:  # type: ignore[no-untyped-def]
    """Login, tag, push and pull typed in another terminal: each step turns done without a key press."""
    user, password = account
    remote = f"{registry.address}/{user}/python-hello-world"
    app = make_app(registry, user, tmp_path, watch=True)
    try:
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
    finally:
        if engine.images.list(remote):
            engine.images.remove(f"{remote}:latest", noprune=True)
