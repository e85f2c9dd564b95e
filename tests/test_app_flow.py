"""The app's flow around the steps: welcome form, resume, palette (language, reset)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import Input, Select

from tests.app_helpers import FixturePractice, make_app, saved_done, settle, text_of, type_command, wait_until
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core.i18n import current_language, set_language
from tutor.core.lab.progress import ProgressKey, ProgressStore
from tutor.core.lab.session import LESSON_ID, LabOptions, StepState
from tutor.screens.confirm_modal import ConfirmModal
from tutor.screens.password_modal import PasswordModal
from tutor.screens.step_screen import StepScreen
from tutor.screens.welcome_screen import OTHER, WelcomeScreen

pytestmark = [pytest.mark.engine, pytest.mark.registry]


@pytest.fixture(autouse=True)
def english_afterwards() -> object:
    """The language is process-wide: every test here ends in English again."""
    yield None
    set_language("en")


async def test_welcome_form_refuses_bad_names_then_starts_the_lab(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Uppercase account names get a clear message; a good form opens the first step on that registry."""
    user, _password = account
    app = TutorApp(LabOptions(engine="docker", lang="en"), watch=False, practice=FixturePractice(registry),
                   store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        app.screen.query_one("#registry", Select).value = OTHER
        await pilot.pause()
        app.screen.query_one("#address", Input).value = registry.address
        app.screen.query_one("#user", Input).value = user.upper()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "lowercase" in text_of(pilot, "#welcome-problem")
        app.screen.query_one("#user", Input).value = user
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "image"
        assert app.lab is not None and app.lab.target.registry == registry.address


async def test_resume_starts_at_the_first_unfinished_step_and_rechecks_done_ones(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Progress says image, account and login are done; login no longer holds: taken back, and said."""
    user, _password = account
    store = saved_done(registry, user, tmp_path, ("image", "account", "login"))
    app = make_app(registry, user, tmp_path, store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "login"
        messages = [str(note.message) for note in app._notifications]
        assert any("Log in" in text and "no longer done: Not logged in" in text
                   for text in messages), messages
        assert not any("Your image" in text for text in messages)


async def test_the_saved_step_is_drawn_before_the_resume_checks_move_it(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """The step the progress file names is shown at once (no check waited for); the quiet re-check of
    every step then takes the login back and moves the learner to it."""
    user, _password = account
    store = saved_done(registry, user, tmp_path, ("image", "account", "login"))
    app = make_app(registry, user, tmp_path, store=store)
    shown: list[int] = []
    show_step = app.show_step
    app.show_step = lambda index: (shown.append(index), show_step(index))[-1]  # type: ignore[method-assign]
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert app.lab is not None
        ids = [step.id for step in app.lab.steps]
        assert [ids[index] for index in shown] == ["tag", "login"]
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "login"


async def palette(pilot, command: str) -> None:  # type: ignore[no-untyped-def]
    """Run a command from Textual's command palette by typing its name."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*command)
    await wait_until(pilot, lambda: pilot.app.screen.query_one(CommandList).option_count > 0)
    await pilot.press("down", "enter")
    await settle(pilot)


async def test_palette_switches_the_lesson_to_german(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Switch language from the palette: the step is shown again from the German lesson."""
    user, _password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await palette(pilot, "Switch language")
        assert current_language() == "de"
        assert isinstance(app.screen, StepScreen)
        assert app.screen.step.title == "Dein Image"


async def test_palette_reset_shows_exactly_what_it_undoes_and_undoes_it(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        engine) -> None:  # type: ignore[no-untyped-def]
    """A tag the lab made is listed, removed after yes, and the lab starts again at the first step."""
    user, _password = account
    remote = f"{registry.address}/{user}/python-hello-world"
    engine.images.get("python-hello-world").tag(remote, "latest")
    store = ProgressStore(tmp_path / "progress.json")
    progress = store.load(ProgressKey(registry.address, user, LESSON_ID))
    for step in ("image", "account"):
        progress.mark_done(step)
    progress.record_created("tag", f"{remote}:latest")
    store.save(progress)
    app = make_app(registry, user, tmp_path, store=store)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await palette(pilot, "Reset the lab")
            assert isinstance(app.screen, ConfirmModal)
            details = "\n".join(app.screen.details)
            assert f"Remove the local tag {remote}:latest" in details
            assert "python-hello-world (" not in details
            await pilot.click("#confirm-yes")
            await settle(pilot)
            assert not engine.images.list(remote)
            assert engine.images.list("python-hello-world")
            assert isinstance(app.screen, StepScreen) and app.screen.step.id == "image"
    finally:
        if engine.images.list(remote):
            engine.images.remove(f"{remote}:latest", noprune=True)
    assert store.load(ProgressKey(registry.address, user, LESSON_ID)).state("account") is None


async def test_a_failed_worker_becomes_a_readable_notification(tmp_path: Path) -> None:
    """Any worker that raises shows its message as an error notification; the app keeps running."""

    def broken() -> None:
        raise ValueError("the registry address 'bad host' has a space in it")

    app = TutorApp(LabOptions(lang="en"), watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.run_worker(broken, thread=True, exit_on_error=False)
        await settle(pilot)
        notes = list(app._notifications)
        assert any("has a space in it" in str(n.message) and n.severity == "error" for n in notes), notes
        assert isinstance(app.screen, WelcomeScreen) and app.is_running


async def test_welcome_language_choice_redraws_the_form_in_german(tmp_path: Path) -> None:
    """Choosing Deutsch on the welcome form shows it in German at once and keeps what was typed."""
    app = TutorApp(LabOptions(lang="en"), watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#user", Input).value = "alice"
        app.screen.query_one("#language", Select).value = "de"
        await settle(pilot)
        assert current_language() == "de"
        assert app.screen.query_one("#user", Input).value == "alice"
        labels = " ".join(str(label.render()) for label in app.screen.query(".field-label"))
        assert "Kontoname" in labels
        footer = [active.binding.description for active in app.screen.active_bindings.values()]
        assert "Hilfe" in footer and "Befehle" in footer, footer


async def test_a_bad_name_on_the_command_line_leads_back_to_the_form(
        registry: RegistryUnderTest, tmp_path: Path) -> None:
    """`--user Alice` cannot be a namespace: the tutor says why and opens the form to fix it."""
    options = LabOptions(registry=registry.address, user="Alice", engine="docker", lang="en")
    app = TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert app.screen.query_one("#user", Input).value == "Alice"
        assert any("lowercase" in str(note.message) for note in app._notifications)


def test_a_user_on_the_command_line_is_enough_to_skip_the_form() -> None:
    """--user alone starts the lab (the practice registry is the default); without it the form asks."""
    assert LabOptions(user="alice").complete and not LabOptions(registry="quay.io").complete


async def test_an_account_only_a_login_proves_lets_the_learner_go_on(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """On an ordinary registry the account step says "?" and Enter goes on; the login then marks it ✓."""
    user, password = account
    options = LabOptions(registry=registry.address, user=user, engine="docker", lang="en")
    app = TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_command(pilot, "")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "account"
        assert text_of(pilot, "#verdict").startswith("? ") and "log in" in text_of(pilot, "#verdict")
        await type_command(pilot, "")
        await settle(pilot)
        assert app.lab is not None and app.screen.step.id == "login"
        assert app.lab.state(app.lab.index_of("account")) is StepState.SKIPPED
        await type_command(pilot, f"docker login {registry.address} -u {user}")
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press(*password, "enter")
        await settle(pilot)
        assert app.lab.state(app.lab.index_of("login")) is StepState.DONE
        assert app.lab.state(app.lab.index_of("account")) is StepState.DONE


async def test_palette_goes_back_to_the_form_and_escape_keeps_the_lab(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Started from the command line, the form is still reachable; Escape returns to the same lab, a new
    user on Start builds a new lab for that user."""
    user, _password = account
    app = make_app(registry, user, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first_lab = app.lab
        assert isinstance(app.screen, StepScreen)
        await palette(pilot, "Change registry")
        assert isinstance(app.screen, WelcomeScreen)
        assert app.screen.query_one("#user", Input).value == user
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.lab is first_lab
        await palette(pilot, "Change registry")
        app.screen.query_one("#user", Input).value = "someone-else"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await wait_until(pilot, lambda: app.lab is not first_lab and isinstance(app.screen, StepScreen))
        assert app.lab is not None and app.lab.target.user == "someone-else"


async def test_the_command_palette_speaks_german_too(tmp_path: Path) -> None:
    """With --lang de the footer's palette key and the palette's search prompt are German."""
    app = TutorApp(LabOptions(lang="de"), watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        palette_keys = [active.binding for active in app.screen.active_bindings.values()
                        if active.binding.action == "command_palette"]
        assert [binding.description for binding in palette_keys] == ["Befehle"]
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert app.screen.query_one(Input).placeholder == "Befehle suchen…"
