"""The second lab, deploy-a-change, done for real: through the command box and in watch mode."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.app_helpers import make_app, output_text, settle, type_command, wait_until
from tests.conftest import RegistryUnderTest
from tests.lab_support import Lab as TerminalLab
from tutor.app import TutorApp
from tutor.core.engine.gateway import Engine
from tutor.core.lab.progress import ProgressKey, ProgressStore
from tutor.core.lab.session import StepState
from tutor.core.lab.verdicts import check_lab
from tutor.core.lessons.model import load_lesson
from tutor.core.registry.api import RegistryClient
from tutor.screens.finish_screen import FinishScreen
from tutor.screens.registry_screen import RegistryScreen
from tutor.screens.step_screen import StepScreen

pytest_plugins = ("tests.lab_fixtures",)  # the gateway fixture
pytestmark = [pytest.mark.engine, pytest.mark.registry]
LESSON = "deploy-a-change"


def done(app: TutorApp, step: str) -> bool:
    """True when the tutor marked STEP done."""
    assert app.lab is not None
    return app.lab.state(app.lab.index_of(step)) is StepState.DONE


async def advance(pilot: Any, expected: str) -> None:
    """Ctrl+N to the next step, which must be EXPECTED."""
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, StepScreen) and pilot.app.screen.step.id == expected


def where_push_to_registry_ends(docker_cli: Any, registry: RegistryUnderTest, user: str,
                                password: str) -> str:
    """Logged in, python-hello-world pushed as REPOSITORY(:latest): the first lab's end."""
    remote = f"{registry.address}/{user}/python-hello-world"
    login = docker_cli("login", registry.address, "-u", user, "--password-stdin", stdin=password)
    assert login.returncode == 0, login.stderr
    assert docker_cli("tag", "python-hello-world", remote).returncode == 0
    assert docker_cli("push", remote).returncode == 0
    return remote


def digest_of(registry: RegistryUnderTest, user: str, password: str, tag: str) -> str:
    client = RegistryClient(f"http://{registry.address}", user, password)
    return client.manifest(f"{user}/python-hello-world", tag)[0]


@pytest.fixture
def clean_names(engine: Any) -> Any:
    """Names the lab makes on the shared daemon, removed afterwards (the base image stays)."""
    made: list[str] = []
    yield made
    for name in [*made, "python-hello-world:v2"]:
        if engine.images.list(name):
            engine.images.remove(name, noprune=True)


