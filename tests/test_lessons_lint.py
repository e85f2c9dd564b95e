"""`registry-tutor lessons lint`: the shipped lessons pass, and broken copies are caught with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor.__main__ import main
from tutor.core.lessons.lint import lint
from tutor.core.resources import data_dir

LESSON = "push-to-registry"


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    """Fresh copies of the shipped lessons (lesson.toml, en.md, de.md), to break on purpose."""
    shutil.copytree(data_dir("lessons"), tmp_path, dirs_exist_ok=True)
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
    assert "deploy-a-change: 6 steps in de, en" in out
    assert "OK" in out


def test_the_copies_pass_before_they_are_broken(copies: Path) -> None:
    assert messages(copies) == []


def test_an_unknown_placeholder_is_reported_at_its_line(copies: Path) -> None:
    path = copies / LESSON / "en.md"
    line = edit(path, "docker push {repository}", "docker push {repo}")
    found = messages(copies)
    assert f"{path}:{line}: unknown placeholder {{repo}}" in found[0]
    assert len(found) == 1


def test_a_missing_step_in_one_language_is_reported(copies: Path) -> None:
    path = copies / LESSON / "de.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("## Schritt: verify"), text.index("## Schritt: pull")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert messages(copies) == [
        f"{path}:1: step 'verify' of {copies / LESSON / 'lesson.toml'} is missing here"
    ]


def test_steps_in_another_order_are_reported(copies: Path) -> None:
    path = copies / LESSON / "de.md"
    text = path.read_text(encoding="utf-8")
    tag, push, verify = (text.index(f"## Schritt: {name}") for name in ("tag", "push", "verify"))
    path.write_text(text[:tag] + text[push:verify] + text[tag:push] + text[verify:], encoding="utf-8")
    found = messages(copies)
    assert len(found) == 1
    assert "steps are in another order" in found[0] and found[0].startswith(f"{path}:1:")


def test_a_duplicate_step_id_and_an_unknown_check_are_reported(copies: Path) -> None:
    path = copies / "deploy-a-change" / "lesson.toml"
    edit(path, 'id = "tags"', 'id = "change"')
    line = edit(path, 'check = "versions"', 'check = "version"')
    found = messages(copies)
    assert any("step id 'change' is used twice" in message for message in found)
    assert any(
        m.startswith(f"{path}:{line - 3}: step 'versions': unknown check 'version' (known: image,")
        for m in found
    )


def test_a_missing_language_is_reported(copies: Path) -> None:
    (copies / "deploy-a-change" / "de.md").unlink()
    assert messages(copies) == [
        f"{copies / 'deploy-a-change' / 'de.md'}:1: lesson 'deploy-a-change' has no de "
        "text: write de.md (every lesson has en, de)"
    ]


def test_a_command_the_interpreter_refuses_is_reported(copies: Path) -> None:
    path = copies / LESSON / "en.md"
    line = edit(
        path,
        "docker tag {image} {repository}\n```\n\n```podman\npodman tag {image} {repository}\n"
        "```\n\nOn Docker Hub",
        "docker tag {image} {repository} && docker images\n```\n\n```podman\n"
        "podman tag {image} {repository}\n```\n\nOn Docker Hub",
    )
    found = messages(copies)
    assert len(found) == 1
    assert found[0].startswith(
        f"{path}:{line}: `docker tag {{image}} {{repository}} && docker images`: "
        "the tutor's interpreter refuses it"
    )


def test_an_unclosed_fence_and_a_bad_mistake_key_are_reported(copies: Path) -> None:
    toml = copies / LESSON / "lesson.toml"
    key_line = edit(toml, 'expect = "manifest_unknown"', 'expect = "manifest_missing"')
    path = copies / LESSON / "de.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n\n```docker\ndocker images\n", encoding="utf-8")
    fence_line = len(text.rstrip("\n").splitlines()) + 2
    found = messages(copies)
    assert any(
        m.startswith(f"{toml}:{key_line - 2}: unknown explainer key 'manifest_missing'") for m in found
    )
    assert f"{path}:{fence_line}: code block opened with ``` is never closed" in found


def test_metadata_left_in_the_markdown_is_reported_and_lint_exits_1(
    copies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copies / LESSON / "en.md"
    line = edit(path, "### Hints\n\n- `Login Succeeded`", "### Solution\n\n- `Login Succeeded`")
    assert main(["lessons", "lint", str(copies)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{line}: 'Solution' moved to lesson.toml" in out


def test_a_step_without_check_or_podman_solution_is_reported(copies: Path) -> None:
    path = copies / LESSON / "lesson.toml"
    edit(path, 'check = "login"\n', "")
    found = messages(copies)
    assert any("step 'login' has no check = " in m for m in found)
    edit(path, 'podman = ["podman login {login_registry} -u {user}"]\n', "")
    assert any("step 'login' has no podman solution" in m for m in messages(copies))


def test_an_unknown_key_in_lesson_toml_is_reported_with_its_line(copies: Path) -> None:
    path = copies / "deploy-a-change" / "lesson.toml"
    line = edit(path, 'check = "v2_built"', 'check = "v2_built"\nchek = "typo"')
    found = messages(copies)
    assert found == [
        f"{path}:{line + 1}: unknown key 'chek' in a step (known: check, check_after, confirmed_later, "
        "creates, exports_user, id, mistakes, offers, opens_registry_view, registry_view, short, "
        "solution)"
    ]
