"""Faults: a registry stopped, killed mid-push, refusing (401) or failing (500); damaged files.

Each fault ends in a clear CommandFailed (never an exception), the learner's files are left as
they were, and once the fault is gone the next try succeeds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import pytest

from tests.conftest import RegistryUnderTest
from tests.test_reset import scratch_tags_fixture, tutor_engine_fixture  # noqa: F401 - fixtures
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine
from tutor.core.events import CommandFailed, Event, LayerProgressed, OutputLine, PushFinished, Status
from tutor.core.lab.checks import LabContext, run_all
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import RegistryClient
from tutor.core.shell.interpreter import Session, run_command
from tutor.core.target import Target

OTHER_CONFIG = {
    "auths": {"elsewhere.example:5000": {"auth": "bWU6dGhlaXJz"}, "https://index.docker.io/v1/": {}},
    "credHelpers": {"gcr.example": "none-such"},
    "HttpHeaders": {"User-Agent": "kept"},
    "proxies": {"default": {"noProxy": "127.0.0.1"}},
}


@dataclass
class FaultLab:
    """A learner's session against a registry of the test's own."""

    engine: Engine
    registry: RegistryUnderTest
    user: str
    password: str
    session: Session = field(init=False)

    def __post_init__(self) -> None:
        target = Target(self.registry.address, self.user)
        self.session = Session(self.engine, target, CredentialStore("docker"), lambda _: self.password)

    @property
    def config(self) -> Path:
        return Path(os.environ["DOCKER_CONFIG"]) / "config.json"

    def run(self, line: str) -> list[Event]:
        return list(run_command(line, self.session))

    def restart_registry(self) -> None:
        registry_server.stop_process(self.registry.process)
        self.registry.process = registry_server.start_process(self.registry.config)


def only_failure(events: list[Event]) -> CommandFailed:
    """The command ended in exactly one failure; returns it."""
    failures = [event for event in events if isinstance(event, CommandFailed)]
    assert len(failures) == 1 and events[-1] is failures[0], events
    return failures[0]


def pushed(events: list[Event]) -> PushFinished:
    assert not [event for event in events if isinstance(event, CommandFailed)], events
    assert isinstance(events[-1], PushFinished), events
    return events[-1]


@pytest.fixture
def fault_lab(tutor_engine: Engine, hello_image: str, private_registry: RegistryUnderTest,
              scratch_tags: list[str]) -> FaultLab:
    """Logged in and tagged, with other entries in config.json that must survive everything."""
    user, password = private_registry.new_account()
    lab = FaultLab(tutor_engine, private_registry, user, password)
    lab.config.write_text(json.dumps(OTHER_CONFIG))
    scratch_tags.append(lab.session.target.remote_ref)
    assert OutputLine("Login Succeeded") in lab.run(f"docker login -u {user} {private_registry.address}")
    assert lab.run(f"docker tag python-hello-world {lab.session.target.remote_ref}") == []
    return lab


def others_intact(lab: FaultLab) -> bool:
    """Every entry of config.json except the lab's own login is as it was."""
    config = json.loads(lab.config.read_text())
    config["auths"].pop(lab.registry.address, None)
    return bool(config == OTHER_CONFIG)


def test_registry_stopped_before_a_push_then_the_next_try_succeeds(fault_lab: FaultLab) -> None:
    fault_lab.registry.stop()
    failure = only_failure(fault_lab.run(f"docker push {fault_lab.session.target.remote_ref}"))
    assert "connection refused" in failure.message
    assert failure.explanation is not None and failure.explanation.fix
    fault_lab.restart_registry()
    assert pushed(fault_lab.run(f"docker push {fault_lab.session.target.remote_ref}")).digest
    assert others_intact(fault_lab)


