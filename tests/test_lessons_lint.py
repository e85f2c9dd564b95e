"""`registry-tutor lessons lint`: the shipped lessons pass, and broken copies are caught with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor.__main__ import main
from tutor.core.lessons.lint import lint
from tutor.core.resources import data_dir

LESSON = "push-to-registry.md"


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    """Fresh copies of the shipped English and German lab, to break on purpose."""
    for lang in ("en", "de"):
        (tmp_path / lang).mkdir()
        shutil.copy(data_dir("lessons") / lang / LESSON, tmp_path / lang / LESSON)
    return tmp_path


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace OLD by NEW in the file and return the 1-based line where OLD was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def messages(root: Path) -> list[str]:
    return [str(problem) for problem in lint([root])[0]]


def test_the_shipped_lessons_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons", "lint"]) == 0
    out = capsys.readouterr().out
    assert "push-to-registry: 7 steps in de, en" in out
    assert "OK" in out


def test_the_copies_pass_before_they_are_broken(copies: Path) -> None:
    assert messages(copies) == []


def test_an_unknown_placeholder_is_reported_at_its_line(copies: Path) -> None:
    path = copies / "en" / LESSON
    line = edit(path, "docker push {repository}", "docker push {repo}")
    found = messages(copies)
    assert f"{path}:{line}: unknown placeholder {{repo}}" in found[0]
    assert len(found) == 1


def test_a_missing_step_in_one_language_is_reported(copies: Path) -> None:
    path = copies / "de" / LESSON
    text = path.read_text(encoding="utf-8")
    start, end = text.index("## Schritt: verify"), text.index("## Schritt: pull")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert messages(copies) == [
        f"{path}:1: step 'verify' of {copies / 'en' / LESSON} is missing in de"]


def test_steps_in_another_order_are_reported(copies: Path) -> None:
    path = copies / "de" / LESSON
    text = path.read_text(encoding="utf-8")
    tag, push, verify = (text.index(f"## Schritt: {name}") for name in ("tag", "push", "verify"))
    path.write_text(text[:tag] + text[push:verify] + text[tag:push] + text[verify:], encoding="utf-8")
    found = messages(copies)
    assert len(found) == 1
    assert "steps are in another order" in found[0] and found[0].startswith(f"{path}:1:")


def test_a_duplicate_step_id_and_an_unknown_check_are_reported(copies: Path) -> None:
    path = copies / "en" / LESSON
    edit(path, "## Step: verify", "## Step: push")
    check_line = edit(path, "check: pull", "check: pulled")
    found = messages(copies)
    assert any("step id 'push' is used twice" in message for message in found)
    assert f"{path}:{check_line}: unknown check 'pulled' (known: image, account, login, tag, push, " \
           "verify, pull)" in found


def test_a_check_that_differs_between_languages_is_reported(copies: Path) -> None:
    line = edit(copies / "de" / LESSON, "check: verify after push", "check: verify")
    assert messages(copies) == [f"{copies / 'de' / LESSON}:{line}: step 'verify' says 'check: verify' "
                                "but en says 'check: verify after push'"]


def test_a_command_the_interpreter_refuses_is_reported(copies: Path) -> None:
    path = copies / "en" / LESSON
    line = edit(path, "docker tag {image} {repository}\n```\n\n```podman\npodman tag {image} {repository}\n"
                "```\n\nOn Docker Hub", "docker tag {image} {repository} && docker images\n```\n\n```podman\n"
                "podman tag {image} {repository}\n```\n\nOn Docker Hub")
    found = messages(copies)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:{line}: `docker tag {{image}} {{repository}} && docker images`: "
                               "the tutor's interpreter refuses it")


def test_an_unclosed_fence_and_a_bad_mistake_key_are_reported(copies: Path) -> None:
    path = copies / "de" / LESSON
    key_line = edit(path, "-> manifest_unknown", "-> manifest_missing")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n\n```docker\ndocker images\n", encoding="utf-8")
    fence_line = len(text.rstrip("\n").splitlines()) + 2
    found = messages(copies)
    assert any(m.startswith(f"{path}:{key_line}: unknown explainer key 'manifest_missing'") for m in found)
    assert f"{path}:{fence_line}: code block opened with ``` is never closed" in found


def test_a_malformed_file_is_reported_and_lint_exits_1(copies: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = copies / "en" / LESSON
    line = edit(path, "### Mistakes", "### Pitfalls")
    assert main(["lessons", "lint", str(copies)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{line}: unknown section 'Pitfalls'; use Hints, Solution or Mistakes" in out


def test_a_step_without_check_or_podman_solution_is_reported(copies: Path) -> None:
    path = copies / "en" / LESSON
    check_line = edit(path, "check: login\n", "")
    found = messages(copies)
    assert any("step 'login' has no 'check: NAME' line" in m for m in found)
    assert check_line > 0
    edit(path, "```podman\npodman login {login_registry} -u {user}\n```", "")
    assert any("step 'login' has no ```podman block under its Solution" in m for m in messages(copies))
