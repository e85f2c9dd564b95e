"""`registry-tutor lessons test` against the real daemon, Podman and the fixture registry."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import RegistryUnderTest
from tests.test_lessons_lint import LESSON, copies, edit
from tutor.__main__ import main
from tutor.core.lessons.model import load_lesson
from tutor.core.resources import data_dir

__all__ = ["copies"]  # the fixture of broken copies, shared with the lint tests
Capture = pytest.CaptureFixture[str]


def lessons_test(registry: RegistryUnderTest, *extra: str) -> list[str]:
    return ["lessons", "test", *extra, "--registry", registry.address, "--htpasswd",
            str(registry.config.htpasswd)]


@pytest.mark.engine
@pytest.mark.registry
@pytest.mark.parametrize("lesson", sorted(p.stem for p in (data_dir("lessons") / "en").glob("*.md")))
def test_every_shipped_lesson_passes_in_every_language_on_docker(
        lesson: str, registry: RegistryUnderTest, hello_image: str, capsys: Capture) -> None:
    """What CI runs over every lesson in lessons/: each step's check fails before and passes after."""
    accounts_before = set(registry.config.htpasswd.read_text().splitlines())
    langs = ["en", "de"]  # every lesson must exist in both; lessons test fails on a missing one
    assert main(lessons_test(registry, lesson)) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    for lang in langs:
        assert f"ok    {lang}/docker no check passes on the starting state" in out
        for step in load_lesson(lesson, lang).steps:
            assert f"ok    {lang}/docker {step.id}: the check passes after the solution" in out
            for attempt in (a for a in step.wrong_attempts if a.command.startswith("docker")):
                assert f"is explained as {attempt.expect}" in out
    assert f"OK: {lesson} works in en, de on docker" in out
    assert set(registry.config.htpasswd.read_text().splitlines()) == accounts_before


@pytest.mark.podman
@pytest.mark.registry
def test_the_lab_passes_on_podman(registry: RegistryUnderTest, podman_socket: str,
                                  podman_hello_image: str, capsys: Capture) -> None:
    code = main(lessons_test(registry, "--engine", "podman", "--engine-url", podman_socket, "--lang", "en"))
    out = capsys.readouterr()
    assert code == 0, out
    assert "ok    en/podman pull: the check passes after the solution" in out.out


@pytest.mark.engine
@pytest.mark.registry
def test_a_given_account_is_used_and_confirmed(registry: RegistryUnderTest, account: tuple[str, str],
                                               hello_image: str, monkeypatch: pytest.MonkeyPatch,
                                               capsys: Capture) -> None:
    user, password = account
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    code = main(["lessons", "test", "--registry", registry.address, "--user", user, "--password-stdin",
                 "--lang", "de"])
    out = capsys.readouterr()
    assert code == 0, out
    assert f"ok    de/docker account: {user} kann sich bei {registry.address} anmelden" in out.out


@pytest.mark.engine
@pytest.mark.registry
def test_a_check_that_does_not_test_its_step_is_caught(registry: RegistryUnderTest, hello_image: str,
                                                        copies: Path, capsys: Capture) -> None:
    """The push step checks 'tag', which the tag step already made true: the check cannot fail."""
    path = copies / "en" / LESSON
    edit(path, "check: push\n", "check: tag\n")
    line = edit(copies / "de" / LESSON, "check: push\n", "check: tag\n")
    assert main(lessons_test(registry, "--lessons-dir", str(copies), "--lang", "de")) == 1
    err = capsys.readouterr().err
    assert f"{copies / 'de' / LESSON}:{line}: check 'tag' already passes before the solution of step " \
           "'push'" in err


@pytest.mark.engine
@pytest.mark.registry
def test_a_verify_step_without_after_push_is_caught(registry: RegistryUnderTest, hello_image: str,
                                                     copies: Path, capsys: Capture) -> None:
    """verify already passes once pushed: without `after push` the lesson would claim otherwise."""
    edit(copies / "en" / LESSON, "check: verify after push", "check: verify")
    assert main(lessons_test(registry, "--lessons-dir", str(copies), "--lang", "en")) == 1
    assert "check 'verify' already passes before the solution of step 'verify'" in capsys.readouterr().err


@pytest.mark.engine
@pytest.mark.registry
def test_a_wrong_explainer_expectation_is_caught(registry: RegistryUnderTest, hello_image: str,
                                                 copies: Path, capsys: Capture) -> None:
    line = edit(copies / "en" / LESSON, "`docker push {remote_ref}` -> not_tagged",
                "`docker push {remote_ref}` -> denied")
    assert main(lessons_test(registry, "--lessons-dir", str(copies), "--lang", "en")) == 1
    err = capsys.readouterr().err
    assert f"{copies / 'en' / LESSON}:{line}: `docker push " in err
    assert "gave not_tagged" in err and "the lesson expects denied" in err


def test_lint_problems_stop_the_test_before_anything_runs(registry: RegistryUnderTest, copies: Path,
                                                          capsys: Capture) -> None:
    """A missing step in one language and an unknown placeholder are caught without an engine."""
    path = copies / "de" / LESSON
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("## Schritt: pull")], encoding="utf-8")
    line = edit(copies / "en" / LESSON, "docker rmi {remote_ref}", "docker rmi {remote}")
    assert main(lessons_test(registry, "--lessons-dir", str(copies))) == 1
    out = capsys.readouterr().out
    assert f"{path}:1: step 'pull' of {copies / 'en' / LESSON} is missing in de" in out
    assert f"{copies / 'en' / LESSON}:{line}: unknown placeholder {{remote}}" in out


def test_an_account_source_is_required(registry: RegistryUnderTest, capsys: Capture) -> None:
    assert main(["lessons", "test", "--registry", registry.address]) == 2
    assert "give an account" in capsys.readouterr().err


@pytest.mark.engine
@pytest.mark.registry
def test_the_practice_registry_creates_the_account_itself(hello_image: str, capsys: Capture) -> None:
    """With --registry practice the account step's add-user really creates (then removes) the account."""
    from tutor.core.registry.practice import PracticeRegistry

    practice = PracticeRegistry()
    try:
        assert main(["lessons", "test", "--registry", "practice", "--lang", "en"]) == 0, capsys.readouterr()
        out = capsys.readouterr().out
        assert "ok    en/docker account: check 'account' says todo before the solution" in out
        assert "ok    en/docker account: the check passes after the solution" in out
        assert practice.users() == []
    finally:
        practice.stop()
