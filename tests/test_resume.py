"""Coming back to a lab (issue 17): what was proven stays proven, across tutor and engine restarts.

All against real parts: the docker CLI, the system dockerd or the bed's own dockerd (which these
tests restart, so its event log is gone as after a reboot), and a Distribution registry.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from textual.widgets import Button, Input, Select

from tests.app_helpers import FixturePractice, make_app, settle, type_command, wait_until
from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tests.lab_support import Lab as TerminalLab
from tests.own_daemon import OwnDaemon, own_daemon  # noqa: F401 (a fixture)
from tutor.__main__ import main
from tutor.app import TutorApp
from tutor.core.engine.gateway import Engine
from tutor.core.events import CheckResult, Status
from tutor.core.lab.checks import CHECK_IDS
from tutor.core.lab.evidence import Change, PullEvidence
from tutor.core.lab.progress import LessonProgress, ProgressKey, ProgressStore
from tutor.core.lab.session import LESSON_ID, LabOptions, StepState
from tutor.core.lab.session import Lab as SessionLab
from tutor.core.lab.verdicts import aim, check_lab, decide
from tutor.core.lab.verdicts import settle as settle_steps
from tutor.core.lessons.model import load_lesson
from tutor.core.records import replace
from tutor.core.target import DOCKER_HUB, PRACTICE, Target
from tutor.screens.finish_screen import FinishScreen
from tutor.screens.password_modal import PasswordModal
from tutor.screens.registry_screen import RegistryScreen
from tutor.screens.step_screen import StepScreen
from tutor.screens.welcome_screen import OTHER, WelcomeScreen

pytestmark = [pytest.mark.engine, pytest.mark.registry]


def states(app: TutorApp) -> dict[str, StepState]:
    """Every step's state as the tutor shows it."""
    assert app.lab is not None
    return {step.id: app.lab.state(index) for index, step in enumerate(app.lab.steps)}


def warnings(app: TutorApp) -> list[str]:
    """The notices shown so far that warn of something (a contradiction would be one)."""
    return [str(note.message) for note in app._notifications if note.severity in ("warning", "error")]


def check_json(capsys: pytest.CaptureFixture[str], registry: RegistryUnderTest,
               user: str) -> tuple[int, dict[str, str]]:
    """`registry-tutor check --json` in-process: (exit code, step -> status)."""
    code = main(["check", "--registry", registry.address, "--user", user, "--engine", "docker", "--json"])
    steps = json.loads(capsys.readouterr().out)["steps"]
    return code, {step["id"]: step["status"] for step in steps}


@pytest.mark.parametrize(("status", "recorded", "standing", "revoked"), [
    (Status.DONE, None, "done", False),
    (Status.TODO, "done", "open", True),  # the present state contradicts the step
    (Status.UNKNOWN, "done", "done", False),  # cannot tell: nothing contradicts it
    (Status.TODO, "skipped", "skipped", False),
    (Status.UNKNOWN, None, "open", False),
])
def test_one_rule_for_every_step(status: Status, recorded: Any, standing: str, revoked: bool) -> None:
    """The rule the tutor and `check` share: only a failed check takes a done step back."""
    verdict = decide(CheckResult("pull", status, "detail"), recorded)
    assert (verdict.standing, verdict.revoked) == (standing, revoked)
    assert (verdict.status is Status.DONE) == (standing == "done")


def test_steps_sharing_a_check_are_settled_one_by_one() -> None:
    """One check's result (keyed by the check) settles every step that uses it, each under its own id."""
    pull = load_lesson(LESSON_ID).step("pull")
    steps = [pull, replace(pull, id="pull-again")]  # two steps, one check
    progress = LessonProgress(ProgressKey("r", "u", LESSON_ID))
    progress.mark_skipped("pull-again")
    passed = CheckResult("pull", Status.DONE, "came back", facts=PullEvidence(
        "r/u/a:latest", "sha256:aa", "sha256:d1", "2026-12-02T10:00:00+00:00", "r").as_facts())
    verdicts = settle_steps(progress, [passed], steps)
    assert [(v.result.step, v.standing, v.newly_done) for v in verdicts] == \
        [("pull", "done", True), ("pull-again", "done", True)]
    assert progress.proof("pull-again")["image_id"] == "sha256:aa"  # the evidence is kept with each step
    ctx: Any = SimpleNamespace(lab_started_nano=None, proofs={})
    assert aim(ctx, progress, steps).proofs["pull"]["image_id"] == "sha256:aa"  # read back by the check id
    failed = CheckResult("pull", Status.TODO, "gone")
    assert [(v.result.step, v.revoked) for v in settle_steps(progress, [failed], steps)] == \
        [("pull", True), ("pull-again", True)]
    assert progress.state("pull") is None and progress.state("pull-again") is None