async def test_the_whole_lab_through_the_command_box(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        isolated_home: Path, docker_cli: Any, clean_names: list[str], gateway: Engine) -> None:
    """Every step typed into the tutor's own command box, the build folder edited as a learner does;
    then, with the engine's history out of sight, the pull by digest stays proven until its image goes."""
    user, password = account
    remote = where_push_to_registry_ends(docker_cli, registry, user, password)
    clean_names += [remote, f"{remote}:v1", f"{remote}:v2"]
    folder = isolated_home / "registry-tutor" / LESSON
    app = make_app(registry, user, tmp_path, lesson=LESSON)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "v1"
        assert (folder / "Dockerfile").read_text().splitlines()[1] == "FROM python-hello-world"
        await type_command(pilot, f"docker tag python-hello-world {remote}:v1")
        await settle(pilot)
        await type_command(pilot, f"docker push {remote}:v1")
        await wait_until(pilot, lambda: done(app, "v1"))
        assert "Layer already exists" in output_text(pilot)

        await advance(pilot, "change")
        (folder / "message.txt").write_text("Hello from version 2.\n")
        await type_command(pilot, f"docker build -t python-hello-world:v2 {folder}")
        await wait_until(pilot, lambda: done(app, "change"))

        await advance(pilot, "tags")
        await type_command(pilot, f"docker tag python-hello-world:v2 {remote}:v2")
        await settle(pilot)
        await type_command(pilot, f"docker tag python-hello-world:v2 {remote}:latest")
        await wait_until(pilot, lambda: done(app, "tags"))

        await advance(pilot, "push-again")
        await type_command(pilot, f"docker push {remote}:v2")
        await wait_until(pilot, lambda: done(app, "push-again"))
        verdict = str(app.screen.query_one("#verdict").render())
        assert "reuses 1 layer(s) of v1 and adds 1" in verdict

        await pilot.press("ctrl+n")
        await settle(pilot)
        await type_command(pilot, f"docker push {remote}:latest")
        await wait_until(pilot, lambda: done(app, "versions"))
        await settle(pilot)
        assert isinstance(app.screen, RegistryScreen)  # the lesson opens the registry view on the first pass
        view = str(app.screen.query_one("#registry-view").render())
        v1, v2 = (digest_of(registry, user, password, tag)[:19] for tag in ("v1", "v2"))
        assert f"latest  {v2}…" in view and f"v1      {v1}…" in view and f"v2      {v2}…" in view
        assert "✓ the same image as your local one" in view
        await pilot.press("escape")
        await settle(pilot)

        await advance(pilot, "by-digest")
        digest = digest_of(registry, user, password, "v2")
        await type_command(pilot, f"docker pull {remote}@{digest}")
        await wait_until(pilot, lambda: done(app, "by-digest"))
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, FinishScreen)
    latest, v1 = (digest_of(registry, user, password, tag) for tag in ("latest", "v1"))
    assert latest == digest != v1

    # The engine forgets its events when it restarts: the pull by digest stays proven by what the
    # progress file kept, until its image is gone.
    progress = ProgressStore(tmp_path / "progress.json").load(ProgressKey(registry.address, user, LESSON))
    assert progress.proof("by-digest") == {"digest": digest}
    progress.started = datetime.now(timezone.utc).isoformat()  # history before now is out of sight
    steps = load_lesson(LESSON).steps
    lab = TerminalLab(gateway, registry, user, password)
    kept = next(v for v in check_lab(progress, lab.context(), steps) if v.result.step == "by-digest")
    assert kept.standing == "done" and "unchanged" in kept.result.detail, kept.result
    assert docker_cli("rmi", f"{remote}@{digest}").returncode == 0
    gone = next(v for v in check_lab(progress, lab.context(), steps) if v.result.step == "by-digest")
    assert gone.revoked and "no longer here" in gone.result.detail, gone.result


async def test_a_digest_from_another_repository_is_explained(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        docker_cli: Any, clean_names: list[str]) -> None:
    """The known wrong attempt of the last step, typed in the command box: the tutor names the mistake."""
    user, password = account
    remote = where_push_to_registry_ends(docker_cli, registry, user, password)
    clean_names.append(remote)
    digest = digest_of(registry, user, password, "latest")
    app = make_app(registry, user, tmp_path, lesson=LESSON)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await type_command(pilot, f"docker pull {registry.address}/{user}/another-app@{digest}")
        await settle(pilot)
        assert "That repository has no manifest with this digest." in output_text(pilot)