# layered_image comes before fault_lab: the SDK's build reads config.json, and fault_lab's
# credHelpers entry names a helper that is not installed.
def test_registry_killed_in_the_middle_of_a_push(layered_image: str, fault_lab: FaultLab,
                                                 scratch_tags: list[str]) -> None:
    reference = f"{fault_lab.registry.address}/{fault_lab.user}/layered:latest"
    scratch_tags.append(reference)
    assert fault_lab.run(f"docker tag {layered_image} {reference}") == []
    events: list[Event] = []
    for event in run_command(f"docker push {reference}", fault_lab.session):
        events.append(event)
        if isinstance(event, LayerProgressed) and fault_lab.registry.process.poll() is None:
            os.kill(fault_lab.registry.process.pid, signal.SIGKILL)
    failure = only_failure(events)
    assert failure.message.strip()
    fault_lab.restart_registry()
    finished = pushed(fault_lab.run(f"docker push {reference}"))
    client = RegistryClient(fault_lab.registry.url, fault_lab.user, fault_lab.password)
    assert client.manifest(f"{fault_lab.user}/layered", "latest")[0] == finished.digest
    assert others_intact(fault_lab)


def test_a_wrong_password_is_refused_and_nothing_is_stored(fault_lab: FaultLab) -> None:
    before = fault_lab.config.read_bytes()
    fault_lab.password = "wrong-" + fault_lab.password
    failure = only_failure(fault_lab.run(f"docker login -u {fault_lab.user} {fault_lab.registry.address}"))
    assert "incorrect username or password" in failure.message
    assert fault_lab.config.read_bytes() == before


def test_a_stored_password_that_became_wrong_gives_401_on_push(fault_lab: FaultLab) -> None:
    fault_lab.session.credentials.store(fault_lab.registry.address, fault_lab.user, "stale")
    failure = only_failure(fault_lab.run(f"docker push {fault_lab.session.target.remote_ref}"))
    assert failure.explanation is not None
    assert failure.explanation.key == "wrong_password"
    assert others_intact(fault_lab)


@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[Path]:
    """Make a folder immutable (chattr +i: not even root may change its entries) for a while."""
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.fixture
def frozen_storage(fault_lab: FaultLab) -> Iterator[Path]:
    """The registry's storage made immutable, so it answers 500 when asked to store a layer."""
    with immutable(fault_lab.registry.config.storage_dir) as storage:
        yield storage


def test_a_registry_answering_500_fails_clearly_then_recovers(fault_lab: FaultLab,
                                                              frozen_storage: Path) -> None:
    failure = only_failure(fault_lab.run(f"docker push {fault_lab.session.target.remote_ref}"))
    assert "500" in failure.message or "Internal Server Error" in failure.message
    subprocess.run(["chattr", "-i", str(frozen_storage)], check=True)
    assert pushed(fault_lab.run(f"docker push {fault_lab.session.target.remote_ref}")).digest


@pytest.mark.parametrize("damage", [
    b"{not json", b"[1, 2]", b'{"auths": "a string"}', b'{"auths": {"<REGISTRY>": "not an object"}}',
    b'{"auths": {"<REGISTRY>": {"auth": "not base64!"}}}',
    b'{"auths": {"<REGISTRY>": {"auth": "bm9jb2xvbg=="}}}',  # base64 of "nocolon"
    b'{"auths": {"<REGISTRY>": {"auth": 42}}}', b'{"credHelpers": ["a list"]}',
])
def test_a_corrupt_config_json_is_left_untouched_with_a_clear_error(fault_lab: FaultLab,
                                                                    damage: bytes) -> None:
    damage = damage.replace(b"<REGISTRY>", fault_lab.registry.address.encode())
    fault_lab.config.write_bytes(damage)
    for line in (f"docker login -u {fault_lab.user} {fault_lab.registry.address}",
                 f"docker push {fault_lab.session.target.remote_ref}",
                 f"docker logout {fault_lab.registry.address}"):
        failure = only_failure(fault_lab.run(line))
        assert str(fault_lab.config) in failure.message
        assert "left as it is" in failure.message
        assert fault_lab.config.read_bytes() == damage


