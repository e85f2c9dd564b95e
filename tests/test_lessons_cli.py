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
    assert main(["--lesson", "deploy-a-chnage", "--lang", "en"]) == 2
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
