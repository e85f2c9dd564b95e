"""Faults on screen: a push stopped with Escape or Ctrl+C, a resize mid-push, a registry killed and an
engine gone mid-session, and a password that never reaches a screenshot or the history."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.app_helpers import (
    FixturePractice,
    done_in_terminal,
    make_app,
    output_text,
    settle,
    text_of,
    type_command,
    wait_until,
)
from tests.conftest import RegistryUnderTest, build_image
from tutor.app import TutorApp
from tutor.core.events import CheckResult, Status
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LabOptions, StepState
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import NotFound, RegistryClient
from tutor.screens.messages import CheckFinished
from tutor.screens.password_modal import PasswordModal
from tutor.screens.registry_screen import RegistryScreen
from tutor.screens.step_screen import StepScreen
from tutor.widgets.push_progress import PushProgress

pytestmark = [pytest.mark.engine, pytest.mark.registry]

DockerCli = Callable[..., subprocess.CompletedProcess[str]]
STOP_HINT = "Esc/Ctrl+C: stop"
CANCELLED = "Push cancelled — nothing was lost; push again to finish."


@pytest.fixture
def big_image(engine: docker.DockerClient, tmp_path: Path) -> Iterator[str]:
    """64 MB of fresh random data in 8 layers: a push long enough to stop or break in the middle."""
    tag = "tutor-test-big:" + secrets.token_hex(4)
    build_image(engine, tmp_path / "big", tag, layers=8, layer_bytes=8 * 1024 * 1024)
    yield tag
    engine.images.remove(tag, force=True)


def remove_tag(engine: docker.DockerClient, remote: str) -> None:
    """Remove the remote name the test tagged (never the source image)."""
    if engine.images.list(remote):
        engine.images.remove(f"{remote}:latest", noprune=True)


def uploading(app: App[Any]) -> bool:
    """True once a layer's bytes are on their way to the registry."""
    progress = app.screen.query_one(PushProgress)
    return "Pushing" in progress.layer_text()


async def push_until_uploading(pilot: Pilot[Any], remote: str) -> None:
    """Type the push and return once its layers are uploading."""
    await settle(pilot)
    await type_command(pilot, f"docker push {remote}")
    await wait_until(pilot, lambda: uploading(pilot.app), seconds=60)


def screen_text(app: App[Any]) -> str:
    """What the terminal shows right now, as plain text (borders and their titles included)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def step_state(app: TutorApp, step: str) -> StepState:
    """The lab's state of STEP."""
    assert app.lab is not None
    return app.lab.state(app.lab.index_of(step))


@pytest.mark.parametrize("key", ["escape", "ctrl+c"])
async def test_a_running_push_stops_on_its_key_and_the_next_push_succeeds(
        private_registry: RegistryUnderTest, big_image: str, tmp_path: Path,
        docker_cli: DockerCli, engine: docker.DockerClient,
        key: str) -> None:
    """How to stop shows on screen while the push runs; the key stops it, says nothing was lost, and
    the registry holds no image; the tutor stays usable and the next push finishes the step."""
    account = private_registry.new_account()
    remote, app = done_in_terminal(docker_cli, private_registry, account, big_image, tmp_path, "push")
    client = RegistryClient(private_registry.url, *account)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            assert STOP_HINT not in screen_text(app)  # nothing to stop yet
            await push_until_uploading(pilot, remote)
            assert STOP_HINT in screen_text(app)  # the learner sees how to stop it
            await pilot.press(key)
            await settle(pilot)
            shown = output_text(pilot)
            assert CANCELLED in shown, shown
            assert "Traceback" not in shown
            assert isinstance(app.screen, StepScreen) and not app.screen.running
            assert STOP_HINT not in screen_text(app)  # the hint goes away again
            assert step_state(app, "push") is StepState.CURRENT
            with pytest.raises(NotFound):
                client.manifest(f"{account[0]}/{remote.rsplit('/', 1)[1]}", "latest")

            await type_command(pilot, f"docker push {remote}")
            await settle(pilot)
            assert "✓ Done" in text_of(pilot, "#verdict"), output_text(pilot)
            assert step_state(app, "push") is StepState.DONE
    finally:
        remove_tag(engine, remote)