async def test_the_whole_lab_in_the_learners_own_terminal(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        isolated_home: Path, docker_cli: Any, clean_names: list[str]) -> None:
    """Watch mode: the real docker CLI does every step, and each step turns done by itself."""
    user, password = account
    remote = where_push_to_registry_ends(docker_cli, registry, user, password)
    clean_names += [remote, f"{remote}:v1", f"{remote}:v2"]
    folder = isolated_home / "registry-tutor" / LESSON
    app = make_app(registry, user, tmp_path, watch=True, lesson=LESSON)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert docker_cli("tag", "python-hello-world", f"{remote}:v1").returncode == 0
        assert docker_cli("push", f"{remote}:v1").returncode == 0
        await wait_until(pilot, lambda: done(app, "v1"))

        await advance(pilot, "change")
        (folder / "message.txt").write_text("Hello from version 2, built in my terminal.\n")
        built = docker_cli("build", "-t", "python-hello-world:v2", str(folder))
        assert built.returncode == 0, built.stderr
        await wait_until(pilot, lambda: done(app, "change"))

        await advance(pilot, "tags")
        assert docker_cli("tag", "python-hello-world:v2", f"{remote}:v2").returncode == 0
        assert docker_cli("tag", "python-hello-world:v2", f"{remote}:latest").returncode == 0
        await wait_until(pilot, lambda: done(app, "tags"))

        await advance(pilot, "push-again")
        pushed = docker_cli("push", f"{remote}:v2")
        assert "Layer already exists" in pushed.stdout and "Pushed" in pushed.stdout
        await wait_until(pilot, lambda: done(app, "push-again"))

        await pilot.press("ctrl+n")
        await settle(pilot)
        assert docker_cli("push", f"{remote}:latest").returncode == 0
        await wait_until(pilot, lambda: done(app, "versions"))
        await settle(pilot)
        while not isinstance(app.screen, StepScreen):
            await pilot.press("escape")
            await settle(pilot)

        await advance(pilot, "by-digest")
        digest = digest_of(registry, user, password, "v2")
        assert docker_cli("pull", f"{remote}@{digest}").returncode == 0
        await wait_until(pilot, lambda: done(app, "by-digest"))


async def test_the_welcome_form_offers_both_labs_in_english_and_german(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """The lab choice lists every lesson by its title in the form's language; the choice starts that lab."""
    from textual.widgets import Input, Select

    from tests.app_helpers import FixturePractice
    from tutor.core.i18n import set_language
    from tutor.core.lab.progress import ProgressStore
    from tutor.core.lab.session import LabOptions
    from tutor.screens.welcome_screen import OTHER, WelcomeScreen

    user, _password = account
    app = TutorApp(LabOptions(engine="docker", lang="en"), watch=False, practice=FixturePractice(registry),
                   store=ProgressStore(tmp_path / "progress.json"))
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen)
            labs = app.screen.query_one("#lesson-choice", Select)
            assert [str(prompt) for prompt, _value in labs._options] == [
                "Push your image to a registry", "Deploy a change"]
            app.screen.query_one("#language", Select).value = "de"
            await settle(pilot)
            labs = app.screen.query_one("#lesson-choice", Select)
            assert [str(prompt) for prompt, _value in labs._options] == [
                "Dein Image in eine Registry pushen", "Eine Änderung ausliefern"]
            labs.value = LESSON
            app.screen.query_one("#registry", Select).value = OTHER
            await pilot.pause()
            app.screen.query_one("#address", Input).value = registry.address
            app.screen.query_one("#user", Input).value = user
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, StepScreen) and app.screen.step.id == "v1"
            assert app.lab is not None and app.lab.progress_key().lesson == LESSON
            assert "Version 1" in str(app.screen.query_one("#lesson-text").source)  # type: ignore[attr-defined]
    finally:
        set_language("en")


def test_no_lesson_step_id_is_written_into_the_ui() -> None:
    """The screens and widgets read every step's metadata from the lesson, never by a step's id.

    Allowed: a widget's own id= (the image field), and the CLI's words the learner typed (push, pull).
    """
    import ast

    from tutor.core.lessons.model import list_lessons

    step_ids = {step.id for lesson in list_lessons() for step in lesson.steps}
    ui = Path(__file__).resolve().parent.parent / "tutor"
    found = []
    for path in sorted([*(ui / "screens").glob("*.py"), *(ui / "widgets").glob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "id":
                allowed.add(id(node.value))
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("_WORDS")
                                                    for t in node.targets):
                allowed.update(id(n) for n in ast.walk(node.value))
            if isinstance(node, ast.Compare) and "words" in ast.unparse(node):
                allowed.update(id(n) for n in ast.walk(node))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in step_ids and id(node) not in allowed:
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert found == []