def test_watch_mode_marks_every_step_sharing_a_check_done_ahead() -> None:
    """A check passing in the learner's terminal settles all its steps; those beyond the screen read »."""
    lesson = load_lesson(LESSON_ID)
    image, account, pull = lesson.step("image"), lesson.step("account"), lesson.step("pull")
    lesson = replace(lesson, steps=(image, account, pull, replace(pull, id="pull-again")))
    target = Target("localhost:5000", "alice", practice=True)
    session: Any = SimpleNamespace(target=target, variables={})
    lab = SessionLab(cast(Any, object()), target, cast(Any, None), lesson, session,
                     progress=LessonProgress(ProgressKey(target.registry, target.user, LESSON_ID)))
    lab.visit(0)
    assert lab.mark_ahead(CheckResult("pull", Status.DONE, "came back"))
    assert [lab.state(i) for i in range(4)] == [StepState.CURRENT, StepState.LOCKED, StepState.AHEAD,
                                              StepState.AHEAD]
    assert not lab.mark_ahead(CheckResult("pull", Status.DONE, "again"))  # nothing new
    lab.visit(3)
    assert lab.state(3) is StepState.DONE and lab.state(2) is StepState.AHEAD


def test_recorded_pull_evidence_names_what_contradicts_it() -> None:
    """Image gone or replaced, tag no longer or otherwise served; a silent registry is no contradiction."""
    evidence = PullEvidence("r/u/a:latest", "sha256:aa", "sha256:d1", "2026-12-02T10:00:00+00:00", "r")
    assert evidence.contradiction("sha256:aa", "sha256:d1", True) is None
    assert evidence.contradiction("sha256:aa", None, None) is None  # the registry cannot be asked now
    assert evidence.contradiction(None, "sha256:d1", True) is Change.GONE
    assert evidence.contradiction("sha256:bb", "sha256:d1", True) is Change.OTHER_IMAGE
    assert evidence.contradiction("sha256:aa", None, False) is Change.NOT_SERVED
    assert evidence.contradiction("sha256:aa", "sha256:d2", True) is Change.OTHER_DIGEST
    assert PullEvidence.from_proof(evidence.as_proof()) == evidence and PullEvidence.from_proof({}) is None
    assert evidence.when == "2026-12-02 10:00 UTC"


@pytest.fixture
def remote(registry: RegistryUnderTest, account: tuple[str, str]) -> str:
    """The lab's pushed name for the test's fresh account."""
    return f"{registry.address}/{account[0]}/{HELLO_IMAGE}"


@pytest.fixture
def system_cleanup(remote: str, engine: Any) -> Iterator[None]:
    """Untag the lab's name on the system daemon afterwards (never python-hello-world)."""
    yield
    if engine.images.list(remote):
        engine.images.remove(f"{remote}:latest", noprune=True)


async def test_a_lab_done_with_the_docker_cli_is_all_done_in_the_tutor_as_check_says(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, remote: str, docker_cli: Any,
        capsys: pytest.CaptureFixture[str], system_cleanup: None, tmp_path: Path) -> None:
    """Login, tag, push, rmi, pull in the learner's terminal; the tutor opens on the summary, check agrees."""
    user, password = account
    for args, stdin in ((("login", registry.address, "-u", user, "--password-stdin"), password),
                        (("tag", HELLO_IMAGE, remote), None), (("push", remote), None),
                        (("rmi", remote), None), (("pull", remote), None)):
        result = docker_cli(*args, stdin=stdin)
        assert result.returncode == 0, (args, result.stderr)
    app = make_app(registry, user, tmp_path, store=ProgressStore())  # the file `check` uses too
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FinishScreen)
        assert set(states(app).values()) == {StepState.DONE}, states(app)
        assert warnings(app) == []
    assert check_json(capsys, registry, user) == (0, dict.fromkeys(states(app), "done"))
    proof = ProgressStore().load(ProgressKey(registry.address, user, LESSON_ID)).proof("pull")
    assert proof["reference"] == f"{remote}:latest" and proof["digest"].startswith("sha256:")


