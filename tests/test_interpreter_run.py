"""run_command's smaller behaviours and complete(), on the real Docker daemon."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.conftest import HELLO_IMAGE
from tests.lab_support import Lab, failures, lines, only_failure
from tutor.core.events import CommandFailed, Notice, OutputLine, VariableSet
from tutor.core.i18n import set_language
from tutor.core.shell.interpreter import SUPPORTED, complete, run_command

pytest_plugins = ("tests.lab_fixtures",)  # the gateway and lab fixtures


def test_exports_persist_and_echo_expands_them(lab: Lab) -> None:
    """export sets a variable for later lines; echo prints it; nothing else happens."""
    assert lab.run("export DOCKERHUB_USERNAME=alice") == [VariableSet("DOCKERHUB_USERNAME", "alice")]
    assert lab.session.variables == {"DOCKERHUB_USERNAME": "alice"}
    assert lab.run("echo $DOCKERHUB_USERNAME/python-hello-world") == [OutputLine("alice/python-hello-world")]


def test_learner_mistakes_end_in_command_failed_never_an_exception(lab: Lab) -> None:
    """Unset variables, shell syntax and unknown commands are failures with a message."""
    failure = only_failure(lab.run("docker tag python-hello-world $NOBODY/python-hello-world"))
    assert failure.message == "NOBODY is not set: run export NOBODY=yourname first"
    assert "one command at a time" in only_failure(lab.run("docker images | wc -l")).message
    assert "not a command the tutor runs" in only_failure(lab.run("rm -rf /")).message
    assert lab.run("   ") == []


def test_help_lists_the_supported_commands(lab: Lab) -> None:
    """`help` and a bare `docker` print what the tutor runs."""
    for line in ("help", "docker", "podman --help"):
        text = lines(lab.run(line))
        assert text[0].startswith("Commands the tutor runs") and len(text) == len(SUPPORTED) + 1


def test_sudo_and_the_other_engines_name_get_a_notice(lab: Lab) -> None:
    """sudo is not needed; typing podman on Docker works, with a word about it."""
    events = lab.run("sudo podman images")
    notices = [event.text for event in events if isinstance(event, Notice)]
    assert any("sudo" in text for text in notices) and any("docker" in text for text in notices)
    assert lines(events)[0].split()[:2] == ["REPOSITORY", "TAG"]


def test_images_lists_the_source_like_the_cli(lab: Lab, hello_image: str) -> None:
    """The table has the CLI's columns and the source image's short ID; -q prints only IDs."""
    table = lines(lab.run(f"docker images {HELLO_IMAGE}"))
    assert table[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    row = table[1].split()
    assert row[:3] == [HELLO_IMAGE, "latest", hello_image.split(":")[1][:12]]
    assert row[-2] == "ago" and row[-1].endswith("B")
    assert lines(lab.run(f"docker images -q {HELLO_IMAGE}")) == [hello_image.split(":")[1][:12]]


def test_rmi_and_inspect_of_a_missing_image_are_explained(lab: Lab) -> None:
    """The daemon's 'No such image' for rmi and inspect points back to the image step."""
    missing = "tutor-missing-" + secrets.token_hex(4)
    for line in (f"docker rmi {missing}", f"docker image inspect {missing}"):
        failure = only_failure(lab.run(line))
        assert failure.explanation is not None and failure.explanation.key == "no_such_image", failure


def test_version_names_the_engine(lab: Lab) -> None:
    """`docker version` says which engine answered."""
    text = lines(lab.run("docker version"))
    assert text[0].startswith(f"Server: docker {lab.engine.info.version}")


def test_logout_when_not_logged_in(lab: Lab) -> None:
    """Logging out without a login says so, like the CLI."""
    address = lab.registry.address
    assert lines(lab.run(f"docker logout {address}")) == [f"Not logged in to {address}"]


def test_login_needs_a_user_and_podman_a_registry(lab: Lab) -> None:
    """Missing pieces of a login are named with the command to type."""
    failure = only_failure(lab.run(f"docker login {lab.registry.address}"))
    assert f"-u {lab.user}" in failure.message and lab.prompts == []
    failure = only_failure(lab.run(f"podman login -u {lab.user}"))
    assert f"podman login {lab.registry.address} -u {lab.user}" in failure.message


def test_docker_login_without_a_registry_means_docker_hub(lab: Lab) -> None:
    """Offline, a Docker Hub login cannot be checked: the learner hears why, nothing is stored."""
    failure = only_failure(lab.run("docker login -u alice", "secret-password"))
    assert "registry-1.docker.io" in failure.message and "secret-password" not in repr(failure)
    assert failure.explanation is not None and failure.explanation.key == "no_such_host"
    assert lab.credentials.get("docker.io") is None


def test_explanations_follow_the_sessions_language(lab: Lab) -> None:
    """With lang='de' the explanation is German; the fix is the same command."""
    lab.session.lang = "de"
    failure = only_failure(lab.run(f"docker push {lab.target.repository}"))
    assert failure.explanation is not None and failure.explanation.what.startswith("Es gibt noch kein")


