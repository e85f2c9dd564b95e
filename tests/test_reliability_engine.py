"""The engine stops in the middle of a session and comes back: clear message, then business as usual.

The shared Docker daemon is never stopped (other tests use it); a Podman service of the test's
own, on its own socket, plays the engine that goes away and returns.
"""

from __future__ import annotations

import contextlib
import queue
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import missing
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine
from tutor.core.engine.watcher import Change, watch_changes
from tutor.core.events import CommandFailed, Event, OutputLine
from tutor.core.shell.interpreter import Session, run_command
from tutor.core.target import Target

GUARD = 60.0


class PodmanService:
    """`podman system service` on a socket of the test's own, which the test may stop and restart."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("podman")
        if binary is None:
            missing("podman is not installed")
        self.binary = str(binary)
        self.socket = folder / "podman.sock"
        self.log = folder / "service.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([self.binary, "system", "service", "--time=0", self.url],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + GUARD
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                missing(f"podman system service did not start: {self.log.read_text()}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        with contextlib.suppress(Exception):
            client = docker.DockerClient(base_url=self.url)
            try:
                return bool(client.ping())
            finally:
                client.close()
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def podman_service(tmp_path: Path) -> Iterator[PodmanService]:
    service = PodmanService(tmp_path)
    service.start()
    yield service
    service.stop()


def failures(events: list[Event]) -> list[CommandFailed]:
    return [event for event in events if isinstance(event, CommandFailed)]


def test_engine_stopped_mid_session_then_restarted(podman_service: PodmanService,
                                                   podman_hello_image: str) -> None:
    engine = Engine.connect("podman", base_url=podman_service.url)
    session = Session(engine, Target("localhost:5000", "learner"), CredentialStore("podman"), lambda _: None)
    assert not failures(list(run_command("podman images python-hello-world", session)))

    podman_service.stop()
    events = list(run_command("podman images", session))
    assert len(failures(events)) == 1 and events[-1] == failures(events)[0]
    failure = failures(events)[0]
    assert failure.explanation is not None and failure.explanation.key == "engine_down"
    assert "podman" in (failure.explanation.fix or "") + failure.message

    podman_service.start()
    events = list(run_command("podman images python-hello-world", session))
    assert not failures(events)
    assert any("python-hello-world" in event.text for event in events if isinstance(event, OutputLine))
    engine.close()


def test_the_watcher_carries_on_after_the_engine_comes_back(podman_service: PodmanService,
                                                            podman_hello_image: str) -> None:
    engine = Engine.connect("podman", base_url=podman_service.url)
    stop, changes = threading.Event(), queue.Queue[Change]()

    def watch() -> None:
        for change in watch_changes(engine, [], stop):
            changes.put(change)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    podman_service.stop()
    podman_service.start()
    repository = f"tutor-comeback-{secrets.token_hex(4)}"
    client = docker.DockerClient(base_url=podman_service.url)
    try:
        deadline = time.monotonic() + GUARD
        seen = False
        while not seen and time.monotonic() < deadline:
            client.images.get("python-hello-world").tag(repository, "latest")
            seen = _saw(changes, repository, deadline=time.monotonic() + 5)
        assert seen, "the watcher never saw an event after the engine came back"
    finally:
        stop.set()
        thread.join(GUARD)
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(f"{repository}:latest")
        client.close()
        engine.close()
    assert not thread.is_alive()


def _saw(changes: queue.Queue[Change], name: str, deadline: float) -> bool:
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            change = changes.get(timeout=remaining)
        except queue.Empty:
            return False
        if any(name in event for event in change.events):
            return True
    return False
