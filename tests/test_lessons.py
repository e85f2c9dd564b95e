"""Lesson files: parsing the Markdown format, placeholders, and the shipped registry lab."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.lessons import model as lessons
from tutor.core.lessons.model import LessonError, fill, lesson_values, load_lesson
from tutor.core.target import Target

STEP_IDS = ["image", "account", "login", "tag", "push", "verify", "pull"]

SMALL = """\
---
id: tiny
title: A tiny lesson
registries: practice
---

# A tiny lesson

Hello {user}.

## Step: tag — Tag it

Give it a name.

```docker
docker tag {image} {repository}
```

```podman
podman tag {image} \\
  {repository}
```

check: tag

### Hints

- First hint with `{image}`.
- Second hint,
  on two lines.

### Solution

```docker
# comment lines are not commands
docker tag {image} {repository}
```

### Mistakes

- `docker push {remote_ref}` -> not_tagged
"""


def write(tmp_path: Path, text: str, lang: str = "en", name: str = "tiny.md") -> Path:
    path = tmp_path / lang / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_lesson_parses_into_steps(tmp_path: Path) -> None:
    lesson = lessons.parse_lesson_file(write(tmp_path, SMALL))
    assert (lesson.id, lesson.title, lesson.lang, lesson.registries) == (
        "tiny", "A tiny lesson", "en", ("practice",))
    assert lesson.intro == "Hello {user}."
    (step,) = lesson.steps
    assert (step.id, step.title, step.check, step.line) == ("tag", "Tag it", "tag", 11)
    assert step.commands == {"docker": ("docker tag {image} {repository}",),
                             "podman": ("podman tag {image} {repository}",)}
    assert step.hints == ("First hint with `{image}`.", "Second hint,\n  on two lines.")
    assert step.solution == {"docker": ("docker tag {image} {repository}",)}
    assert [(w.command, w.expect, w.line) for w in step.wrong_attempts] == [
        ("docker push {remote_ref}", "not_tagged", 41)]
    assert step.lines["check"] == 24
    assert step.lines["docker"] == 15
    assert (step.lines["docker#0"], step.lines["podman#0"], step.lines["solution.docker#0"]) == (16, 20, 36)
    assert "check:" not in step.body
    assert lesson.step("tag") is step
    with pytest.raises(KeyError):
        lesson.step("push")


def test_body_for_keeps_only_the_engines_commands(tmp_path: Path) -> None:
    step = lessons.parse_lesson_file(write(tmp_path, SMALL)).steps[0]
    podman = step.body_for("podman")
    assert "podman tag" in podman and "docker tag" not in podman
    assert "```sh" in podman
    assert "docker tag" in step.body_for("docker") and "podman tag" not in step.body_for("docker")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nid: x\n", ":1: the front matter opened with '---' is never closed"),
        ("---\nid x\n---\n", ":2: front matter lines are 'key: value'"),
        ("# Just a title\n\nNo steps.\n", ":1: no '## Step: <id>"),
        ("## Step: a — A\n\n### Tips and tricks\n", ":3: unknown section 'Tips and tricks'"),
        ("## Step: a — A\n\n### Mistakes\n\n- docker push x\n", ":5: a mistake is written"),
    ],
)
def test_malformed_lessons_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LessonError, match=message.replace("(", r"\(").replace("[", r"\[")) as error:
        lessons.parse_lesson_file(path)
    assert str(error.value).startswith(str(path))


def test_fill_replaces_known_placeholders_and_keeps_the_rest() -> None:
    values = {"user": "alice", "image": "hello"}
    assert fill("{user}/{image} by {nobody}", values) == "alice/hello by {nobody}"
    assert fill("literal {{user}} and ${HOME}", values) == "literal {user} and ${HOME}"
    json_and_templates = '{"auths": {}} {{.Id}} {{index .RepoDigests 0}} $DOCKERHUB_USERNAME'
    assert fill(json_and_templates, values) == json_and_templates
    assert lessons.placeholders_in("{user} {{not}} {remote_ref} {Upper}") == ["user", "remote_ref"]


def test_lesson_values_for_docker_hub_and_a_local_registry() -> None:
    hub = lesson_values(Target.create("docker.io", "alice"), "docker")
    assert hub == {"user": "alice", "registry": "docker.io", "image": "python-hello-world", "tag": "latest",
                   "repository": "alice/python-hello-world",
                   "remote_ref": "alice/python-hello-world:latest", "engine": "docker",
                   "login_registry": "docker.io"}
    local = lesson_values(Target.create("localhost:5000", "bob"), "podman")
    assert local["repository"] == "localhost:5000/bob/python-hello-world"
    assert local["login_registry"] == "localhost:5000"
    assert local["engine"] == "podman"
    assert set(hub) == set(lessons.PLACEHOLDERS)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_registry_lab_has_the_seven_steps(lang: str) -> None:
    lesson = load_lesson("push-to-registry", lang)
    assert lesson.lang == lang
    assert [step.id for step in lesson.steps] == STEP_IDS
    assert [step.check for step in lesson.steps] == STEP_IDS
    for step in lesson.steps:
        assert set(step.commands) == {"docker", "podman"}, step.id
        assert set(step.solution) == {"docker", "podman"}, step.id
        assert 2 <= len(step.hints) <= 3, step.id
        assert step.body and step.title


def test_the_lab_fills_in_for_a_practice_registry() -> None:
    lesson = load_lesson()
    values = lesson_values(Target.create("localhost:5000", "alice"), "podman")
    push = lesson.step("push")
    assert fill(push.commands["podman"][0], values) == "podman push localhost:5000/alice/python-hello-world"
    assert "{" not in fill(push.body_for("podman"), values).replace("{{", "")


def test_an_untranslated_lesson_falls_back_to_english(tmp_path: Path) -> None:
    write(tmp_path, SMALL)
    assert load_lesson("tiny", "de", root=tmp_path).lang == "en"
    with pytest.raises(FileNotFoundError, match="no lesson 'missing'"):
        load_lesson("missing", "de", root=tmp_path)
    assert [lesson.id for lesson in lessons.list_lessons("en", root=tmp_path)] == ["tiny"]
