"""The whole lab through the real app: typed into the command box, against the real daemon and registry."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_helpers import (
    FixturePractice,
    make_app,
    output_text,
    settle,
    text_of,
    type_command,
    wait_until,
)
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core.i18n import set_language
from tutor.core.lab.progress import ProgressKey, ProgressStore
from tutor.core.lab.session import LESSON_ID, StepState
from tutor.screens.account_modal import AccountModal
from tutor.screens.finish_screen import FinishScreen, summary_markdown
from tutor.screens.password_modal import PasswordModal
from tutor.screens.registry_screen import RegistryScreen
from tutor.screens.step_screen import StepScreen
from tutor.widgets.push_progress import PushProgress

pytestmark = [pytest.mark.engine, pytest.mark.registry]


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """The language is process-wide: every test here ends in English again."""
    yield
    set_language("en")


def verdict_sign(pilot) -> str:  # type: ignore[no-untyped-def]
    """✓ done, ✗ not done, ? cannot tell: the verdict's first sign."""
    return text_of(pilot, "#verdict").lstrip()[:1]


def step_id(app: TutorApp) -> str:
    """The id of the step on screen."""
    assert isinstance(app.screen, StepScreen), type(app.screen).__name__
    return app.screen.step.id


async def next_step(pilot, expected: str) -> None:  # type: ignore[no-untyped-def]
    """Enter on the empty command box moves on once the step is done."""
    await type_command(pilot, "")
    await settle(pilot)
    assert step_id(pilot.app) == expected


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_whole_lab_typed_in_the_command_box(
        registry: RegistryUnderTest, hello_image: str, tmp_path: Path, engine, lang: str) -> None:  # type: ignore[no-untyped-def]
    """A new learner creates the account in the form, then logs in, tags, pushes, verifies and pulls,
    in English and in German (verdicts are read by their signs, which every language shares)."""
    user, password = "learner" + secrets.token_hex(4), "pw-" + secrets.token_hex(8)
    remote = f"{registry.address}/{user}/python-hello-world"
    app = make_app(registry, user, tmp_path, lang=lang)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            assert step_id(app) == "image"
            assert verdict_sign(pilot) == "✓"
            await type_command(pilot, "docker images python-hello-world")
            await settle(pilot)
            assert "python-hello-world" in output_text(pilot)
            await next_step(pilot, "account")

            assert verdict_sign(pilot) == "✗"
            await pilot.click("#create-account")
            await settle(pilot)
            assert isinstance(app.screen, AccountModal)
            await pilot.press(*password, "enter", *password, "enter")
            await settle(pilot)
            assert FixturePractice(registry).has_user(user)
            assert verdict_sign(pilot) == "✓"
            await next_step(pilot, "login")

            await type_command(pilot, f"docker login {registry.address} -u {user}")
            await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
            await pilot.press(*password, "enter")
            await settle(pilot)
            assert "Login Succeeded" in output_text(pilot)
            assert password not in output_text(pilot)
            assert verdict_sign(pilot) == "✓"
            await next_step(pilot, "tag")

            await pilot.press("f4")
            assert app.screen.query_one("#command").value == f"docker tag python-hello-world {remote}"  # type: ignore[attr-defined]
            assert f"docker tag python-hello-world {remote}" in text_of(pilot, "#hints")
            await type_command(pilot, "export REGISTRY_USER=" + user)
            await settle(pilot)
            await type_command(pilot, "docker tag python-hello-world "
                                      f"{registry.address}/$REGISTRY_USER/python-hello-world")
            await settle(pilot)
            assert verdict_sign(pilot) == "✓", output_text(pilot)
            await next_step(pilot, "push")

            await type_command(pilot, f"docker push {remote}")
            await settle(pilot)
            assert verdict_sign(pilot) == "✓", output_text(pilot)
            assert app.screen.query_one(PushProgress).layer_count >= 1
            await type_command(pilot, "")
            await settle(pilot)
            assert isinstance(app.screen, RegistryScreen)  # verify passed: the view opens by itself
            view = text_of(pilot, "#registry-view")
            assert hello_image in view and view.startswith("✓ ")
            await pilot.press("escape")
            assert step_id(app) == "verify" and verdict_sign(pilot) == "✓"
            assert app.screen.focused is app.screen.query_one("#command")
            await pilot.press("f5")
            await settle(pilot)
            assert isinstance(app.screen, RegistryScreen)
            await pilot.press("escape")
            await next_step(pilot, "pull")

            assert verdict_sign(pilot) == "✗"
            await type_command(pilot, f"docker rmi {remote}")
            await settle(pilot)
            await type_command(pilot, f"docker pull {remote}")
            await settle(pilot)
            assert verdict_sign(pilot) == "✓", output_text(pilot)
            await type_command(pilot, "")
            await settle(pilot)
            assert isinstance(app.screen, FinishScreen)
            assert app.lab is not None
            assert hello_image in summary_markdown(app.lab)
            assert all(app.lab.state(i) is StepState.DONE for i in range(len(app.lab.steps)))
        saved = ProgressStore(tmp_path / "progress.json").load(ProgressKey(registry.address, user, LESSON_ID))
        assert saved.state("pull") == "done" and saved.created_of("repository") == [f"{remote}:latest"]
    finally:
        remove_tag(engine, f"{remote}:latest")


def remove_tag(engine, reference: str) -> None:  # type: ignore[no-untyped-def]
    """Remove a name this test made (never the shared source image)."""
    if engine.images.list(reference.rsplit(":", 1)[0]):
        engine.images.remove(reference, noprune=True)
