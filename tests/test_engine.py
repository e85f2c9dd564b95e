"""The engine gateway against the real Docker daemon and a real registry."""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import CompletedProcess

import docker
import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tutor.core.engine.gateway import (
    Engine,
    EngineError,
    EngineUnavailable,
    LocalImage,
    _digest_for,
    candidate_urls,
)
from tutor.core.engine.streams import EngineEvent, progress_events, unavailable_message
from tutor.core.events import CommandFailed, Event, LayerProgressed, OutputLine, PullFinished, PushFinished
from tutor.core.registry.api import RegistryClient

Cli = Callable[..., CompletedProcess[str]]
DOCKER_URL = "unix:///var/run/docker.sock"


@pytest.fixture
def gateway(engine: docker.DockerClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The gateway on the machine's Docker daemon."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    connected = Engine.connect("docker")
    yield connected
    connected.close()


@pytest.fixture
def scratch_name(engine: docker.DockerClient) -> Iterator[str]:
    """A unique local image name; whatever the test tags with it is removed afterwards."""
    name = f"tutor-engine-test-{secrets.token_hex(4)}"
    yield name
    for image in engine.images.list(name=name):
        for tag in image.tags:
            if tag.startswith(name):
                engine.images.remove(tag)


def containers_of(client: docker.DockerClient, image: str) -> list[str]:
    """IDs of the containers, running or not, made from that image name."""
    return [str(container.id) for container in client.containers.list(all=True)
            if container.attrs.get("Config", {}).get("Image") == image]


def lines(events: list[Event]) -> list[str]:
    return [event.text for event in events if isinstance(event, OutputLine)]


def pushed(gateway: Engine, engine: docker.DockerClient, source: str, remote: str,
           user: str | None, password: str | None) -> list[Event]:
    """Tag the source as remote and push it through the gateway; the remote tag is removed after."""
    engine.images.get(source).tag(remote)
    try:
        return list(gateway.push(remote, user, password))
    finally:
        engine.images.remove(remote)


def test_connect_reports_docker_and_its_version(gateway: Engine, engine: docker.DockerClient) -> None:
    """The daemon is recognised as Docker, with the version it reports itself."""
    assert gateway.kind == "docker"
    assert gateway.info.version == engine.version()["Version"]
    assert gateway.info.base_url == DOCKER_URL and gateway.ping()


def test_auto_passes_over_a_dead_docker_host(engine: docker.DockerClient, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """auto tries DOCKER_HOST first, then Docker's socket, then Podman's sockets."""
    dead = f"unix://{tmp_path}/gone.sock"
    monkeypatch.setenv("DOCKER_HOST", dead)
    urls = candidate_urls("auto", None)
    assert urls[:2] == [dead, DOCKER_URL]
    runtime = os.environ["XDG_RUNTIME_DIR"]
    assert urls[2:] == [f"unix://{runtime}/podman/podman.sock", "unix:///run/podman/podman.sock"]
    connected = Engine.connect()
    assert connected.info.base_url == DOCKER_URL
    connected.close()


def test_auto_follows_the_docker_context(engine: docker.DockerClient, docker_cli: Cli,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `docker context use` (Docker Desktop, Colima) is followed when DOCKER_HOST is unset."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    link = tmp_path / "desktop.sock"
    link.symlink_to("/var/run/docker.sock")
    created = docker_cli("context", "create", "tutor-desktop", "--docker", f"host=unix://{link}")
    assert created.returncode == 0, created.stderr
    assert docker_cli("context", "use", "tutor-desktop").returncode == 0
    assert candidate_urls("auto", None)[0] == f"unix://{link}"
    connected = Engine.connect()
    assert connected.kind == "docker" and connected.info.base_url == f"unix://{link}"
    connected.close()


def test_a_socket_nobody_listens_on_is_engine_unavailable(tmp_path: Path) -> None:
    """A stale socket file (engine died) gives the how-to-start message, not a traceback."""
    path = tmp_path / "stale.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()
    with pytest.raises(EngineUnavailable) as caught:
        Engine.connect("docker", f"unix://{path}")
    assert f"unix://{path}" in str(caught.value)
    assert "sudo systemctl start docker" in str(caught.value)
    with pytest.raises(EngineUnavailable, match="No container engine answers"):
        Engine.connect("auto", f"unix://{tmp_path}/missing.sock")


def test_the_wrong_kind_is_refused(engine: docker.DockerClient) -> None:
    """Asking for Podman on Docker's socket says which engine is there."""
    with pytest.raises(EngineUnavailable, match="is docker, not podman"):
        Engine.connect("podman", DOCKER_URL)


@pytest.mark.parametrize(("system", "expected", "absent"), [
    ("Linux", ["sudo systemctl start docker", "systemctl --user start podman.socket",
               "podman system service --time=0"], ["Docker Desktop"]),
    ("Darwin", ["Start Docker Desktop", "podman machine start"], ["systemctl"]),
    ("Windows", ["Start Docker Desktop", "podman machine start"], ["systemctl"]),
])
def test_unavailable_message_says_how_to_start_an_engine(system: str, expected: list[str],
                                                         absent: list[str]) -> None:
    """Each operating system gets the commands that start an engine there."""
    message = unavailable_message("auto", ["unix:///x.sock"], system)
    assert "unix:///x.sock" in message
    assert all(text in message for text in expected)
    assert not any(text in message for text in absent)


def test_permission_denied_says_how_to_get_access() -> None:
    """A socket the learner may not open gets the docker-group advice."""
    message = unavailable_message("docker", ["unix:///var/run/docker.sock (permission denied)"], "Linux")
    assert "sudo usermod -aG docker $USER" in message


def test_login_is_checked_by_the_registry_and_stores_nothing(
    gateway: Engine, registry: RegistryUnderTest, account: tuple[str, str],
) -> None:
    """A right password passes, a wrong one fails with the daemon's text; no file is written."""
    user, password = account
    assert gateway.login(registry.address, user, password) == "Login Succeeded"
    with pytest.raises(EngineError, match="401 Unauthorized"):
        gateway.login(registry.address, user, password + "x")
    assert not (Path(os.environ["DOCKER_CONFIG"]) / "config.json").exists()


def test_image_tag_and_remove(gateway: Engine, hello_image: str, scratch_name: str) -> None:
    """Local images are found by name or ID; tag and remove work and say what they did."""
    assert gateway.image(HELLO_IMAGE) is not None
    assert gateway.image(hello_image).id == hello_image  # type: ignore[union-attr]
    assert gateway.image(f"{scratch_name}:nothing") is None
    assert hello_image in {image.id for image in gateway.images()}
    gateway.tag(HELLO_IMAGE, f"{scratch_name}:one")
    tagged = gateway.image(f"{scratch_name}:one")
    assert tagged is not None and tagged.id == hello_image and f"{scratch_name}:one" in tagged.tags
    assert gateway.remove(f"{scratch_name}:one") == [f"Untagged: {scratch_name}:one"]
    assert gateway.image(f"{scratch_name}:one") is None


def test_tag_and_remove_failures_carry_the_engine_text(gateway: Engine, scratch_name: str) -> None:
    """Uppercase names and unknown images are refused with the texts the explainer knows."""
    with pytest.raises(EngineError, match="repository name must be lowercase"):
        gateway.tag(HELLO_IMAGE, "Alice/python-hello-world")
    with pytest.raises(EngineError, match="No such image"):
        gateway.tag(f"{scratch_name}:missing", f"{scratch_name}:copy")
    with pytest.raises(EngineError, match="No such image"):
        gateway.remove(f"{scratch_name}:missing")


def test_push_streams_layers_lines_and_the_registry_digest(
    gateway: Engine, engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], layered_image: str,
) -> None:
    """A push yields clamped layer progress, CLI-like lines and the manifest digest it made."""
    user, password = account
    remote = f"{registry.address}/{user}/layered:latest"
    events = pushed(gateway, engine, layered_image, remote, user, password)
    finished = events[-1]
    assert isinstance(finished, PushFinished) and finished.reference == remote
    digest, _, _ = RegistryClient(registry.url, user, password).manifest(f"{user}/layered", "latest")
    assert finished.digest == digest and finished.size
    text = lines(events)
    assert text[0] == f"The push refers to repository [{registry.address}/{user}/layered]"
    done = r"[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from .+)"  # a shared layer may be reused
    assert len([line for line in text if re.fullmatch(done, line)]) == 7
    assert f"latest: digest: {digest} size: {finished.size}" in text
    progress = [event for event in events if isinstance(event, LayerProgressed)]
    assert {event.status for event in progress} >= {"Preparing", "Pushing", "Pushed"}
    assert all(event.current <= event.total for event in progress if event.total)
    assert any(event.current == event.total > 0 for event in progress)


def test_push_failures_end_the_stream_with_the_daemon_text(
    gateway: Engine, engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], hello_image: str, scratch_name: str,
) -> None:
    """Wrong password, no login and an untagged name fail inside the stream, never raising."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    wrong = pushed(gateway, engine, HELLO_IMAGE, remote, user, password + "x")
    assert isinstance(wrong[-1], CommandFailed) and "unauthorized" in wrong[-1].message
    anonymous = pushed(gateway, engine, HELLO_IMAGE, remote, None, None)
    assert isinstance(anonymous[-1], CommandFailed)
    assert anonymous[-1].message == "no basic auth credentials"
    missing = list(gateway.push(f"{registry.address}/{user}/{scratch_name}", user, password))
    assert isinstance(missing[-1], CommandFailed)
    assert "An image does not exist locally with the tag" in missing[-1].message
    assert not [event for event in wrong + anonymous + missing if isinstance(event, PushFinished)]


def test_push_to_a_stopped_registry_fails_in_the_stream(
    gateway: Engine, engine: docker.DockerClient, private_registry: RegistryUnderTest,
    hello_image: str,
) -> None:
    """A registry that is down gives CommandFailed with the connection error."""
    remote = f"{private_registry.address}/{private_registry.user}/{HELLO_IMAGE}:latest"
    private_registry.stop()
    events = pushed(gateway, engine, HELLO_IMAGE, remote, private_registry.user,
                    private_registry.password)
    assert isinstance(events[-1], CommandFailed) and "connection refused" in events[-1].message


def test_pull_brings_the_pushed_image_back(
    gateway: Engine, engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], hello_image: str,
) -> None:
    """After push and untag, a pull ends with the source's ID and digest; events name the tag."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    start = time.time_ns()
    pushed(gateway, engine, HELLO_IMAGE, remote, user, password)
    refused = list(gateway.pull(remote, user, password + "x"))
    assert isinstance(refused[-1], CommandFailed) and "unauthorized" in refused[-1].message
    events = list(gateway.pull(remote, user, password))
    try:
        finished = events[-1]
        assert isinstance(finished, PullFinished) and finished.image_id == hello_image
        digest, _, _ = RegistryClient(registry.url, user, password).manifest(
            f"{user}/{HELLO_IMAGE}", "latest")
        assert finished.digest == digest
        assert lines(events)[0] == f"latest: Pulling from {user}/{HELLO_IMAGE}"
        assert f"Status: Downloaded newer image for {remote}" in lines(events)
        recorded = gateway.image_events(start, time.time_ns())
        mine = [event.action for event in recorded if event.name == remote]
        assert mine == ["tag", "push", "pull"]
    finally:
        engine.images.remove(remote)


def test_progress_beyond_total_is_clamped() -> None:
    """The daemon may report current > total; the event never does."""
    events = progress_events({"status": "Pushing", "id": "abc123", "progress": "[===>]",
                              "progressDetail": {"current": 700, "total": 512}})
    assert events == [LayerProgressed("abc123", "Pushing", 512, 512)]
    done = progress_events({"status": "Pushed", "id": "abc123", "progressDetail": {}})
    assert done == [LayerProgressed("abc123", "Pushed", 0, 0), OutputLine("abc123: Pushed")]


def test_run_prints_the_output_and_leaves_no_container(
    gateway: Engine, engine: docker.DockerClient, hello_image: str, scratch_name: str,
) -> None:
    """`run --rm` shows the container's output and removes it; a missing image fails clearly."""
    gateway.tag(HELLO_IMAGE, f"{scratch_name}:run")  # a name only this test's containers use
    assert list(gateway.run(f"{scratch_name}:run")) == [OutputLine("Hello from python-hello-world!")]
    assert containers_of(engine, f"{scratch_name}:run") == []
    failed = list(gateway.run(f"{scratch_name}:none"))
    assert failed == [CommandFailed(f"Unable to find image '{scratch_name}:none' locally")]


def test_build_streams_output_and_reports_failures(
    gateway: Engine, tmp_path: Path, scratch_name: str,
) -> None:
    """A good Dockerfile builds the tag; a broken one ends with CommandFailed."""
    (tmp_path / "hello.txt").write_text("hi\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    events = list(gateway.build(str(tmp_path), f"{scratch_name}:built"))
    assert any(line.startswith("Step 2/2 : COPY") for line in lines(events))
    assert not [event for event in events if isinstance(event, CommandFailed)]
    assert gateway.image(f"{scratch_name}:built") is not None
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY missing.txt /missing.txt\n")
    broken = list(gateway.build(str(tmp_path), f"{scratch_name}:broken"))
    assert isinstance(broken[-1], CommandFailed) and "missing.txt" in broken[-1].message


def test_image_events_show_a_tag_made_with_the_cli(
    gateway: Engine, docker_cli: Cli, hello_image: str, scratch_name: str,
) -> None:
    """A `docker tag` in the learner's terminal appears among the image events of its time."""
    start = time.time_ns()
    assert docker_cli("tag", HELLO_IMAGE, f"{scratch_name}:cli").returncode == 0
    events = gateway.image_events(start, time.time_ns())
    # Other tests may share the daemon: look only at this test's own name.
    mine = [(event.action, event.name) for event in events if scratch_name in event.name]
    assert mine == [("tag", f"{scratch_name}:cli")]
    assert all(start <= event.time_nano for event in events)
    earlier = gateway.image_events(start - 10**9, start)
    assert not [event for event in earlier if scratch_name in event.name]


def watch_in_thread(gateway: Engine) -> tuple[threading.Event, threading.Thread, list[EngineEvent]]:
    """Run watch() in a thread as the UI does; returns its stop flag, thread and findings."""
    stop, seen, since = threading.Event(), [], time.time_ns()
    thread = threading.Thread(target=lambda: seen.extend(gateway.watch(stop, since)), daemon=True)
    thread.start()
    return stop, thread, seen


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_watch_notices_a_cli_tag_and_stops_promptly(
    gateway: Engine, docker_cli: Cli, hello_image: str, scratch_name: str,
) -> None:
    """watch() yields a `docker tag` done in another terminal and ends soon after stop is set."""
    stop, thread, seen = watch_in_thread(gateway)
    assert docker_cli("tag", HELLO_IMAGE, f"{scratch_name}:watched").returncode == 0
    assert wait_for(lambda: any(event.name == f"{scratch_name}:watched" for event in seen))
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive()
    # Other tests may share the daemon: look only at this test's own name.
    assert [event.action for event in seen if scratch_name in event.name] == ["tag"]


def test_watch_from_a_past_time_replays_what_happened_since(
    gateway: Engine, docker_cli: Cli, hello_image: str, scratch_name: str,
) -> None:
    """A watch started after a change still reports it when asked to begin before it."""
    since = time.time_ns()
    assert docker_cli("tag", HELLO_IMAGE, f"{scratch_name}:earlier").returncode == 0
    stop, seen = threading.Event(), []
    thread = threading.Thread(target=lambda: seen.extend(gateway.watch(stop, since)), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: any(event.name == f"{scratch_name}:earlier" for event in seen))
    finally:
        stop.set()
        thread.join(timeout=2)
    assert all(event.time_nano >= since for event in seen)


def test_a_pull_digest_is_named_only_when_the_engine_records_one_for_that_name() -> None:
    """One digest under the pulled name is the answer; Podman's several digests are no answer."""
    one = LocalImage("sha256:id", repo_digests=("localhost:5000/alice/app@sha256:aa", "other@sha256:bb"))
    assert _digest_for(one, "localhost:5000/alice/app:latest") == "sha256:aa"
    many = LocalImage("sha256:id", repo_digests=("localhost:5000/alice/app@sha256:aa",
                                                 "localhost:5000/alice/app@sha256:cc"))
    assert _digest_for(many, "localhost:5000/alice/app:latest") is None
    assert _digest_for(one, "localhost:5000/bob/app:latest") is None
