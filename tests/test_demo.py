"""`registry-tutor demo`: the presenter mode plays the whole lab on the real engine and registry.

Pilot drives the real PresenterApp against a registry of the test's own (as the practice
registry) and the real Docker daemon. The presenter presses only Space; every check is real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.app_helpers import FixturePractice, output_text, text_of, wait_until
from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tutor.core.lab.demo import (
    DEMO_USER,
    Demo,
    DemoCursor,
    keystroke_delays,
    plan_demo,
)
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LabOptions
from tutor.core.lessons.model import load_lesson
from tutor.core.target import Target
from tutor.presenter_app import PresenterApp
from tutor.screens.finish_screen import FinishScreen
from tutor.screens.password_modal import PasswordModal
from tutor.screens.presenter import FilledPasswordModal, PresenterStepScreen

SIZE = (80, 24)  # the presenter layout must read at 80x24
FAST = 400.0  # characters per second: every keystroke still goes through the command box


def demo_app(registry: RegistryUnderTest, tmp_path: Path, lang: str = "en", engine: str = "docker",
             engine_url: str | None = None, **demo: Any) -> PresenterApp:
    """The presenter mode on the test's registry as its practice registry, with its own progress file."""
    options = LabOptions(registry=registry.address, user=DEMO_USER, engine=engine, engine_url=engine_url,
                         lang=lang)
    return PresenterApp(options, Demo(typing_speed=FAST, **demo), practice=FixturePractice(registry),
                        store=ProgressStore(tmp_path / "progress.json"))


def screen_text(app: App[Any]) -> str:
    """Every character on the terminal now (a dialog on top: the dialog's screen)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


class Watch:
    """What the presenter saw: the screen's text at every stop, and every secret typed into a prompt."""

    def __init__(self, app: PresenterApp) -> None:
        self.app = app
        self.screens: list[str] = []
        self.secrets: set[str] = set()

    def look(self) -> None:
        self.screens.append(screen_text(self.app))
        if self.app._secret:
            self.secrets.add(self.app._secret)


def step_screen(app: PresenterApp) -> PresenterStepScreen | None:
    screen = app.screen
    return screen if isinstance(screen, PresenterStepScreen) else None


def waiting(app: PresenterApp, index: int) -> bool:
    """The demo has played what it plays at step INDEX and waits for the presenter."""
    screen = step_screen(app)
    return (screen is not None and screen.index == index and screen.phase.value == "waiting"
            and not screen.running and not screen.checking)


async def play_whole_lab(pilot: Pilot[Any], app: PresenterApp, watch: Watch) -> list[str]:
    """Press Space after each step the demo has played; returns the diagnoses of mistakes shown."""
    diagnoses: list[str] = []
    for index in range(7):
        while True:
            await wait_until(pilot, lambda i=index: waiting(app, i) or _prompting(app, watch), 90)
            if not waiting(app, index):
                continue
            screen = step_screen(app)
            assert screen is not None
            watch.look()
            if screen.cursor.finished:
                break
            # a mistake on purpose was played: the explainer said what the lesson expects
            assert screen.current is not None and screen.failure is not None
            assert screen.failure.key == screen.current.mistake, (screen.current, screen.failure)
            diagnoses.append(text_of(pilot, "#verdict"))
            await pilot.press("space")
        assert app.lab is not None and app.lab.state(index).value == "done", text_of(pilot, "#verdict")
        await pilot.press("space")
    await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen), 30)
    watch.look()
    return diagnoses


def _prompting(app: PresenterApp, watch: Watch) -> bool:
    """While the masked prompt is filled in, look at the screen (the dots, never the secret)."""
    if isinstance(app.screen, PasswordModal):
        watch.look()
    return False


@pytest.fixture
def clean_demo_names(engine: docker.DockerClient,
                     private_registry: RegistryUnderTest) -> Iterator[RegistryUnderTest]:
    """The registry of the test; the demo's local tag removed at the end, whatever happened."""
    yield private_registry
    remote = f"{private_registry.address}/{DEMO_USER}/{HELLO_IMAGE}"
    for image in engine.images.list(name=remote):
        engine.images.remove(image.id if not image.tags else remote, force=True)


async def run_demo(registry: RegistryUnderTest, tmp_path: Path, watch_all: list[Watch],
                   **options: Any) -> list[str]:
    """One demo, start to finish, with Space only; returns the mistakes' diagnoses."""
    app = demo_app(registry, tmp_path, **options)
    watch = Watch(app)
    async with app.run_test(size=SIZE) as pilot:
        diagnoses = await play_whole_lab(pilot, app, watch)
        await pilot.press("ctrl+q")
    watch_all.append(watch)
    return diagnoses


