"""Snapshots of every screen, at the 80x24 the tutor must read well in.

Behaviour is tested against the real daemon and registry elsewhere (tests/test_app_*.py). Here a
scripted stand-in engine and scripted check verdicts freeze the layout only: no image IDs, ports,
digests or times of a real run can make a snapshot flaky. Regenerate the README's screenshot with
`python -m tests.test_snapshots`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app_helpers import settle, wait_until
from tutor.app import TutorApp
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import EngineInfo, LocalImage
from tutor.core.events import CheckResult, LayerInfo, LayerProgressed, OutputLine, RemoteImage, Status
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LESSON_ID, Lab, LabOptions
from tutor.core.lessons.model import load_lesson
from tutor.core.shell.interpreter import Session
from tutor.core.target import Target
from tutor.screens.messages import RegistryFetched
from tutor.screens.password_modal import PasswordModal
from tutor.widgets.output_log import OutputLog
from tutor.widgets.push_progress import PushProgress

IMAGE_ID = "sha256:" + "4c21a8ab07a8" + "0" * 52
DIGEST = "sha256:" + "9f86d081884c" + "1" * 52
SCREENSHOT = Path(__file__).resolve().parent.parent / "assets" / "screenshot.svg"
VERDICTS = {
    "image": (Status.DONE, "python-hello-world is here (image ID 4c21a8ab07a8)", None),
    "account": (Status.TODO, "The practice registry has no account alice",
                "Ask your instructor, or run: registry-tutor practice add-user alice"),
    "login": (Status.TODO, "Not logged in to localhost:5000", "docker login localhost:5000 -u alice"),
    "tag": (Status.TODO, "No local image is named localhost:5000/alice/python-hello-world:latest yet",
            "docker tag python-hello-world localhost:5000/alice/python-hello-world"),
    "push": (Status.TODO, "localhost:5000 does not serve localhost:5000/alice/python-hello-world:latest yet",
             "docker push localhost:5000/alice/python-hello-world"),
    "verify": (Status.DONE, "The registry holds exactly your image (config digest = local image ID)", None),
    "pull": (Status.TODO, "No pull since your push", "docker pull localhost:5000/alice/python-hello-world"),
}


class LayoutEngine:
    """A scripted stand-in for the engine, only to freeze layout; it never runs anything."""

    kind = "docker"
    info = EngineInfo("docker", "20.10", "1.41", "unix:///var/run/docker.sock")

    def image(self, reference: str) -> LocalImage:
        return LocalImage(IMAGE_ID, ("python-hello-world:latest",))

    def images(self) -> list[LocalImage]:
        return [self.image("python-hello-world")]


DONE_STEPS: set[str] = set()


def scripted_check(check_id: str, ctx: Any) -> CheckResult:
    """Fixed verdicts per step (the real checks are tested against real state in tests/test_app_*.py)."""
    status, detail, hint = VERDICTS[check_id]
    if check_id in DONE_STEPS:
        return CheckResult(check_id, Status.DONE, f"{check_id} is done", None)
    return CheckResult(check_id, status, detail, hint)


def layout_app(tmp_path: Path, done: tuple[str, ...] = ()) -> TutorApp:
    """The real app on a lab with the stand-in engine, at localhost:5000 as alice."""
    target = Target("localhost:5000", "alice", practice=True)
    engine: Any = LayoutEngine()
    credentials = CredentialStore("docker")
    session = Session(engine, target, credentials, lambda prompt: None)
    lab = Lab(engine, target, credentials, load_lesson(LESSON_ID, "en"), session,
              store=ProgressStore(tmp_path / "progress.json"))
    assert lab.progress is not None
    DONE_STEPS.clear()
    DONE_STEPS.update(done)
    for step in done:
        lab.progress.mark_done(step, {"digest": DIGEST, "config_digest": IMAGE_ID})
    return TutorApp(LabOptions(lang="en"), watch=False, lab=lab)


@pytest.fixture(autouse=True)
def scripted_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every snapshot sees the same verdicts."""
    monkeypatch.setattr("tutor.core.lab.checks.run_check", scripted_check)


async def show_push(pilot: Pilot[Any]) -> None:
    """A push half way: three layers at fixed byte counts, and its output lines."""
    await settle(pilot)
    screen = pilot.app.screen
    progress = screen.query_one(PushProgress)
    screen.progress_shown = True
    progress.start()
    for layer, current in (("a1b2c3d4e5f6", 2_000_000), ("0f1e2d3c4b5a", 700_000), ("99aa88bb77cc", 0)):
        progress.update_layer(LayerProgressed(layer, "Pushing" if current else "Waiting", current, 2_000_000))
    progress.flush()
    log = screen.query_one(OutputLog)
    log.show_event(OutputLine("$ docker push localhost:5000/alice/python-hello-world"))  # the app's echo
    log.show_event(OutputLine("The push refers to repository [localhost:5000/alice/python-hello-world]"))
    await wait_until(pilot, lambda: log.drawn)  # busy, the log draws at its pace (pacing.py)
    await pilot.pause()