async def test_terminal_resized_mid_push_keeps_the_push_going(
        registry: RegistryUnderTest, layered_image: str, tmp_path: Path,
        docker_cli: DockerCli, engine: docker.DockerClient) -> None:
    """Resizing the terminal several times during a push: no crash, every layer, the step done."""
    account = registry.new_account()
    remote, app = done_in_terminal(docker_cli, registry, account, layered_image, tmp_path, "push")
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await type_command(pilot, f"docker push {remote}")
            for size in ((80, 24), (140, 45), (60, 20), (120, 30), (80, 24), (100, 32)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
            await settle(pilot)
            progress = app.screen.query_one(PushProgress)
            assert progress.layer_count == 7, output_text(pilot)
            assert progress.total_fraction == 1.0
            assert "✓ Done" in text_of(pilot, "#verdict"), output_text(pilot)
            assert app.size.width == 100
    finally:
        remove_tag(engine, remote)


async def test_registry_killed_mid_push_is_explained_and_the_tutor_goes_on(
        private_registry: RegistryUnderTest, big_image: str, tmp_path: Path,
        docker_cli: DockerCli, engine: docker.DockerClient) -> None:
    """The registry dies while layers upload: the explainer says nothing answers there, the screen
    stays usable (the check key answers), and the step is not marked done."""
    account = private_registry.new_account()
    remote, app = done_in_terminal(docker_cli, private_registry, account, big_image, tmp_path, "push")
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await push_until_uploading(pilot, remote)
            private_registry.process.kill()
            await settle(pilot)
            shown = output_text(pilot) + text_of(pilot, "#verdict")
            assert f"Nothing answers at {private_registry.address}" in shown, shown
            assert "Traceback" not in shown
            assert step_state(app, "push") is StepState.CURRENT
            assert isinstance(app.screen, StepScreen) and not app.screen.running
            await pilot.press("f2")
            await settle(pilot)
            assert f"Nothing answers at {private_registry.address}" in text_of(pilot, "#verdict")
    finally:
        remove_tag(engine, remote)


def start_podman_service(socket: Path) -> subprocess.Popen[bytes]:
    """A Podman service of this test's own on SOCKET (the session's is shared and must live on)."""
    podman = shutil.which("podman")
    if podman is None:
        pytest.skip("podman is not installed")
    process = subprocess.Popen([podman, "system", "service", "--time=0", f"unix://{socket}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while not socket.exists():
        assert process.poll() is None and time.monotonic() < deadline, "podman service did not start"
        time.sleep(0.05)
    return process


@pytest.mark.podman
async def test_engine_gone_mid_session_is_explained_and_its_return_noticed(
        registry: RegistryUnderTest, account: tuple[str, str], podman_hello_image: str,
        tmp_path: Path) -> None:
    """The Podman service stops under the tutor: a command and the check say the engine is not
    answering; once it runs again the same screen works and the step is done again."""
    socket = tmp_path / "podman.sock"
    service = start_podman_service(socket)
    options = LabOptions(registry=registry.address, user=account[0], engine="podman",
                         engine_url=f"unix://{socket}", lang="en")
    app = TutorApp(options, watch=False, practice=FixturePractice(registry),
                   store=ProgressStore(tmp_path / "progress.json"))
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, StepScreen) and app.screen.step.id == "image"
            assert "✓ Done" in text_of(pilot, "#verdict")
            registry_server.stop_process(service)
            socket.unlink(missing_ok=True)
            await type_command(pilot, "podman images")
            await settle(pilot)
            shown = output_text(pilot) + text_of(pilot, "#verdict")
            assert "The container engine (podman) is not answering." in shown, shown
            assert "Traceback" not in shown
            assert isinstance(app.screen, StepScreen) and not app.screen.running

            service = start_podman_service(socket)
            await pilot.press("f2")
            await settle(pilot)
            assert "✓ Done" in text_of(pilot, "#verdict"), text_of(pilot, "#verdict")
            await type_command(pilot, "podman images python-hello-world")
            await settle(pilot)
            assert "python-hello-world" in output_text(pilot).rsplit("$ podman images", 1)[1]
    finally:
        registry_server.stop_process(service)


async def test_a_whole_lab_never_shows_the_password(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path,
        engine: docker.DockerClient) -> None:
    """Login with the masked prompt, tag, push, verify, pull: the password is in no screenshot
    (text or SVG, taken at every step and with the prompt filled in) and not in the history."""
    user, password = account
    remote = f"{registry.address}/{user}/python-hello-world"
    app = make_app(registry, user, tmp_path)
    shots: list[str] = []

    def shoot() -> None:
        shots.append(app.export_screenshot())
        path = app.save_screenshot(path=str(tmp_path), filename=f"shot{len(shots)}.svg")
        shots.append(Path(path).read_text())

    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await wait_until(pilot, lambda: isinstance(app.screen, StepScreen))
            commands = {"login": f"docker login {registry.address} -u {user}",
                        "tag": f"docker tag python-hello-world {remote}", "push": f"docker push {remote}",
                        "pull": f"docker rmi {remote}"}
            for _round in range(12):
                screen = app.screen
                if isinstance(screen, RegistryScreen):
                    await pilot.press("escape")
                    continue
                if not isinstance(screen, StepScreen):
                    break
                step = screen.step.id
                shoot()
                if step in commands and step_state(app, step) is not StepState.DONE:
                    await type_command(pilot, commands[step])
                    if step == "login":
                        await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
                        await pilot.press(*password)
                        shoot()  # the prompt, filled in
                        await pilot.press("enter")
                    await settle(pilot)
                    if step == "pull":
                        await type_command(pilot, f"docker pull {remote}")
                        await settle(pilot)
                    shoot()
                    assert step_state(app, step) is StepState.DONE, output_text(pilot)
                await type_command(pilot, "")
                await settle(pilot)
            shoot()
            assert app.lab is not None
            finished = (StepState.DONE, StepState.AHEAD)  # a step jumped over by Enter reads "done ahead"
            assert all(step_state(app, step.id) in finished for step in app.lab.steps)
            history = list(app.lab.history)
    finally:
        remove_tag(engine, remote)
    assert len(shots) >= 16
    assert all(password not in shot for shot in shots)
    assert any(f"docker login {registry.address} -u {user}" in line for line in history)
    assert all(password not in line for line in history)


async def test_a_check_that_ends_after_a_newer_one_does_not_undo_its_verdict(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str,
        engine: docker.DockerClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A check that looked before the state changed, and ends after a newer check (a replaced
    worker's thread still runs to its end), is dropped: the newer verdict and the step's progress
    stay. (Podman's slow event log made the first of two such checks end last.)"""
    from tutor.core.lab import check_table

    user, _password = account
    name = "tutor-late-" + secrets.token_hex(4)
    real_check, first_looked, release = check_table.run_check, threading.Event(), threading.Event()
    looks: list[Status] = []

    def held_first(check_id: str, ctx: Any) -> CheckResult:
        result = real_check(check_id, ctx)
        looks.append(result.status)
        if len(looks) == 1:  # the screen's first check: it saw no image, and ends only when let go
            first_looked.set()
            release.wait(60)
        return result

    dropped: list[Status] = []
    outdated = StepScreen.outdated

    def watched(screen: StepScreen, message: CheckFinished) -> bool:
        late = outdated(screen, message)
        if late:
            dropped.append(message.result.status)
        return late

    monkeypatch.setattr(check_table, "run_check", held_first)
    monkeypatch.setattr(StepScreen, "outdated", watched)
    app = make_app(registry, user, tmp_path, image=name)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await wait_until(pilot, first_looked.is_set, 30)
            engine.images.get(hello_image).tag(name)
            await pilot.press("f2")
            await wait_until(pilot, lambda: "Done" in text_of(pilot, "#verdict"), 30)
            assert looks == [Status.TODO, Status.DONE]
            release.set()
            await wait_until(pilot, lambda: dropped == [Status.TODO], 30)  # the first check's verdict
            await settle(pilot)
            assert "Done" in text_of(pilot, "#verdict")
            assert app.lab is not None and app.lab.state(0) is StepState.DONE
    finally:
        release.set()
        engine.images.remove(name)