def assert_secret_kept(watches: list[Watch], home: Path, docker_config: Path, *more: Path) -> None:
    """The demo's passwords were never on a screen, and are in no file but the credential store
    (HOME and the test's own folders: progress file, registry data, htpasswd)."""
    secrets = set().union(*(watch.secrets for watch in watches))
    assert secrets, "the demo never filled the password prompt"
    for watch in watches:
        for text in watch.screens:
            assert not any(secret in text for secret in secrets)
    for path in [found for folder in (home, *more) for found in folder.rglob("*")]:
        if path.is_file() and docker_config not in path.parents:
            data = path.read_bytes()
            assert not any(secret.encode() in data for secret in secrets), path


async def test_the_demo_plays_all_seven_steps_twice_with_space_only(
        clean_demo_names: RegistryUnderTest, hello_image: str, tmp_path: Path,
        isolated_home: Path, engine: docker.DockerClient) -> None:
    """Two demos in a row: the second cleans the first's tag, login and push first, then plays again."""
    registry = clean_demo_names
    watches: list[Watch] = []
    for _run in range(2):
        assert await run_demo(registry, tmp_path, watches) == []
    repository = f"{DEMO_USER}/{HELLO_IMAGE}"
    assert registry_tags(registry, repository) == ["latest"]
    assert_secret_kept(watches, isolated_home, isolated_home / ".docker", tmp_path)
    assert len(set().union(*(w.secrets for w in watches))) == 2, "each demo makes a new password"


async def test_the_demo_plays_the_whole_lab_on_podman(
        private_registry: RegistryUnderTest, podman_socket: str, podman_hello_image: str,
        podman_engine: docker.DockerClient, tmp_path: Path, isolated_home: Path) -> None:
    """On Podman the demo types podman's commands (its login file, no layer bars), every step is
    checked done on the real engine and registry, and the password shows on no screen."""
    remote = f"{private_registry.address}/{DEMO_USER}/{HELLO_IMAGE}"
    watches: list[Watch] = []
    try:
        app = demo_app(private_registry, tmp_path, engine="podman", engine_url=podman_socket)
        watch = Watch(app)
        async with app.run_test(size=SIZE) as pilot:
            assert await play_whole_lab(pilot, app, watch) == []
            await pilot.press("ctrl+q")
        watches.append(watch)
        seen = "\n".join(watch.screens)
        assert "podman push" in seen and "docker push" not in seen
        assert registry_tags(private_registry, f"{DEMO_USER}/{HELLO_IMAGE}") == ["latest"]
        auth_file = isolated_home / "run" / "containers" / "auth.json"  # REGISTRY_AUTH_FILE, as podman login
        assert private_registry.address in auth_file.read_text()
        assert_secret_kept(watches, isolated_home, auth_file.parent, tmp_path)
    finally:
        for image in podman_engine.images.list(name=remote):
            podman_engine.images.remove(image.id if not image.tags else remote, force=True)


async def test_the_demo_plays_german_then_english_with_mistakes_first(
        clean_demo_names: RegistryUnderTest, hello_image: str, tmp_path: Path, isolated_home: Path) -> None:
    """--show-mistakes: at the steps that list one, a wrong attempt and its diagnosis first (de, then en)."""
    watches: list[Watch] = []
    diagnoses = await run_demo(clean_demo_names, tmp_path, watches, lang="de", show_mistakes=True)
    assert len(diagnoses) == 4  # image, tag, push and pull list mistakes for Docker
    assert all(text.startswith("✗") for text in diagnoses), diagnoses
    assert await run_demo(clean_demo_names, tmp_path, watches, lang="en", show_mistakes=True) != diagnoses
    assert_secret_kept(watches, isolated_home, isolated_home / ".docker", tmp_path)


async def test_left_goes_back_r_replays_and_esc_takes_over(
        clean_demo_names: RegistryUnderTest, hello_image: str, tmp_path: Path) -> None:
    """← shows the last step as it is, R types it again, Esc hands the command box to the presenter."""
    app = demo_app(clean_demo_names, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: waiting(app, 0), 60)
        await pilot.press("space")
        await wait_until(pilot, lambda: waiting(app, 1), 60)
        await pilot.press("left")
        await wait_until(pilot, lambda: waiting(app, 0), 60)
        assert "$ docker images" not in output_text(pilot)  # shown, not played again
        await pilot.press("r")
        await wait_until(pilot, lambda: "$ docker images" in output_text(pilot) and waiting(app, 0), 60)
        await pilot.press("space")
        await wait_until(pilot, lambda: waiting(app, 1), 60)
        await pilot.press("space")
        await wait_until(pilot, lambda: (s := step_screen(app)) is not None and s.index == 2, 60)
        await pilot.press("escape")
        screen = step_screen(app)
        assert screen is not None and screen.phase.value == "taken over"
        assert app.focused is screen.query_one("#command")
        await pilot.press("d", "o")  # the presenter types now, into the command box
        assert screen.query_one("#command").value.endswith("do")  # type: ignore[attr-defined]


