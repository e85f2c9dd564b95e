"""The interpreter through a whole lab, on the real Docker daemon and on Podman, with a fresh account."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tests.lab_support import Lab, failures, lines, only_failure
from tutor.core.engine.gateway import Engine
from tutor.core.events import CheckResult, Notice, PullFinished, PushFinished, Status, VariableSet
from tutor.core.i18n import set_language
from tutor.core.lab.checks import run_check
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import Lab as TutorLab
from tutor.core.lessons.model import load_lesson
from tutor.core.registry.api import RegistryClient
from tutor.screens.verdict import verdict_text

pytest_plugins = ("tests.lab_fixtures",)  # the gateway and lab fixtures


def whole_lab(lab: Lab, cli: str, source_id: str, can_run: bool = True) -> None:
    """Export, login, tag, push, remove, pull, images, inspect, run, logout: as the lesson goes."""
    address = lab.registry.address
    assert lab.run(f"export DOCKERHUB_USERNAME={lab.user}") == [VariableSet("DOCKERHUB_USERNAME", lab.user)]

    events = lab.run(f"{cli} login {address} -u $DOCKERHUB_USERNAME", lab.password)
    assert not failures(events), events
    assert lines(events)[-1].startswith("Login Succeeded")
    assert any(isinstance(e, Notice) and e.level == "warning" and "unencrypted" in e.text for e in events)
    assert lab.password not in repr(events) and lab.password not in repr(lab.session.variables)
    stored = lab.credentials.get(address)
    assert stored is not None and (stored.username, stored.secret) == (lab.user, lab.password)

    remote = f"{address}/$DOCKERHUB_USERNAME/{HELLO_IMAGE}"
    assert lab.run(f"{cli} tag {HELLO_IMAGE} {remote}") == []
    assert lab.engine.image(lab.target.remote_ref).id == source_id

    events = lab.run(f"{cli} push {address}/${{DOCKERHUB_USERNAME}}/{HELLO_IMAGE}")
    assert not failures(events), events
    finished = [e for e in events if isinstance(e, PushFinished)]
    assert len(finished) == 1 and finished[0].digest
    client = RegistryClient(lab.registry.url, lab.user, lab.password)
    assert client.manifest(lab.target.api_path, "latest")[0] == finished[0].digest

    events = lab.run(f"{cli} image rm {lab.target.remote_ref}")
    assert not failures(events) and any("Untagged" in line for line in lines(events)), events
    assert lab.engine.image(lab.target.remote_ref) is None

    events = lab.run(f"{cli} pull {lab.target.repository}")
    pulled = [e for e in events if isinstance(e, PullFinished)]
    assert not failures(events) and pulled and pulled[0].image_id == source_id, events

    table = lines(lab.run(f"{cli} images {lab.target.repository}"))
    assert table[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert table[1].split()[:3] == [lab.target.repository, "latest", source_id.split(":")[1][:12]]

    inspected = json.loads("\n".join(lines(lab.run(f"{cli} image inspect {lab.target.remote_ref}"))))
    assert inspected[0]["Id"] == source_id

    if can_run:
        assert "Hello from python-hello-world!" in lines(lab.run(f"{cli} run --rm {lab.target.remote_ref}"))

    events = lab.run(f"{cli} logout {address}")
    assert lines(events) == [f"Removing login credentials for {address}"]
    assert lab.credentials.get(address) is None
    assert lab.prompts == [f"Password for {lab.user} at {address}: "]


def test_whole_lab_on_docker(lab: Lab, hello_image: str) -> None:
    """Every lab command runs on the real daemon and leaves the state the real CLI would."""
    whole_lab(lab, "docker", hello_image)


def test_whole_lab_on_podman(podman_lab: Lab, podman_hello_image: str) -> None:
    """The same lab typed with podman runs on the Podman service."""
    whole_lab(podman_lab, "podman", podman_hello_image)


def test_the_tutors_login_lets_the_real_docker_cli_push(lab: Lab, docker_cli: Callable[..., Any],
                                                        hello_image: str) -> None:
    """After the tutor's login the real docker CLI pushes without logging in again."""
    assert not failures(lab.run(f"docker login {lab.registry.address} -u {lab.user}",
                                       lab.password))
    assert docker_cli("tag", HELLO_IMAGE, lab.target.remote_ref).returncode == 0
    pushed = docker_cli("push", lab.target.remote_ref)
    assert pushed.returncode == 0, pushed.stderr


def test_a_wrong_password_stores_nothing_and_is_explained(lab: Lab) -> None:
    """The registry refuses; nothing is stored; the password never shows up in an event."""
    wrong = "not-" + lab.password
    events = lab.run(f"docker login {lab.registry.address} -u {lab.user}", wrong)
    failure = only_failure(events)
    assert "incorrect username or password" in failure.message
    assert failure.explanation is not None and failure.explanation.key == "wrong_password"
    assert failure.explanation.step == "login"
    assert wrong not in repr(events)
    assert lab.credentials.get(lab.registry.address) is None


def test_a_cancelled_password_prompt_stores_nothing(lab: Lab) -> None:
    """The callback returning None (the learner pressed Escape) ends the login quietly."""
    events = lab.run(f"docker login {lab.registry.address} -u {lab.user}", None)
    assert "cancelled" in only_failure(events).message
    assert lab.credentials.get(lab.registry.address) is None


def test_password_stdin_asks_through_the_callback(lab: Lab) -> None:
    """--password-stdin reads the secret from the same masked prompt, never from the line."""
    events = lab.run(f"docker login --password-stdin -u {lab.user} "
                            f"{lab.registry.address}", lab.password)
    assert lines(events) == ["Login Succeeded"]
    assert len(lab.prompts) == 1


