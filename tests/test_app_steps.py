"""The steps' own offers and the command box: practice registry, account form, build fallback, history."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events
from textual.widgets import OptionList

from tests.app_helpers import (
    done_in_terminal,
    make_app,
    output_text,
    settle,
    text_of,
    type_command,
    wait_until,
)
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LabOptions, StepState
from tutor.core.registry.practice import PracticeRegistry
from tutor.screens.account_modal import AccountModal
from tutor.screens.help_screen import HelpScreen
from tutor.screens.image_picker_modal import ImagePickerModal
from tutor.screens.password_modal import PasswordModal
from tutor.screens.step_screen import StepScreen
from tutor.widgets.command_box import CommandBox
from tutor.widgets.push_progress import PushProgress
from tutor.widgets.step_list import StepList

pytestmark = [pytest.mark.engine, pytest.mark.registry]


@pytest.fixture
def practice(isolated_home: Path) -> Iterator[PracticeRegistry]:
    """The tutor's own practice registry in the test's data dir, stopped afterwards."""
    registry = PracticeRegistry()
    yield registry
    registry.stop()


async def test_practice_registry_is_started_and_the_form_creates_the_account(
        practice: PracticeRegistry, hello_image: str, tmp_path: Path) -> None:
    """`--registry practice`: the tutor starts its registry; the account form creates a real account."""
    user, password = "learner" + secrets.token_hex(4), "pw-" + secrets.token_hex(8)
    app = TutorApp(LabOptions(registry="practice", user=user, engine="docker", lang="en"), watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.lab is not None and app.lab.target.practice
        assert practice.status().running and app.lab.target.registry == practice.status().address
        await type_command(pilot, "")
        await settle(pilot)
        assert "F7" in text_of(pilot, "#verdict")  # "not done" points at the key, not only the CLI
        await pilot.press("f7")  # the step's main offer from the keyboard
        await settle(pilot)
        assert isinstance(app.screen, AccountModal)
        await pilot.press(*"short", "enter", *"other", "enter")
        assert "at least" in text_of(pilot, "#account-problem")
        app.screen.query_one("#account-password").value = password  # type: ignore[attr-defined]
        app.screen.query_one("#account-repeat").value = password  # type: ignore[attr-defined]
        await pilot.click("#account-ok")
        await settle(pilot)
        assert practice.has_user(user) and practice.check_password(user, password)
        assert "✓ Done" in text_of(pilot, "#verdict")
        assert app.screen.query_one("#command").has_focus  # focus is back in the command box
        assert not app.screen.active_bindings.get("f7")  # the offer is gone once the step is done


async def test_missing_image_offers_a_build_then_any_local_image(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """No network for the app's base image: the build fails with advice, and a picked local image works."""
    user, _password = account
    missing = "tutor-missing-" + secrets.token_hex(4)
    app = make_app(registry, user, tmp_path, image=missing)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert "Not done yet" in text_of(pilot, "#verdict")
        await pilot.click("#build-app")
        await settle(pilot)
        assert "needs the internet" in output_text(pilot)
        assert "Not done yet" in text_of(pilot, "#verdict")
        await pilot.click("#pick-image")
        await wait_until(pilot, lambda: isinstance(app.screen, ImagePickerModal))
        picker = app.screen.query_one(OptionList)
        names = app.screen.names  # type: ignore[attr-defined]
        picker.highlighted = names.index("python-hello-world:latest")
        await pilot.press("enter")
        await settle(pilot)
        assert app.lab is not None and app.lab.target.image == "python-hello-world:latest"
        assert "✓ Done" in text_of(pilot, "#verdict")