def test_the_checks_call_a_malformed_login_entry_unknown_with_the_same_message(fault_lab: FaultLab) -> None:
    damage = json.dumps({"auths": {fault_lab.registry.address: {"auth": "not base64!"}}}).encode()
    fault_lab.config.write_bytes(damage)
    ctx = LabContext(fault_lab.engine, fault_lab.session.target, fault_lab.session.credentials)
    results = {result.step: result for result in run_all(ctx)}
    for step in ("login", "push", "verify"):
        assert results[step].status is Status.UNKNOWN, results[step]
        assert str(fault_lab.config) in results[step].detail and "left as it is" in results[step].detail
    assert results["image"].status is Status.DONE
    assert fault_lab.config.read_bytes() == damage


@pytest.fixture
def frozen_config_dir(fault_lab: FaultLab) -> Iterator[Path]:
    """DOCKER_CONFIG made immutable: no file in it can be created, replaced or removed."""
    with immutable(fault_lab.config.parent) as folder:
        yield folder


def test_an_unwritable_credential_folder_fails_login_and_logout_clearly(fault_lab: FaultLab,
                                                                       frozen_config_dir: Path) -> None:
    before = fault_lab.config.read_bytes()
    for line in (f"docker login -u {fault_lab.user} {fault_lab.registry.address}",
                 f"docker logout {fault_lab.registry.address}"):
        failure = only_failure(fault_lab.run(line))
        assert "cannot write" in failure.message
    assert fault_lab.config.read_bytes() == before
    assert os.listdir(frozen_config_dir) == ["config.json"]


def test_login_and_logout_keep_every_other_entry(fault_lab: FaultLab) -> None:
    assert others_intact(fault_lab)
    stored = json.loads(fault_lab.config.read_text())["auths"][fault_lab.registry.address]
    assert set(stored) == {"auth"}
    assert fault_lab.run(f"docker logout {fault_lab.registry.address}") == [
        OutputLine(f"Removing login credentials for {fault_lab.registry.address}")]
    assert json.loads(fault_lab.config.read_text()) == OTHER_CONFIG


def test_podman_auth_json_keeps_every_other_entry(tutor_engine: Engine,
                                                  private_registry: RegistryUnderTest) -> None:
    auth_file = Path(os.environ["REGISTRY_AUTH_FILE"])
    auth_file.parent.mkdir(parents=True, exist_ok=True)
    others = {"auths": {"quay.io": {"auth": "bWU6dGhlaXJz"}}, "unknownKey": [1, 2]}
    auth_file.write_text(json.dumps(others))
    user, password = private_registry.new_account()
    session = Session(tutor_engine, Target(private_registry.address, user), CredentialStore("podman"),
                      lambda _: password)
    assert list(run_command(f"podman login -u {user} {private_registry.address}", session))[-1] == \
        OutputLine("Login Succeeded!")
    assert set(json.loads(auth_file.read_text())["auths"]) == {"quay.io", private_registry.address}
    list(run_command(f"podman logout {private_registry.address}", session))
    assert json.loads(auth_file.read_text()) == others


def test_a_push_abandoned_midway_can_be_pushed_again(layered_image: str, fault_lab: FaultLab,
                                                     scratch_tags: list[str]) -> None:
    """What Ctrl-C in the tutor does to a push: the stream is closed; the next push completes."""
    reference = f"{fault_lab.registry.address}/{fault_lab.user}/abandoned:latest"
    scratch_tags.append(reference)
    assert fault_lab.run(f"docker tag {layered_image} {reference}") == []
    stream = run_command(f"docker push {reference}", fault_lab.session)
    for event in stream:
        if isinstance(event, LayerProgressed):
            break
    stream.close()
    finished = pushed(fault_lab.run(f"docker push {reference}"))
    client = RegistryClient(fault_lab.registry.url, fault_lab.user, fault_lab.password)
    assert client.manifest(f"{fault_lab.user}/abandoned", "latest")[0] == finished.digest
    assert others_intact(fault_lab)


def test_the_source_image_survives_every_fault(engine: docker.DockerClient, hello_image: str) -> None:
    """Run last in this file: whatever failed above, python-hello-world is still there, same ID."""
    assert engine.images.get("python-hello-world").id == hello_image