async def test_check_first_then_the_tutor_agree_on_every_step(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, remote: str, docker_cli: Any,
        capsys: pytest.CaptureFixture[str], system_cleanup: None, tmp_path: Path) -> None:
    """Half a lab in the terminal: `check` says login and tag are done; the tutor lands on push."""
    user, password = account
    logged_in = docker_cli("login", registry.address, "-u", user, "--password-stdin", stdin=password)
    assert logged_in.returncode == 0, logged_in.stderr
    assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
    code, by_check = check_json(capsys, registry, user)
    assert code == 1 and [step for step, status in by_check.items() if status == "done"] == \
        ["image", "account", "login", "tag"], by_check
    app = make_app(registry, user, tmp_path, store=ProgressStore())
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == "push"
        shown = states(app)
        assert [step for step, state in shown.items() if state is StepState.DONE] == \
            ["image", "account", "login", "tag"], shown
        assert warnings(app) == []


async def finish_in_the_tutor(pilot: Any, app: TutorApp, registry: RegistryUnderTest, user: str,
                              password: str, remote: str) -> None:
    """Do every step by typing in the tutor's command box, Enter moving on after each."""
    async def on(step: str) -> None:
        await settle(pilot)
        if isinstance(app.screen, RegistryScreen):  # verify's first pass shows the registry's view
            await pilot.press("escape")
            await settle(pilot)
        assert isinstance(app.screen, StepScreen) and app.screen.step.id == step, app.screen

    await on("image")
    await type_command(pilot, "")  # image is done: Enter goes to the first step not done
    await on("login")  # the account exists on the practice registry: done ahead, jumped over
    await type_command(pilot, f"docker login {registry.address} -u {user}")
    await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
    await pilot.press(*password, "enter")
    for line, step in ((f"docker tag {HELLO_IMAGE} {remote}", "tag"), (f"docker push {remote}", "push")):
        await settle(pilot)
        await type_command(pilot, "")
        await on(step)
        await type_command(pilot, line)
    for step in ("verify", "pull"):
        await settle(pilot)
        await type_command(pilot, "")
        await on(step)
    await type_command(pilot, f"docker rmi {remote}")
    await settle(pilot)
    await type_command(pilot, f"docker pull {remote}")
    await settle(pilot)
    assert states(app)["pull"] is StepState.DONE
    await type_command(pilot, "")
    await settle(pilot)
    assert isinstance(app.screen, FinishScreen)


async def test_finished_in_the_tutor_stays_done_across_tutor_and_daemon_restarts(
        registry: RegistryUnderTest, account: tuple[str, str], remote: str, own_daemon: OwnDaemon,  # noqa: F811
        tmp_path: Path) -> None:
    """Finish, restart the tutor and the engine (its events are gone): all done, nothing contradicts.

    Then remove the pulled image: only the pull is taken back, and the notice says what changed.
    """
    user, password = account
    store = ProgressStore(tmp_path / "progress.json")
    app = make_app(registry, user, tmp_path, store=store, engine_url=own_daemon.url)
    async with app.run_test(size=(100, 32)) as pilot:
        await finish_in_the_tutor(pilot, app, registry, user, password, remote)

    own_daemon.restart()
    key = ProgressKey(registry.address, user, LESSON_ID)
    engine = Engine.connect("docker", base_url=own_daemon.url)
    try:  # the engine's event log is gone: the pull can only be proven by its recorded evidence
        assert engine.image_events(store.load(key).started_nano, time.time_ns()) == []
    finally:
        engine.close()

    again = make_app(registry, user, tmp_path, store=store, engine_url=own_daemon.url)
    async with again.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, FinishScreen)
        assert set(states(again).values()) == {StepState.DONE}, states(again)
        assert warnings(again) == []

    assert own_daemon.cli("rmi", remote).returncode == 0
    third = make_app(registry, user, tmp_path, store=store, engine_url=own_daemon.url)
    async with third.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert isinstance(third.screen, StepScreen) and third.screen.step.id == "pull"
        shown = states(third)
        assert [step for step, state in shown.items() if state is not StepState.DONE] == ["pull"], shown
        notices = warnings(third)
        assert len(notices) == 1 and "Pull it back" in notices[0] and "no longer here" in notices[0], notices
    assert store.load(key).state("pull") is None and store.load(key).proof("pull") == {}