def registry_tags(registry: RegistryUnderTest, repository: str) -> list[str]:
    """The tags the registry holds for a repository, read through its HTTP API."""
    import requests

    response = requests.get(f"{registry.url}/v2/{repository}/tags/list",
                            auth=(registry.user, registry.password), timeout=10, verify=False)
    response.raise_for_status()
    return sorted(response.json().get("tags") or [])


def test_the_plan_types_what_the_command_box_runs() -> None:
    """Terminal-only solutions (the build) give way to the step's shown command; mistakes come first."""
    lesson = load_lesson("push-to-registry", "en")
    target = Target.create("localhost:5000", DEMO_USER)
    plan = plan_demo(lesson.steps, target, "docker", show_mistakes=True)
    first = [step.commands[-1].line for step in plan]
    assert first[0] == "docker images python-hello-world"
    assert first[1] == f"export DOCKERHUB_USERNAME={DEMO_USER}"
    assert plan[3].commands[0].line == f"docker push localhost:5000/{DEMO_USER}/python-hello-world:latest"
    assert plan[3].commands[0].mistake == "not_tagged"
    assert [step.has_mistake for step in plan] == [True, False, False, True, True, False, True]
    assert not any(step.has_mistake for step in plan_demo(lesson.steps, target, "docker"))
    cursor = DemoCursor(plan[6])
    assert [cursor.next_command(), cursor.next_command(), cursor.next_command()][2] is not None
    cursor.replay()
    assert cursor.next_command() == plan[6].commands[0]


def test_typing_has_a_steady_human_rhythm() -> None:
    """One delay per character, longer after a space; the same every time; a bad speed is refused."""
    delays = keystroke_delays("docker tag a b", 10)
    assert len(delays) == len("docker tag a b") and delays == keystroke_delays("docker tag a b", 10)
    assert delays[7] > delays[1] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="above 0"):
        keystroke_delays("x", 0)


async def test_autoplay_moves_on_by_itself(clean_demo_names: RegistryUnderTest, hello_image: str,
                                           tmp_path: Path) -> None:
    """--autoplay: no key pressed at all, and the demo still reaches the summary, every check real."""
    app = demo_app(clean_demo_names, tmp_path, autoplay=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen), 120)
        assert app.lab is not None
        assert all(app.lab.state(i).value == "done" for i in range(7))
        await pilot.press("ctrl+q")  # after the summary screen is mounted, as a presenter would


async def test_on_another_registry_the_password_is_asked_once_and_masked(
        clean_demo_names: RegistryUnderTest, hello_image: str, tmp_path: Path, isolated_home: Path) -> None:
    """Not the practice registry: the demo asks for the account's password once, before the first step."""
    registry = clean_demo_names
    user, password = registry.new_account()
    options = LabOptions(registry=registry.address, user=user, engine="docker", lang="en")
    app = PresenterApp(options, Demo(typing_speed=FAST), store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal)
                         and bool(app.screen.query("#password-input")), 60)
        assert not isinstance(app.screen, FilledPasswordModal)
        assert step_screen(app) is None  # asked before the first step
        app.screen.query_one("#password-input").value = password  # type: ignore[attr-defined]
        await pilot.press("enter")
        for index in range(3):  # image, account (the login proves it), login
            await wait_until(pilot, lambda i=index: waiting(app, i), 90)
            assert password not in screen_text(app)
            await pilot.press("space")
        await wait_until(pilot, lambda: waiting(app, 3), 90)
        assert app.lab is not None and app.lab.state(2).value == "done"
    for path in [found for folder in (isolated_home, tmp_path) for found in folder.rglob("*")]:
        if path.is_file() and (isolated_home / ".docker") not in path.parents:
            assert password.encode() not in path.read_bytes(), path


async def test_the_filled_prompt_shows_only_dots() -> None:
    """The demo types the password into the masked prompt: each keystroke a dot, never the secret."""
    secret = "s3cret-" + "x" * 20
    answers: list[str | None] = []
    app: App[None] = App()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(FilledPasswordModal("Password for demo:", secret, 20), answers.append)
        await wait_until(pilot, lambda: "•••" in screen_text(app), 30)
        assert secret[:3] not in screen_text(app)
        await wait_until(pilot, lambda: bool(answers), 30)
    assert answers == [secret]