async def test_command_box_history_and_completion(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Up brings back earlier commands; Tab completes a command and a local image name."""
    user, _password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await type_command(pilot, "echo first")
        await settle(pilot)
        await type_command(pilot, "echo second")
        await settle(pilot)
        box = app.screen.query_one(CommandBox)
        await pilot.press("up")
        assert box.value == "echo second"
        await pilot.press("up")
        assert box.value == "echo first"
        await pilot.press("down", "down")
        assert box.value == ""
        await pilot.press(*"docker ta")
        await wait_until(pilot, lambda: box._suggestion != "")
        await pilot.press("tab")
        assert box.value == "docker tag"
        await pilot.press(*" python-hello-w")
        await wait_until(pilot, lambda: box._suggestion != "")
        await pilot.press("tab")
        assert box.value.startswith("docker tag python-hello-world")
        assert isinstance(app.screen, StepScreen)


async def test_keys_typed_while_the_next_step_opens_land_in_its_command_box(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Enter on a done step, then typing at once: keys that come before the new box has focus are kept."""
    user, _password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "image"
        show_step = app.show_step

        def typed_at_once(index: int) -> None:  # a fast typist: the keys come right behind the switch
            show_step(index)
            for key in "docker":
                app.post_message(events.Key(key, key))

        app.show_step = typed_at_once  # type: ignore[method-assign]
        await type_command(pilot, "")  # the image and the practice account are done: on to the login
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "login"
        assert app.screen.query_one(CommandBox).value == "docker"
        app.screen.query_one(StepList).focus()  # typing with the step list focused goes to the box too
        await pilot.press("x")
        assert app.screen.query_one(CommandBox).value == "dockerx"
        app.screen.query_one(StepList).focus()
        await pilot.press("question_mark")  # a key bound to an action keeps its action: help
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_a_half_typed_command_moves_with_the_learner_to_the_next_step(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Ctrl+N with "docker lo" in the box: the next step's box holds "docker lo", the cursor at its end."""
    user, _password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await pilot.press(*"docker lo", "ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "account"
        box = app.screen.query_one(CommandBox)
        assert (box.value, box.cursor_position) == ("docker lo", len("docker lo"))


async def test_unconfirmable_account_is_skipped_then_proven_by_the_login(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """On a registry the tutor does not manage, the account step says it cannot tell; skipping it with
    the warning works, and the login that follows marks it done after all."""
    user, password = account
    options = LabOptions(registry=registry.address, user=user, engine="docker", lang="en")
    app = TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await type_command(pilot, "")
        await settle(pilot)
        assert "Cannot tell yet" in text_of(pilot, "#verdict")
        await pilot.press("f6")
        await settle(pilot)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert app.lab is not None
        assert app.lab.state(app.lab.index_of("account")) is StepState.SKIPPED
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "login"
        await type_command(pilot, f"docker login {registry.address} -u {user}")
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press(*password, "enter")
        await settle(pilot)
        assert app.lab.state(app.lab.index_of("login")) is StepState.DONE
        assert app.lab.state(app.lab.index_of("account")) is StepState.DONE


async def test_push_of_a_layered_image_shows_every_layer_and_a_full_total(
        registry: RegistryUnderTest, account: tuple[str, str], layered_image: str, tmp_path: Path,
        docker_cli, engine) -> None:  # type: ignore[no-untyped-def]
    """Seven layers pushed: seven rows, each complete, and the total bar at 100%."""
    remote, app = done_in_terminal(docker_cli, registry, account, layered_image, tmp_path, "push")
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            assert app.screen.step.id == "push"  # type: ignore[attr-defined]
            await type_command(pilot, f"docker push {remote}")
            await settle(pilot)
            progress = app.screen.query_one(PushProgress)
            assert progress.layer_count == 7, output_text(pilot)
            assert progress.total_fraction == 1.0
            assert "✓ Done" in text_of(pilot, "#verdict")
    finally:
        engine.images.remove(f"{remote}:latest", noprune=True)


async def test_after_the_push_enter_opens_verify_although_its_check_passes_already(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        docker_cli, engine) -> None:  # type: ignore[no-untyped-def]
    """Verify's check passes because of the push (check_after): marked done ahead by the re-check
    of later steps, it is still where Enter goes next, and its registry view opens by itself.
    (Steps done ahead in the learner's own terminal are jumped over: tests/test_app_watch.py.)"""
    from tutor.core.lab.check_table import run_check
    from tutor.screens.messages import StepsDoneAhead
    from tutor.screens.registry_screen import RegistryScreen

    remote, app = done_in_terminal(docker_cli, registry, account, hello_image, tmp_path, "push")
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await type_command(pilot, f"docker push {remote}")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, StepScreen) and screen.step.id == "push"
            verify = run_check("verify", app.lab.context())  # type: ignore[union-attr]
            screen.post_message(StepsDoneAhead([verify]))  # what watch mode's re-check of later steps posts
            await settle(pilot)
            assert app.lab.state(5) is StepState.AHEAD  # type: ignore[union-attr]
            assert "Enter jumps" not in text_of(pilot, "#verdict")
            await type_command(pilot, "")
            await settle(pilot)
            assert isinstance(app.screen, RegistryScreen)  # verify's view, opened by itself
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, StepScreen) and app.screen.step.id == "verify"
    finally:
        engine.images.remove(f"{remote}:latest", noprune=True)


async def test_pull_offer_removes_and_pulls_back(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        docker_cli, engine) -> None:  # type: ignore[no-untyped-def]
    """The pull step's button runs `docker rmi` and `docker pull` as typed commands; the step is done."""
    remote, app = done_in_terminal(docker_cli, registry, account, "python-hello-world", tmp_path, "pull")
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            assert app.screen.step.id == "pull"  # type: ignore[attr-defined]
            await pilot.click("#run-pull")
            await settle(pilot)
            shown = output_text(pilot)
            assert f"$ docker rmi {remote}:latest" in shown and f"$ docker pull {remote}:latest" in shown
            assert "✓ Done" in text_of(pilot, "#verdict"), shown
            assert not app.screen.query_one("#run-pull").display
    finally:
        if engine.images.list(remote):
            engine.images.remove(f"{remote}:latest", noprune=True)


def recording_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make $BROWSER a script that writes down each URL it is asked to open; returns that file."""
    import webbrowser

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER", f"{browser} %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read BROWSER again, as a fresh process would
    return opened


def hub_app(tmp_path: Path) -> TutorApp:
    """The tutor aimed at Docker Hub as alice (offline here: Docker Hub cannot be reached)."""
    options = LabOptions(registry="docker.io", user="alice", engine="docker", lang="en")
    return TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))


async def test_hub_account_step_opens_the_sign_up_page_in_the_browser(
        hello_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Docker Hub the account step offers the sign-up page and opens it with the learner's browser."""
    opened = recording_browser(tmp_path, monkeypatch)
    app = hub_app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await type_command(pilot, "")
        await settle(pilot)
        assert app.screen.step.id == "account"  # type: ignore[attr-defined]
        await pilot.click("#sign-up")
        await settle(pilot)
    assert opened.read_text().split() == ["https://hub.docker.com/signup"]


async def test_registry_view_opens_docker_hubs_page_and_says_when_it_cannot_read(
        hello_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, the registry view says Docker Hub cannot be reached; `o` opens the repository's page."""
    from tutor.screens.registry_screen import RegistryScreen

    opened = recording_browser(tmp_path, monkeypatch)
    app = hub_app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert app.lab is not None
        app.push_screen(RegistryScreen(app.lab))
        await settle(pilot)
        assert text_of(pilot, "#registry-view").startswith("✗ ")
        await pilot.press("o")
        await settle(pilot)
    assert opened.read_text().split() == ["https://hub.docker.com/repository/docker/alice/python-hello-world"]
