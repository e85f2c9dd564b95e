"""`registry-tutor lessons test` against the real daemon, Podman and the fixture registry."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RegistryUnderTest
from tests.test_lessons_lint import copies, edit
from tutor.__main__ import main
from tutor.core.lessons.model import lesson_ids, load_lesson

__all__ = ["copies"]  # the fixture of broken copies, shared with the lint tests
Capture = pytest.CaptureFixture[str]
LAB = "push-to-registry"


def lessons_test(registry: RegistryUnderTest, *extra: str) -> list[str]:
    return ["lessons", "test", *extra, "--registry", registry.address, "--htpasswd",
            str(registry.config.htpasswd)]


def assert_every_step_passed(out: str, lesson: str, lang: str, engine: str) -> None:
    assert f"ok    {lang}/{engine} no check passes on the starting state" in out
    for step in load_lesson(lesson, lang).steps:
        assert f"ok    {lang}/{engine} {step.id}: the check passes after the solution" in out
        for attempt in (a for a in step.wrong_attempts if a.engine == engine):
            assert f"is explained as {attempt.expect}" in out
    assert f"OK: {lesson} works in" in out


@pytest.mark.engine
@pytest.mark.registry
@pytest.mark.parametrize("lesson", lesson_ids())
def test_every_shipped_lesson_passes_in_every_language_on_docker(
        lesson: str, registry: RegistryUnderTest, hello_image: str, capsys: Capture) -> None:
    """What CI runs over every lesson in lessons/: each step's check fails before and passes after."""
    accounts_before = set(registry.config.htpasswd.read_text().splitlines())
    assert main(lessons_test(registry, lesson)) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    for lang in ("en", "de"):
        assert_every_step_passed(out, lesson, lang, "docker")
    assert set(registry.config.htpasswd.read_text().splitlines()) == accounts_before


@pytest.mark.podman
@pytest.mark.registry
@pytest.mark.parametrize("lesson", lesson_ids())
def test_every_shipped_lesson_passes_on_podman(lesson: str, registry: RegistryUnderTest, podman_socket: str,
                                               podman_hello_image: str, capsys: Capture) -> None:
    code = main(lessons_test(registry, lesson, "--engine", "podman", "--engine-url", podman_socket,
                             "--lang", "en"))
    out = capsys.readouterr()
    assert code == 0, out
    assert_every_step_passed(out.out, lesson, "en", "podman")


@pytest.mark.engine
@pytest.mark.registry
def test_a_given_account_is_used_and_confirmed(registry: RegistryUnderTest, account: tuple[str, str],
                                               hello_image: str, monkeypatch: pytest.MonkeyPatch,
                                               capsys: Capture) -> None:
    user, password = account
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    code = main(["lessons", "test", LAB, "--registry", registry.address, "--user", user, "--password-stdin",
                 "--lang", "de"])
    out = capsys.readouterr()
    assert code == 0, out
    assert f"ok    de/docker account: {user} kann sich bei {registry.address} anmelden" in out.out


@pytest.mark.engine
@pytest.mark.registry
def test_a_check_that_does_not_test_its_step_is_caught(registry: RegistryUnderTest, hello_image: str,
                                                        copies: Path, capsys: Capture) -> None:
    """The push step checks 'tag', which the tag step already made true: the check cannot fail."""
    edit(copies / LAB / "lesson.toml", 'check = "push"\n', 'check = "tag"\n')
    assert main(lessons_test(registry, LAB, "--lessons-dir", str(copies), "--lang", "de")) == 1
    err = capsys.readouterr().err
    assert f"{copies / LAB / 'de.md'}:" in err
    assert "check 'tag' already passes before the solution of step 'push'" in err


@pytest.mark.engine
@pytest.mark.registry
def test_a_verify_step_without_check_after_is_caught(registry: RegistryUnderTest, hello_image: str,
                                                     copies: Path, capsys: Capture) -> None:
    """verify already passes once pushed: without `check_after = "push"` the lesson would claim otherwise."""
    edit(copies / LAB / "lesson.toml", 'check_after = "push"\n', "")
    assert main(lessons_test(registry, LAB, "--lessons-dir", str(copies), "--lang", "en")) == 1
    assert "check 'verify' already passes before the solution of step 'verify'" in capsys.readouterr().err


