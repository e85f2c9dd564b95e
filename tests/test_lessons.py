"""Lessons as data: lesson.toml joined with each language's Markdown, placeholders, the shipped labs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.lessons import model as lessons
from tutor.core.lessons.files import copy_files
from tutor.core.lessons.model import LessonError, fill, lesson_values, load_lesson
from tutor.core.target import Target

STEP_IDS = ["image", "account", "login", "tag", "push", "verify", "pull"]

TOML = """\
id = "tiny"
registries = ["practice"]

[[steps]]
id = "tag"
short = { en = "Tag", de = "Taggen" }
check = "tag"
creates = [{ kind = "tag", name = "{remote_ref}" }]
offers = ["registry-view"]

[steps.solution]
docker = ["docker tag {image} {repository}"]
podman = ["podman tag {image} {repository}"]

[[steps.mistakes]]
commands = ["docker push {remote_ref}"]
expect = "not_tagged"
"""

PROSE = """\
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

### Hints

- First hint with `{image}`.
- Second hint,
  on two lines.
"""


def write(tmp_path: Path, toml: str = TOML, prose: str = PROSE, lang: str = "en") -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir(exist_ok=True)
    (folder / "lesson.toml").write_text(toml, encoding="utf-8")
    (folder / f"{lang}.md").write_text(prose, encoding="utf-8")
    return folder


def test_a_small_lesson_joins_metadata_and_prose(tmp_path: Path) -> None:
    write(tmp_path)
    lesson = load_lesson("tiny", "en", root=tmp_path)
    assert (lesson.id, lesson.title, lesson.lang, lesson.registries) == (
        "tiny",
        "A tiny lesson",
        "en",
        ("practice",),
    )
    assert lesson.intro == "Hello {user}."
    (step,) = lesson.steps
    assert (step.id, step.title, step.short_title, step.check, step.line) == (
        "tag",
        "Tag it",
        "Tag",
        "tag",
        5,
    )
    assert step.commands == {
        "docker": ("docker tag {image} {repository}",),
        "podman": ("podman tag {image} {repository}",),
    }
    assert step.hints == ("First hint with `{image}`.", "Second hint,\n  on two lines.")
    assert step.solution == {
        "docker": ("docker tag {image} {repository}",),
        "podman": ("podman tag {image} {repository}",),
    }
    assert [(w.commands, w.expect, w.engine) for w in step.wrong_attempts] == [
        (("docker push {remote_ref}",), "not_tagged", "docker")
    ]
    assert step.creates == (lessons.Created("tag", "{remote_ref}"),) and step.offers == ("registry-view",)
    assert lesson.step("tag") is step
    with pytest.raises(KeyError):
        lesson.step("push")


def test_the_short_title_follows_the_language(tmp_path: Path) -> None:
    write(tmp_path, prose=PROSE.replace("## Step:", "## Schritt:"), lang="de")
    assert load_lesson("tiny", "de", root=tmp_path).steps[0].short_title == "Taggen"


def test_body_for_keeps_only_the_engines_commands(tmp_path: Path) -> None:
    write(tmp_path)
    step = load_lesson("tiny", root=tmp_path).steps[0]
    podman = step.body_for("podman")
    assert "podman tag" in podman and "docker tag" not in podman
    assert "```sh" in podman


@pytest.mark.parametrize(
    ("toml", "prose", "message"),
    [
        (
            TOML.replace('id = "tiny"', 'id = "small"'),
            PROSE,
            "lesson.toml:1: id 'small' differs from the folder",
        ),
        (TOML + "\n[[steps]]\nid = 3\n", PROSE, "lesson.toml:19: 'id' must be a text"),
        (TOML.replace("[steps.solution]", "[steps.solution]\nbash = []"), PROSE, "unknown key 'bash'"),
        (TOML, "---\nid: tiny\n---\n" + PROSE, "en.md:1: front matter moved to lesson.toml"),
        (TOML, PROSE.replace("a name.", "a name.\n\ncheck: tag"), "en.md:9: 'check:' moved to lesson.toml"),
        (
            TOML,
            PROSE.replace("### Hints", "### Tips and tricks"),
            "en.md:18: unknown section 'Tips and tricks'",
        ),
        (TOML, PROSE.replace("Step: tag", "Step: push"), "the steps are push but lesson.toml has tag"),
        ("id = [", PROSE, "lesson.toml:1: not valid TOML"),
    ],
)
def test_malformed_lessons_name_the_file_and_line(
    tmp_path: Path, toml: str, prose: str, message: str
) -> None:
    write(tmp_path, toml, prose)
    with pytest.raises(LessonError) as error:
        load_lesson("tiny", root=tmp_path)
    assert message in str(error.value)


def test_fill_replaces_known_placeholders_and_keeps_the_rest() -> None:
    values = {"user": "alice", "image": "hello"}
    assert fill("{user}/{image} by {nobody}", values) == "alice/hello by {nobody}"
    assert fill("literal {{user}} and ${HOME}", values) == "literal {user} and ${HOME}"
    json_and_templates = '{"auths": {}} {{.Id}} {{index .RepoDigests 0}} $DOCKERHUB_USERNAME'
    assert fill(json_and_templates, values) == json_and_templates
    assert lessons.placeholders_in("{user} {{not}} {remote_ref} {Upper}") == ["user", "remote_ref"]


def test_lesson_values_for_docker_hub_a_local_registry_and_found_facts() -> None:
    hub = lesson_values(Target.create("docker.io", "alice"), "docker", "/lab")
    assert hub == {
        "user": "alice",
        "registry": "docker.io",
        "image": "python-hello-world",
        "image_name": "python-hello-world",
        "tag": "latest",
        "repository": "alice/python-hello-world",
        "remote_ref": "alice/python-hello-world:latest",
        "engine": "docker",
        "login_registry": "docker.io",
        "build_dir": "/lab",
    }
    local = lesson_values(
        Target.create("localhost:5000", "bob"), "podman", facts={"v2_digest": "sha256:ab", "size": "3"}
    )
    assert local["repository"] == "localhost:5000/bob/python-hello-world"
    assert local["v2_digest"] == "sha256:ab" and "size" not in local
    assert set(hub) | {"v1_digest", "v2_digest"} == set(lessons.PLACEHOLDERS)


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
        assert step.body and step.title and step.short_title


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_deploy_lab_has_its_six_steps_and_build_folder(lang: str, tmp_path: Path) -> None:
    lesson = load_lesson("deploy-a-change", lang)
    assert [step.id for step in lesson.steps] == [
        "v1",
        "change",
        "tags",
        "push-again",
        "versions",
        "by-digest",
    ]
    assert lesson.files == "deploy-a-change"
    values = lesson_values(Target.create("localhost:5000", "alice"), "docker", tmp_path / "lab")
    assert copy_files(lesson, values, tmp_path / "lab")
    assert (tmp_path / "lab" / "Dockerfile").read_text().splitlines()[1] == "FROM python-hello-world"
    (tmp_path / "lab" / "message.txt").write_text("my change\n")
    assert not copy_files(lesson, values, tmp_path / "lab")  # the learner's edit stays
    assert (tmp_path / "lab" / "message.txt").read_text() == "my change\n"


def test_the_lab_fills_in_for_a_practice_registry() -> None:
    lesson = load_lesson()
    values = lesson_values(Target.create("localhost:5000", "alice"), "podman")
    push = lesson.step("push")
    assert fill(push.commands["podman"][0], values) == "podman push localhost:5000/alice/python-hello-world"
    assert "{" not in fill(push.body_for("podman"), values).replace("{{", "")


def test_an_untranslated_lesson_falls_back_to_english_and_lessons_are_listed(tmp_path: Path) -> None:
    write(tmp_path)
    assert load_lesson("tiny", "de", root=tmp_path).lang == "en"
    with pytest.raises(FileNotFoundError, match="no lesson 'missing'"):
        load_lesson("missing", "de", root=tmp_path)
    assert [lesson.id for lesson in lessons.list_lessons("en", root=tmp_path)] == ["tiny"]
    assert lessons.lesson_ids() == ["push-to-registry", "deploy-a-change"]