async def test_the_welcome_form_comes_back_filled_in_with_the_other_labs_listed(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """After a lab, the form offers "Continue as USER on REGISTRY" (Enter), lists other labs; options win."""
    user, _password = account
    store = ProgressStore(tmp_path / "progress.json")
    first = make_app(registry, user, tmp_path, store=store)
    async with first.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
    other = store.load(ProgressKey("docker.io", "bob", "deploy-a-change"))  # another lab, another lesson
    other.mark_done("v1")
    other.remember_choice({"registry": "docker.io", "user": "bob", "engine": "docker", "steps": "6"})
    other.used = "2020-01-01T00:00:00.000+00:00"
    store.save(other)

    again = TutorApp(LabOptions(), watch=False, practice=FixturePractice(registry), store=store)
    async with again.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        form = again.screen
        assert isinstance(form, WelcomeScreen)
        assert form.query_one("#user", Input).value == user
        assert (form.query_one("#registry", Select).value, form.query_one("#address", Input).value) == \
            (OTHER, registry.address)
        assert form.query_one("#engine", Select).value == "docker"
        go_on = form.query_one("#continue", Button)
        assert str(go_on.label) == f"Continue as {user} on {registry.address}" and go_on.has_focus
        assert [str(button.label) for button in form.query(".other-lab").results(Button)] == \
            ["bob on Docker Hub, Deploy a change: 1 of 6 steps done"]
        assert form.query_one("#lesson-choice", Select).value == LESSON_ID
        await pilot.press("enter")  # the default action
        await settle(pilot)
        assert again.lab is not None and again.lab.target.user == user
        assert isinstance(again.screen, StepScreen) and again.screen.step.id == "login"  # first not done

    told = TutorApp(LabOptions(registry="docker.io", given=frozenset({"registry"})), watch=False, store=store)
    async with told.run_test(size=(100, 32)) as pilot:  # --registry docker.io wins: bob's lab is the one
        await settle(pilot)
        form = told.screen
        assert isinstance(form, WelcomeScreen)
        assert (form.query_one("#registry", Select).value, form.query_one("#user", Input).value) == \
            (DOCKER_HUB, "bob")
        assert str(form.query_one("#continue", Button).label) == "Continue as bob on Docker Hub"
        # Continuing selects its lab.
        assert form.query_one("#lesson-choice", Select).value == "deploy-a-change"


async def test_a_practice_lab_is_offered_by_name(tmp_path: Path) -> None:
    """The practice registry reads as such: "Continue as dana on the practice registry"."""
    store = ProgressStore(tmp_path / "progress.json")
    entry = store.load(ProgressKey("localhost:5000", "dana", LESSON_ID))
    entry.mark_done("image")
    entry.remember_choice({"registry": PRACTICE, "user": "dana", "lang": "en", "steps": "7"})
    store.save(entry)
    app = TutorApp(LabOptions(), watch=False, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, WelcomeScreen)
        assert str(form.query_one("#continue", Button).label) == "Continue as dana on the practice registry"
        assert (form.query_one("#registry", Select).value, form.query_one("#user", Input).value) == \
            (PRACTICE, "dana")


def test_on_the_containerd_store_a_pull_stays_proven_without_history_until_contradicted(
        modern_gateway: Engine, registry: RegistryUnderTest, account: tuple[str, str],
        modern_hello_image: str, modern_cli: Any) -> None:
    """Docker 26's containerd store: the lab in the terminal, then the shared rule, no history in sight."""
    user, password = account
    lab = TerminalLab(modern_gateway, registry, user, password)
    progress = LessonProgress(ProgressKey(registry.address, user, LESSON_ID))
    steps = load_lesson(LESSON_ID).steps
    try:
        for args, stdin in ((("login", registry.address, "-u", user, "--password-stdin"), password),
                            (("tag", HELLO_IMAGE, lab.target.repository), None),
                            (("push", lab.target.repository), None), (("rmi", lab.target.remote_ref), None),
                            (("pull", lab.target.repository), None)):
            result = modern_cli(*args, stdin=stdin)
            assert result.returncode == 0, (args, result.stderr)
        assert {v.result.step: v.standing for v in check_lab(progress, lab.context(), steps)} == \
            dict.fromkeys(CHECK_IDS, "done")
        proof = progress.proof("pull")
        assert proof["image_id"] == modern_gateway.image(lab.target.remote_ref).id  # type: ignore[union-attr]

        progress.started = datetime.now(timezone.utc).isoformat()  # history before now is out of sight
        pull = next(v for v in check_lab(progress, lab.context(), steps) if v.result.step == "pull")
        assert pull.standing == "done" and "unchanged" in pull.result.detail, pull.result

        assert modern_cli("rmi", lab.target.remote_ref).returncode == 0
        verdicts = {v.result.step: v for v in check_lab(progress, lab.context(), steps)}
        assert [step for step, v in verdicts.items() if v.revoked] == ["pull"]
        assert "no longer here" in verdicts["pull"].result.detail
    finally:
        lab.cleanup()