@pytest.mark.engine
@pytest.mark.registry
def test_a_wrong_explainer_expectation_is_caught(registry: RegistryUnderTest, hello_image: str,
                                                 copies: Path, capsys: Capture) -> None:
    path = copies / LAB / "lesson.toml"
    edit(path, 'commands = ["docker push {remote_ref}"]\nexpect = "not_tagged"',
         'commands = ["docker push {remote_ref}"]\nexpect = "denied"')
    lines = path.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text == 'expect = "denied"') - 2
    assert main(lessons_test(registry, LAB, "--lessons-dir", str(copies), "--lang", "en")) == 1
    err = capsys.readouterr().err
    assert f"{path}:{line}: `docker push " in err
    assert "gave not_tagged" in err and "the lesson expects denied" in err


@pytest.mark.engine
@pytest.mark.registry
def test_a_solution_that_does_not_pass_is_caught_in_the_second_lab(
        registry: RegistryUnderTest, hello_image: str, copies: Path, capsys: Capture) -> None:
    """A broken lesson other than the first: v2's push forgotten, so its check never passes."""
    path = copies / "deploy-a-change" / "lesson.toml"
    edit(path, 'docker = ["docker tag {image_name}:v2 {repository}:v2", "docker push {repository}:v2"]',
         'docker = ["docker tag {image_name}:v2 {repository}:v2"]')
    assert main(lessons_test(registry, "deploy-a-change", "--lessons-dir", str(copies), "--lang", "en")) == 1
    err = capsys.readouterr().err
    assert "after the solution of step 'push-again' its check 'v2_pushed' says todo" in err


def test_lint_problems_stop_the_test_before_anything_runs(registry: RegistryUnderTest, copies: Path,
                                                          capsys: Capture) -> None:
    """A missing language and an unknown placeholder are caught without an engine."""
    (copies / "deploy-a-change" / "de.md").unlink()
    path = copies / "deploy-a-change" / "en.md"
    line = edit(path, "docker push {repository}:v1", "docker push {repo}:v1")
    assert main(lessons_test(registry, "deploy-a-change", "--lessons-dir", str(copies))) == 1
    out = capsys.readouterr().out
    assert f"{copies / 'deploy-a-change' / 'de.md'}:1: lesson 'deploy-a-change' has no de text" in out
    assert f"{path}:{line}: unknown placeholder {{repo}}" in out


def test_an_account_source_is_required(registry: RegistryUnderTest, capsys: Capture) -> None:
    assert main(["lessons", "test", "--registry", registry.address]) == 2
    assert "give an account" in capsys.readouterr().err


def test_an_unknown_lesson_is_named(registry: RegistryUnderTest, capsys: Capture) -> None:
    assert main(lessons_test(registry, "no-such-lab")) == 2
    err = capsys.readouterr().err
    assert "no lesson 'no-such-lab'; the lessons are: push-to-registry, deploy-a-change" in err


@pytest.mark.engine
@pytest.mark.registry
def test_the_practice_registry_creates_the_account_itself(hello_image: str, capsys: Capture) -> None:
    """With --registry practice the account step's add-user really creates (then removes) the account."""
    from tutor.core.registry.practice import PracticeRegistry

    practice = PracticeRegistry()
    try:
        code = main(["lessons", "test", LAB, "--registry", "practice", "--lang", "en"])
        assert code == 0, capsys.readouterr()
        out = capsys.readouterr().out
        assert "ok    en/docker account: check 'account' says todo before the solution" in out
        assert "ok    en/docker account: the check passes after the solution" in out
        assert practice.users() == []
    finally:
        practice.stop()


@pytest.mark.engine
@pytest.mark.registry
@pytest.mark.parametrize("lesson", lesson_ids())
def test_every_shipped_lesson_passes_on_the_containerd_store(lesson: str, registry: RegistryUnderTest,
                                                             modern_daemon: Any, modern_hello_image: str,
                                                             capsys: Capture) -> None:
    """Docker 26 with the containerd image store: image IDs are manifest digests, the checks still hold."""
    code = main(lessons_test(registry, lesson, "--engine", "docker", "--engine-url", modern_daemon.url,
                             "--lang", "en"))
    out = capsys.readouterr()
    assert code == 0, out
    assert_every_step_passed(out.out, lesson, "en", "docker")