def test_every_event_stream_is_free_of_the_password(lab: Lab) -> None:
    """Through a login, a push and a pull, the password appears in no event."""
    events = lab.run(f"docker login -u {lab.user} {lab.registry.address}", lab.password)
    events += lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}")
    events += lab.run(f"docker push {lab.target.repository}")
    events += lab.run(f"docker pull {lab.target.repository}")
    assert not failures(events) and lab.password not in repr(events)
    assert all(not isinstance(event, CommandFailed) for event in events)


def test_complete_offers_commands_subcommands_and_local_names(lab: Lab) -> None:
    """Whole-line completions: command words, then subcommands, then the engine's image names."""
    assert complete("doc", lab.session) == ["docker"]
    assert "docker push" in complete("docker pu", lab.session)
    assert complete("docker image l", lab.session) == ["docker image list", "docker image ls"]
    assert f"docker tag {HELLO_IMAGE}:latest" in complete("docker tag python-h", lab.session)
    assert complete("docker login -", lab.session) == []
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    assert f"docker push {lab.target.remote_ref}" in complete("docker push localhost", lab.session)


def test_run_command_is_a_lazy_generator(lab: Lab) -> None:
    """Nothing runs until the UI iterates (so a worker thread does the work)."""
    stream = run_command(f"docker tag {HELLO_IMAGE} {lab.target.repository}", lab.session)
    assert lab.engine.image(lab.target.remote_ref) is None
    assert list(stream) == []
    assert lab.engine.image(lab.target.remote_ref) is not None


# -- a German learner: the tutor's words in German, the CLI's own lines as the CLI prints them --
@pytest.fixture
def german_lab(lab: Lab) -> Iterator[Lab]:
    """The same lab with the tutor speaking German (as with --lang de), English again afterwards."""
    set_language("de")
    lab.session.lang = "de"
    yield lab
    set_language("en")


def test_an_unset_variable_is_explained_with_the_export_that_sets_it(lab: Lab) -> None:
    """The lesson's login line before the export: explained (back to the account step), not as no login."""
    failure = only_failure(lab.run(f"docker login {lab.registry.address} -u $DOCKERHUB_USERNAME"))
    assert failure.explanation is not None and failure.explanation.key == "variable_unset"
    assert failure.explanation.step == "account"
    assert failure.explanation.fix == f"export DOCKERHUB_USERNAME={lab.user}"
    assert failure.explanation.what == "$DOCKERHUB_USERNAME is not set in this session yet."
    assert lab.prompts == []  # nothing was asked, nothing ran


def test_a_german_login_speaks_german_around_the_clis_own_lines(german_lab: Lab) -> None:
    """Refusal, prompt and the note on tokens are German; the WARNING and Login Succeeded stay the CLI's."""
    lab = german_lab
    login = f"docker login {lab.registry.address} -u $DOCKERHUB_USERNAME"
    failure = only_failure(lab.run(login))
    assert failure.message == ("DOCKERHUB_USERNAME ist nicht gesetzt: tippe zuerst "
                               "export DOCKERHUB_USERNAME=deinname")
    assert failure.explanation is not None
    assert failure.explanation.what == "$DOCKERHUB_USERNAME ist in dieser Sitzung noch nicht gesetzt."
    assert failure.explanation.fix == f"export DOCKERHUB_USERNAME={lab.user}"

    lab.run(f"export DOCKERHUB_USERNAME={lab.user}")
    events = lab.run(login, lab.password)
    assert lab.prompts == [f"Passwort für {lab.user} bei {lab.registry.address}: "]
    notices = [event.text for event in events if isinstance(event, Notice)]
    assert notices[0].startswith("WARNING! Your password will be stored unencrypted in ")
    assert notices[1].startswith("Tipp: Ein Credential-Helper") and "Zugriffstoken" in notices[1]
    assert lines(events) == ["Login Succeeded"]


def test_german_notices_and_a_cancelled_login(german_lab: Lab) -> None:
    """sudo, the other engine's name, help and a cancelled prompt: all in German."""
    lab = german_lab
    notices = [event.text for event in lab.run("sudo podman images") if isinstance(event, Notice)]
    assert notices[0] == "Hier brauchst du kein sudo: der Tutor spricht schon selbst mit der Engine."
    assert notices[1] == ("Dieser Tutor führt deine Befehle mit docker aus; "
                          "`podman` funktioniert hier genauso.")
    text = lines(lab.run("help"))
    assert text[0] == "Befehle, die der Tutor ausführt (einen nach dem anderen, ohne Shell):"
    assert "  docker tag SOURCE TARGET            (oder: docker image tag)" in text
    events = lab.run(f"docker login {lab.registry.address} -u {lab.user}", None)
    assert only_failure(events).message == "Login abgebrochen: es wurde nichts gespeichert."
    failure = only_failure(lab.run("podman login -u x"))
    assert failure.message.startswith("Fehler: keine Registry angegeben; tippe podman login ")
