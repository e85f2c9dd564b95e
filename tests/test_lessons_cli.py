"""The lesson choice on the command line: lessons list, --lesson for the app, check --lesson."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RegistryUnderTest
from tutor.__main__ import main

Capture = pytest.CaptureFixture[str]


def test_lessons_list_shows_both_labs_with_their_steps_in_german(capsys: Capture) -> None:
    assert main(["lessons", "list", "--lang", "de"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "push-to-registry: Dein Image in eine Registry pushen"
    assert out[8] == "deploy-a-change: Eine Änderung ausliefern"
    assert out[9].split() == ["1.", "v1", "Version", "1", "check:", "v1_pushed"]
    assert out[12].split() == ["4.", "push-again", "v2", "pushen", "check:", "v2_pushed"]


def test_an_unknown_lesson_is_refused_before_the_app_starts(capsys: Capture) -> None:
    from tutor.__main__ import build_parser
    from tutor.app import run_app

    assert run_app(build_parser().parse_args(["--lesson", "deploy-a-chnage", "--lang", "en"])) == 2
    err = capsys.readouterr().err
    assert "There is no lesson 'deploy-a-chnage'. The lessons are: push-to-registry, deploy-a-change" in err


@pytest.mark.engine
@pytest.mark.registry
def test_check_lesson_reports_the_deploy_labs_steps(registry: RegistryUnderTest, account: tuple[str, str],
                                                    hello_image: str, capsys: Capture) -> None:
    """Nothing done yet: every step of the second lab is todo, named by its step id."""
    user, _password = account
    code = main(["check", "--registry", registry.address, "--user", user, "--engine", "docker",
                 "--lesson", "deploy-a-change", "--json"])
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert code == 1
    assert [step["id"] for step in steps] == ["v1", "change", "tags", "push-again", "versions", "by-digest"]
    assert steps[1]["status"] == "todo" and "python-hello-world:v2" in steps[1]["detail"]


@pytest.mark.engine
def test_reset_lesson_forgets_only_that_labs_progress(capsys: Capture) -> None:
    """Two labs on one account: reset --lesson deploy-a-change leaves the first lab's progress alone."""
    from tutor.core.lab.progress import ProgressKey, ProgressStore

    store = ProgressStore()
    for lesson, step in (("push-to-registry", "image"), ("deploy-a-change", "v1")):
        progress = store.load(ProgressKey("localhost:5999", "alice", lesson))
        progress.mark_done(step)
        store.save(progress)
    code = main(["reset", "--registry", "localhost:5999", "--user", "alice", "--engine", "docker",
                 "--lesson", "deploy-a-change", "--yes"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Reset of lesson 'deploy-a-change' for alice at localhost:5999" in out
    assert "push-to-registry" not in out
    fresh = ProgressStore()
    assert fresh.load(ProgressKey("localhost:5999", "alice", "deploy-a-change")).is_empty
    assert fresh.load(ProgressKey("localhost:5999", "alice", "push-to-registry")).state("image") == "done"
