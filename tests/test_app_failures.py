"""Failure paths on screen: wrong password, push before tag, registry down, engine down."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest
from textual.widgets import Input, Markdown

from tests.app_helpers import (
    make_app,
    output_text,
    settle,
    text_of,
    type_command,
    wait_until,
)
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core.engine.credentials import CredentialStore
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LabOptions
from tutor.screens.no_engine_screen import NoEngineScreen
from tutor.screens.password_modal import PasswordModal
from tutor.screens.step_screen import StepScreen

pytestmark = [pytest.mark.engine, pytest.mark.registry]


async def advance_to(pilot, step: str) -> None:  # type: ignore[no-untyped-def]
    """Press Enter on the empty command box through the done steps until STEP is on screen."""
    for _round in range(7):
        if pilot.app.screen.step.id == step:
            return
        await type_command(pilot, "")
        await settle(pilot)
    raise AssertionError(f"never reached the step {step}")


async def log_in(pilot, registry: RegistryUnderTest, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Go to the login step, type the login command and answer the masked prompt."""
    await settle(pilot)
    await advance_to(pilot, "login")
    await type_command(pilot, f"docker login {registry.address} -u {user}")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PasswordModal))
    await pilot.press(*password, "enter")
    await settle(pilot)


async def test_wrong_password_is_explained_and_nothing_is_stored(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """A wrong password shows the registry's refusal and its explanation; no login is written."""
    user, _password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await log_in(pilot, registry, user, "not-the-password")
        shown = output_text(pilot)
        assert "✗" in shown and "did not accept that user name and password" in shown
        assert "not-the-password" not in shown
        assert "did not accept" in text_of(pilot, "#verdict")
    assert CredentialStore("docker").get(registry.address) is None


async def test_push_before_tag_says_to_tag_first(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Pushing the remote name before tagging fails with the engine's words and the way back to `tag`."""
    user, password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await log_in(pilot, registry, user, password)
        await advance_to(pilot, "tag")
        await type_command(pilot, f"docker push {registry.address}/{user}/python-hello-world")
        await settle(pilot)
        shown = output_text(pilot)
        assert "does not exist locally" in shown, shown
        verdict = text_of(pilot, "#verdict")
        assert "There is no local image with that name yet." in verdict
        assert f"docker tag python-hello-world {registry.address}/{user}/python-hello-world" in verdict
        assert "Not done yet" in verdict


async def test_registry_down_is_explained(private_registry: RegistryUnderTest, hello_image: str,
                                          tmp_path: Path) -> None:
    """With the registry stopped, a login says nothing answers there instead of crashing."""
    user, password = private_registry.new_account()
    app = make_app(private_registry, user, tmp_path)
    private_registry.stop()
    async with app.run_test(size=(100, 32)) as pilot:
        await log_in(pilot, private_registry, user, password)
        shown = output_text(pilot)
        assert "Nothing answers at" in shown, shown
        assert "Traceback" not in shown


async def test_engine_down_shows_how_to_start_one_and_rechecks(tmp_path: Path) -> None:
    """A dead engine socket leads to the missing-engine screen, which checks again on `r`."""
    dead = tmp_path / "dead.sock"
    options = LabOptions(registry="localhost:5999", user="alice", engine="docker",
                         engine_url=f"unix://{dead}", lang="en")
    app = TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, NoEngineScreen)
        assert str(dead) in text_of(pilot, "#no-engine-message")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, NoEngineScreen)
        assert any("Still no engine" in str(n.message) for n in app._notifications)


async def test_the_step_is_drawn_before_the_engine_answers_and_waits_for_it(tmp_path: Path) -> None:
    """An engine that takes its time (a socket that never answers) does not keep the step from being
    drawn: it shows from the lesson and the progress file, its engine keys are off, Enter keeps the
    line and says why; once the engine is found missing, that screen takes over."""
    slow = tmp_path / "slow.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(slow))
    listener.listen(8)  # never accepted: the tutor's /version request hangs until the socket closes
    options = LabOptions(registry="localhost:5999", user="alice", engine="docker",
                         engine_url=f"unix://{slow}", lang="en")
    app = TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, StepScreen))
            screen = app.screen
            assert isinstance(screen, StepScreen) and not screen.lab.connected
            assert screen.step.id == "image" and "docker" in screen.query_one("#lesson-text", Markdown).source
            assert screen.check_action("check", ()) is False and screen.check_action("registry", ()) is False
            await type_command(pilot, "docker images")
            assert screen.query_one("#command", Input).value == "docker images"
            assert any("still connecting" in str(n.message) for n in app._notifications)
            assert not screen.running and app.resuming
            listener.close()
            await wait_until(pilot, lambda: isinstance(app.screen, NoEngineScreen), 30)
            await settle(pilot)
            assert app.lab is None and not app.resuming
    finally:
        listener.close()


async def test_unused_account_name_is_refused_by_the_account_check(
        registry: RegistryUnderTest, hello_image: str, tmp_path: Path) -> None:
    """The account step is not done for a name the registry does not know."""
    app = make_app(registry, "nobody" + secrets.token_hex(4), tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await type_command(pilot, "")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "account"
        assert "Not done yet" in text_of(pilot, "#verdict")


async def test_a_password_on_the_command_line_is_never_echoed_or_kept(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """`docker login -p SECRET` is refused with advice; SECRET is neither shown nor kept in history."""
    user, password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await type_command(pilot, f"docker login {registry.address} -u {user} -p {password}")
        await settle(pilot)
        shown = output_text(pilot)
        assert password not in shown and "-p ••••••" in shown
        assert "✗" in shown
        assert all(password not in line for line in app.lab.history)  # type: ignore[union-attr]
    assert CredentialStore("docker").get(registry.address) is None