def test_welcome_screen(snap_compare: Any) -> None:
    """The form: the lab (the first by default), registry (practice), account name, image, engine and
    language; at 80x24 it scrolls down to Start (Ctrl+S starts from anywhere)."""
    assert snap_compare(TutorApp(LabOptions(lang="en"), watch=False), terminal_size=(80, 24))


def test_no_engine_screen(snap_compare: Any, tmp_path: Path) -> None:
    """No engine answers: the socket that was tried, how to start one, and a Check again button."""
    options = LabOptions(registry="localhost:5000", user="alice", engine="docker", lang="en",
                         engine_url="unix:///nonexistent/docker.sock")
    app = TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_step_screen_done(snap_compare: Any, tmp_path: Path) -> None:
    """Step 1 done: ✓ in the list and the verdict, the lesson text, the offers hidden, the command box."""
    assert snap_compare(layout_app(tmp_path), terminal_size=(80, 24), run_before=settle)


def test_step_screen_with_hints(snap_compare: Any, tmp_path: Path) -> None:
    """Step 2 not done: ✗ verdict, its hint and "→ Or press F7", two hints one after the other,
    the "F7 Create my account…" button, and "f7 Create account" first in the footer."""

    async def hints(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f3", "f3")

    assert snap_compare(layout_app(tmp_path, ("image",)), terminal_size=(80, 24), run_before=hints)


def test_push_progress(snap_compare: Any, tmp_path: Path) -> None:
    """The push step mid-push: a bar per layer (full, a third, empty) and a total bar above them."""
    app = layout_app(tmp_path, ("image", "account", "login", "tag"))
    assert snap_compare(app, terminal_size=(100, 32), run_before=show_push)


def test_password_modal(snap_compare: Any, tmp_path: Path) -> None:
    """The masked login prompt over the login step: a password field and the note that nothing is kept."""

    async def ask(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.push_screen(PasswordModal("Password for alice at localhost:5000: "))
        await pilot.press(*"secret")

    assert snap_compare(layout_app(tmp_path, ("image", "account")), terminal_size=(80, 24), run_before=ask)


def test_skip_confirmation(snap_compare: Any, tmp_path: Path) -> None:
    """F6 asks before skipping and says the step stays marked skipped; “Stay” has the focus."""
    assert snap_compare(layout_app(tmp_path, ("image",)), terminal_size=(80, 24), press=["f6"])


def test_registry_view(snap_compare: Any, tmp_path: Path) -> None:
    """Verify passes: the registry view opens by itself; ✓ same image first, then tags, whole digests,
    size, layers, the config digest above the local image ID and the sentence saying which digest
    that ID is, each digest on one line at 80 columns."""

    async def view(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "RegistryScreen"
        remote = RemoteImage("alice/python-hello-world", "latest", DIGEST, IMAGE_ID,
                             "application/vnd.docker.distribution.manifest.v2+json",
                             (LayerInfo("sha256:" + "5" * 64, 1_048_576),), "2026-01-01T12:00:00Z",
                             ("latest",))
        pilot.app.screen.post_message(RegistryFetched(remote, IMAGE_ID))
        await pilot.pause()

    app = layout_app(tmp_path, ("image", "account", "login", "tag", "push"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=view)


def test_pull_offer_focused(snap_compare: Any, tmp_path: Path) -> None:
    """Pull step at 80x24: one line per step ("✓ 6 Verify", "▶ 7 Pull"), the legend's four signs, the
    lesson with its commands whole, the "F7 Remove the local copy…" button focused (accent, bold,
    underlined), "f7 Pull it back" first in the footer, a short output panel above the command box."""

    async def focus_offer(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#run-pull").focus()
        await pilot.pause()

    app = layout_app(tmp_path, ("image", "account", "login", "tag", "push", "verify"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=focus_offer)


def test_step_screen_large(snap_compare: Any, tmp_path: Path) -> None:
    """The account step at 120x40: the same compact step list, the whole lesson readable, a taller output."""
    assert snap_compare(layout_app(tmp_path, ("image",)), terminal_size=(120, 40), run_before=settle)


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    """F1: how the tutor works, the keys, and the signs of the step list."""
    assert snap_compare(layout_app(tmp_path), terminal_size=(80, 24), press=["f1"])


def test_finish_screen(snap_compare: Any, tmp_path: Path) -> None:
    """Every step done: the summary with ✓ per step, the manifest and config digests, what to try next."""
    app = layout_app(tmp_path, ("image", "account", "login", "tag", "push", "verify", "pull"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


async def save_readme_screenshot(tmp_path: Path) -> None:
    """Write assets/screenshot.svg: the push step mid-push, as in test_push_progress."""
    import tutor.core.lab.checks

    tutor.core.lab.checks.run_check = scripted_check  # only this one-off tool, never during tests
    app = layout_app(tmp_path, ("image", "account", "login", "tag"))
    async with app.run_test(size=(100, 32)) as pilot:
        await show_push(pilot)
        app.save_screenshot(str(SCREENSHOT))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(save_readme_screenshot(Path(folder)))
    print(f"wrote {SCREENSHOT}")