def test_a_password_on_the_line_is_refused_before_anything_runs(lab: Lab) -> None:
    """`-p SECRET` never reaches the registry or the store, and the secret is not repeated."""
    events = lab.run(f"docker login -u {lab.user} -p {lab.password} "
                            f"{lab.registry.address}")
    failure = only_failure(events)
    assert lab.password not in repr(events)
    assert failure.explanation is not None and failure.explanation.key == "password_flag"
    assert lab.prompts == [] and lab.credentials.get(lab.registry.address) is None


def test_login_to_a_stopped_registry_says_nothing_answers(gateway: Engine,
                                                          private_registry: RegistryUnderTest) -> None:
    """Connection refused from a stopped registry is explained as registry_down."""
    user, password = private_registry.new_account()
    lab = Lab(gateway, private_registry, user, password)
    private_registry.stop()
    failure = only_failure(lab.run(f"docker login {private_registry.address} -u {user}", password))
    assert failure.explanation is not None and failure.explanation.key == "registry_down"
    assert lab.credentials.get(private_registry.address) is None


# -- the account made in the tutor's form: the lesson's export was never typed --------------------
def tutor_lab(lab: Lab, tmp_path: Path, lang: str = "en") -> TutorLab:
    """The app's Lab over the test lab's engine, session and a fresh progress file."""
    return TutorLab(lab.engine, lab.target, lab.credentials, load_lesson(lang=lang), lab.session,
                    store=ProgressStore(tmp_path / "progress.json"))


@pytest.mark.parametrize("lang, note", [
    ("en", "The tutor set DOCKERHUB_USERNAME={user} for the next steps; in your own terminal type: "
           "export DOCKERHUB_USERNAME={user}"),
    ("de", "Der Tutor hat DOCKERHUB_USERNAME={user} für die nächsten Schritte gesetzt; in deinem eigenen "
           "Terminal tippst du: export DOCKERHUB_USERNAME={user}"),
])
def test_a_done_account_step_sets_the_variable_the_login_line_needs(lab: Lab, tmp_path: Path,
                                                                    lang: str, note: str) -> None:
    """Once the account step is done, $DOCKERHUB_USERNAME is set, the output says so, and the login works."""
    set_language(lang)
    try:
        tutor = tutor_lab(lab, tmp_path, lang)
        login = f"docker login {lab.registry.address} -u $DOCKERHUB_USERNAME"
        failure = only_failure(lab.run(login))
        assert failure.explanation is not None and failure.explanation.key == "variable_unset"
        assert tutor.record(CheckResult("account", Status.DONE, f"{lab.user} exists"))
        assert lab.session.variables == {"DOCKERHUB_USERNAME": lab.user}
        assert tutor.notes == [note.format(user=lab.user)]
        assert lines(lab.run(login, lab.password)) == ["Login Succeeded"]
        stored = lab.credentials.get(lab.registry.address)
        assert stored is not None and stored.username == lab.user
    finally:
        set_language("en")


def test_the_learners_own_export_is_kept(lab: Lab, tmp_path: Path) -> None:
    """A value the learner exported is never overwritten, and nothing is said."""
    tutor = tutor_lab(lab, tmp_path)
    lab.run("export DOCKERHUB_USERNAME=someone-else")
    assert tutor.record(CheckResult("account", Status.DONE, "exists"))
    assert lab.session.variables == {"DOCKERHUB_USERNAME": "someone-else"} and tutor.notes == []


def test_an_account_only_a_login_can_prove_sets_the_variable_when_passed(lab: Lab, tmp_path: Path) -> None:
    """The real check cannot tell on this registry; going on (skipped) sets the variable for the login."""
    tutor = tutor_lab(lab, tmp_path)
    result = run_check("account", lab.context())
    assert result.status is Status.UNKNOWN and not tutor.record(result)
    assert "DOCKERHUB_USERNAME" not in lab.session.variables
    tutor.skip(tutor.index_of("account"))
    assert lab.session.variables == {"DOCKERHUB_USERNAME": lab.user} and len(tutor.notes) == 1
    assert lines(lab.run(f"docker login {lab.registry.address} -u $DOCKERHUB_USERNAME",
                         lab.password)) == ["Login Succeeded"]


def test_the_verdict_puts_the_unset_variable_first_in_the_learners_language(lab: Lab) -> None:
    """On the login step, the login line without the export: the variable's explanation leads the
    verdict in German, and the check's 'not logged in' reason is not repeated beside it."""
    set_language("de")
    lab.session.lang = "de"
    try:
        failure = only_failure(lab.run(f"docker login {lab.registry.address} -u $DOCKERHUB_USERNAME"))
        context = lab.context()
        context.lang = "de"
        result = run_check("login", context)
        assert result.status is Status.TODO and result.explanation is not None
        text = verdict_text(result, None, failure.explanation, step_names={"account": "2. Konto"})
    finally:
        set_language("en")
    first, why, back, fix = text.splitlines()[:4]
    assert first == "✗ $DOCKERHUB_USERNAME ist in dieser Sitzung noch nicht gesetzt."
    assert why.startswith("Warum: Der Tutor ersetzt $DOCKERHUB_USERNAME")
    assert back == "Geh zurück zum Schritt: 2. Konto"
    assert fix == f"Versuch: export DOCKERHUB_USERNAME={lab.user}"
    assert "Noch nicht erledigt" in text and result.explanation.why not in text
