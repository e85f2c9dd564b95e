"""The interpreter through a whole lab, on the real Docker daemon and on Podman, with a fresh account."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tests.lab_support import Lab, failures, lines, only_failure
from tutor.core.engine import Engine
from tutor.core.events import Notice, PullFinished, PushFinished, VariableSet
from tutor.core.registry_api import RegistryClient


@pytest.fixture
def gateway(engine: docker.DockerClient) -> Iterator[Engine]:
    """The engine gateway on the real Docker daemon."""
    connected = Engine.connect("docker")
    yield connected
    connected.close()


@pytest.fixture
def podman_gateway(podman_socket: str) -> Iterator[Engine]:
    """The engine gateway on the Podman service."""
    connected = Engine.connect("podman", base_url=podman_socket)
    yield connected
    connected.close()


@pytest.fixture
def docker_lab(gateway: Engine, registry: RegistryUnderTest, account: tuple[str, str],
               hello_image: str) -> Iterator[Lab]:
    """A fresh learner on Docker."""
    lab = Lab(gateway, registry, *account)
    yield lab
    lab.cleanup()


@pytest.fixture
def podman_lab(podman_gateway: Engine, registry: RegistryUnderTest, account: tuple[str, str],
               podman_hello_image: str) -> Iterator[Lab]:
    """A fresh learner on Podman."""
    lab = Lab(podman_gateway, registry, *account)
    yield lab
    lab.cleanup()


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


def test_whole_lab_on_docker(docker_lab: Lab, hello_image: str) -> None:
    """Every lab command runs on the real daemon and leaves the state the real CLI would."""
    whole_lab(docker_lab, "docker", hello_image)


def test_whole_lab_on_podman(podman_lab: Lab, podman_hello_image: str) -> None:
    """The same lab typed with podman runs on the Podman service.

    `run` is left out: this machine's Podman cannot start containers (runc may not set rlimits).
    """
    whole_lab(podman_lab, "podman", podman_hello_image, can_run=False)


def test_the_tutors_login_lets_the_real_docker_cli_push(docker_lab: Lab, docker_cli: Callable[..., Any],
                                                        hello_image: str) -> None:
    """After the tutor's login the real docker CLI pushes without logging in again."""
    assert not failures(docker_lab.run(f"docker login {docker_lab.registry.address} -u {docker_lab.user}",
                                       docker_lab.password))
    assert docker_cli("tag", HELLO_IMAGE, docker_lab.target.remote_ref).returncode == 0
    pushed = docker_cli("push", docker_lab.target.remote_ref)
    assert pushed.returncode == 0, pushed.stderr


def test_a_wrong_password_stores_nothing_and_is_explained(docker_lab: Lab) -> None:
    """The registry refuses; nothing is stored; the password never shows up in an event."""
    wrong = "not-" + docker_lab.password
    events = docker_lab.run(f"docker login {docker_lab.registry.address} -u {docker_lab.user}", wrong)
    failure = only_failure(events)
    assert "incorrect username or password" in failure.message
    assert failure.explanation is not None and failure.explanation.key == "wrong_password"
    assert failure.explanation.step == "login"
    assert wrong not in repr(events)
    assert docker_lab.credentials.get(docker_lab.registry.address) is None


def test_a_cancelled_password_prompt_stores_nothing(docker_lab: Lab) -> None:
    """The callback returning None (the learner pressed Escape) ends the login quietly."""
    events = docker_lab.run(f"docker login {docker_lab.registry.address} -u {docker_lab.user}", None)
    assert "cancelled" in only_failure(events).message
    assert docker_lab.credentials.get(docker_lab.registry.address) is None


def test_password_stdin_asks_through_the_callback(docker_lab: Lab) -> None:
    """--password-stdin reads the secret from the same masked prompt, never from the line."""
    events = docker_lab.run(f"docker login --password-stdin -u {docker_lab.user} "
                            f"{docker_lab.registry.address}", docker_lab.password)
    assert lines(events) == ["Login Succeeded"]
    assert len(docker_lab.prompts) == 1


def test_a_password_on_the_line_is_refused_before_anything_runs(docker_lab: Lab) -> None:
    """`-p SECRET` never reaches the registry or the store, and the secret is not repeated."""
    events = docker_lab.run(f"docker login -u {docker_lab.user} -p {docker_lab.password} "
                            f"{docker_lab.registry.address}")
    failure = only_failure(events)
    assert docker_lab.password not in repr(events)
    assert failure.explanation is not None and failure.explanation.key == "password_flag"
    assert docker_lab.prompts == [] and docker_lab.credentials.get(docker_lab.registry.address) is None


def test_login_to_a_stopped_registry_says_nothing_answers(gateway: Engine,
                                                          private_registry: RegistryUnderTest) -> None:
    """Connection refused from a stopped registry is explained as registry_down."""
    user, password = private_registry.new_account()
    lab = Lab(gateway, private_registry, user, password)
    private_registry.stop()
    failure = only_failure(lab.run(f"docker login {private_registry.address} -u {user}", password))
    assert failure.explanation is not None and failure.explanation.key == "registry_down"
    assert lab.credentials.get(private_registry.address) is None
