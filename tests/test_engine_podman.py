"""The engine gateway against a real Podman service: same calls, Podman's differences hidden."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tests.test_engine import containers_of, lines, wait_for, watch_in_thread
from tutor.core.engine.gateway import Engine, EngineError, EngineUnavailable
from tutor.core.events import CommandFailed, Event, LayerProgressed, OutputLine, PullFinished, PushFinished
from tutor.core.registry.api import RegistryClient


@pytest.fixture
def podman(podman_socket: str) -> Iterator[Engine]:
    """The gateway on the test session's Podman service."""
    connected = Engine.connect("podman", podman_socket)
    yield connected
    connected.close()


def podman_cli(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("podman")
    assert binary is not None
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))


def push_as(podman: Engine, podman_engine: docker.DockerClient, remote: str,
            user: str, password: str) -> list[Event]:
    """Tag python-hello-world as remote in Podman, push it, and remove the remote name again."""
    podman.tag(HELLO_IMAGE, remote)
    try:
        return list(podman.push(remote, user, password))
    finally:
        podman_engine.images.remove(remote)


def test_connect_recognises_podman(podman: Engine) -> None:
    """The compat socket is recognised as Podman from its /version components."""
    assert podman.kind == "podman"
    assert podman.info.version.startswith("4.")


def test_podman_kind_finds_the_user_socket(podman_socket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """--engine podman looks at $XDG_RUNTIME_DIR/podman/podman.sock."""
    folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "podman"
    folder.mkdir()
    (folder / "podman.sock").symlink_to(podman_socket[len("unix://"):])
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    connected = Engine.connect("podman")
    assert connected.kind == "podman" and connected.info.base_url == f"unix://{folder}/podman.sock"
    connected.close()


def test_podman_kind_accepts_docker_host_pointing_at_podman(
    podman_socket: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The common `export DOCKER_HOST=unix://.../podman.sock` works for --engine podman too."""
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_HOST", podman_socket)
    connected = Engine.connect("podman")
    assert connected.kind == "podman" and connected.info.base_url == podman_socket
    connected.close()


def test_podman_kind_passes_over_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    """When only Docker answers, --engine podman says so and how to proceed."""
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    with pytest.raises(EngineUnavailable) as caught:
        Engine.connect("podman")
    message = str(caught.value)
    assert message.startswith("unix:///var/run/docker.sock is docker, not podman. Use --engine docker")
    assert "systemctl --user start podman.socket" in message


def test_push_to_a_loopback_registry_gives_the_registry_digest(
    podman: Engine, podman_engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], podman_hello_image: str,
) -> None:
    """Podman pushes over plain HTTP to localhost:PORT; the digest comes from its status line."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    events = push_as(podman, podman_engine, remote, user, password)
    finished = events[-1]
    assert isinstance(finished, PushFinished), events
    client = RegistryClient(registry.url, user, password)
    digest, _, _ = client.manifest(f"{user}/{HELLO_IMAGE}", "latest")
    assert finished.digest == digest and finished.size
    assert client.remote_image(f"{user}/{HELLO_IMAGE}", "latest").config_digest == podman_hello_image
    assert not [event for event in events if isinstance(event, LayerProgressed)]
    assert lines(events)[0].startswith(f"The push refers to repository [{registry.address}/{user}/")
    assert f"latest: digest: {digest} size: {finished.size}" in lines(events)


def test_push_to_127_0_0_1_works_too(
    podman: Engine, podman_engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], podman_hello_image: str,
) -> None:
    """TLS is off for every loopback address, not only for the name localhost."""
    user, password = account
    address = registry.address.replace("localhost", "127.0.0.1")
    events = push_as(podman, podman_engine, f"{address}/{user}/{HELLO_IMAGE}:latest", user, password)
    assert isinstance(events[-1], PushFinished), events


def test_login_check_through_podman(podman: Engine, registry: RegistryUnderTest,
                                    account: tuple[str, str]) -> None:
    """Podman's /auth checks the password against the plain-HTTP registry at localhost:PORT."""
    user, password = account
    assert podman.login(registry.address, user, password) == "Login Succeeded"
    with pytest.raises(EngineError, match="401 Unauthorized"):
        podman.login(registry.address, user, password + "x")


def test_forcing_tls_on_a_plain_http_registry_fails_with_podmans_text(
    podman: Engine, podman_engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], podman_hello_image: str,
) -> None:
    """tls_verify=True reaches Podman: the plain-HTTP registry is then refused, push and pull."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    podman.tag(HELLO_IMAGE, remote)
    try:
        pushed = list(podman.push(remote, user, password, tls_verify=True))
    finally:
        podman_engine.images.remove(remote)
    assert isinstance(pushed[-1], CommandFailed)
    assert "HTTP response to HTTPS client" in pushed[-1].message
    pulled = list(podman.pull(remote, user, password, tls_verify=True))
    assert isinstance(pulled[-1], CommandFailed)
    assert "HTTP response to HTTPS client" in pulled[-1].message


def test_wrong_password_fails_inside_the_stream(
    podman: Engine, podman_engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], podman_hello_image: str,
) -> None:
    """Podman's refusal arrives as CommandFailed with its own text."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    events = push_as(podman, podman_engine, remote, user, password + "x")
    assert isinstance(events[-1], CommandFailed) and "unauthorized" in events[-1].message


def test_pull_through_libpod_brings_the_image_back(
    podman: Engine, podman_engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], podman_hello_image: str,
) -> None:
    """The pull (libpod endpoint, TLS off for loopback) ends with the source's image ID."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    push_as(podman, podman_engine, remote, user, password)
    refused = list(podman.pull(remote, user, password + "x"))
    assert isinstance(refused[-1], CommandFailed) and "unauthorized" in refused[-1].message
    events = list(podman.pull(remote, user, password))
    try:
        finished = events[-1]
        assert isinstance(finished, PullFinished), events
        assert finished.image_id == podman_hello_image
        digest, _, _ = RegistryClient(registry.url, user, password).manifest(
            f"{user}/{HELLO_IMAGE}", "latest")
        # Podman names the pushed and the local digest under every name: the pull cannot know
        # which one the registry served, and must not guess
        local = podman.image(remote)
        assert local is not None and f"{remote.rsplit(':', 1)[0]}@{digest}" in local.repo_digests
        assert finished.digest is None
        assert lines(events)[0] == f"Trying to pull {remote}..."
    finally:
        podman_engine.images.remove(remote)


def test_image_events_show_push_pull_and_tag(
    podman: Engine, podman_engine: docker.DockerClient, registry: RegistryUnderTest,
    account: tuple[str, str], podman_hello_image: str,
) -> None:
    """Podman's compat events give tag, push and pull with the full remote name."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    start = time.time_ns()
    push_as(podman, podman_engine, remote, user, password)
    list(podman.pull(remote, user, password))
    podman_engine.images.remove(remote)
    time.sleep(0.5)  # Podman writes its event log a moment after the action
    events = podman.image_events(start, time.time_ns())
    actions = [event.action for event in events if event.name == remote]
    assert {"tag", "push", "pull", "untag"} <= set(actions)
    assert actions.index("push") < actions.index("pull")


def test_watch_notices_a_podman_cli_tag(podman: Engine, podman_hello_image: str) -> None:
    """watch() on Podman sees a `podman tag` from another terminal and stops when asked."""
    name = f"localhost/tutor-watch-{os.getpid()}-{time.monotonic_ns()}:cli"
    stop, thread, seen = watch_in_thread(podman)
    assert podman_cli("tag", HELLO_IMAGE, name).returncode == 0
    try:
        assert wait_for(lambda: any(event.name == name and event.action == "tag" for event in seen))
    finally:
        podman_cli("rmi", name)
        stop.set()
        thread.join(timeout=2)
    assert not thread.is_alive()


def consume_watch(engine: Engine, errors: list[Exception]) -> None:
    """Watch until the stream ends, keeping what it raised."""
    try:
        list(engine.watch(threading.Event()))
    except Exception as error:
        errors.append(error)


def test_engine_that_dies_gives_clear_failures(tmp_path: Path, podman_hello_image: str) -> None:
    """After the engine stops, calls and watch() raise EngineUnavailable, streams end in CommandFailed."""
    socket_path = tmp_path / "dying.sock"
    process = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{socket_path}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        assert wait_for(lambda: socket_path.exists(), 30)
        time.sleep(0.5)
        dying = Engine.connect("podman", f"unix://{socket_path}")
        assert dying.image(HELLO_IMAGE) is not None
        watch_errors: list[Exception] = []
        watcher = threading.Thread(target=lambda: consume_watch(dying, watch_errors), daemon=True)
        watcher.start()
        time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=10)
    watcher.join(timeout=5)
    assert [type(error) for error in watch_errors] == [EngineUnavailable]
    with pytest.raises(EngineUnavailable, match="Cannot connect to the podman engine"):
        dying.images()
    events = list(dying.push(f"localhost:1/{HELLO_IMAGE}", None, None))
    assert len(events) == 1 and isinstance(events[0], CommandFailed)
    assert "Cannot connect to the podman engine" in events[0].message


def test_podman_names_look_like_dockers(podman: Engine, podman_hello_image: str) -> None:
    """Podman's docker.io/library/ prefix is dropped, so callers compare names as with Docker."""
    image = podman.image(HELLO_IMAGE)
    assert image is not None and image.id == podman_hello_image
    assert f"{HELLO_IMAGE}:latest" in image.tags
    assert not [tag for tag in image.tags if tag.startswith("docker.io/")]


def test_podman_pull_of_a_hub_short_name_is_qualified(podman: Engine) -> None:
    """A Docker Hub short name goes to docker.io, not to Podman's short-name refusal."""
    events = list(podman.pull(f"tutor-nobody-{os.getpid()}/nothing", None, None))
    assert isinstance(events[-1], CommandFailed)
    assert "short-name" not in events[-1].message and "docker.io" in events[-1].message


def test_podman_build_streams_its_steps(podman: Engine, podman_engine: docker.DockerClient,
                                        tmp_path: Path) -> None:
    """A build through Podman streams its STEP lines and leaves the tagged image."""
    (tmp_path / "hello.txt").write_text("hi\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    tag = f"tutor-podman-build-{os.getpid()}:{time.monotonic_ns()}"
    events = list(podman.build(str(tmp_path), tag))
    try:
        assert any(line.startswith("STEP 2/2: COPY") for line in lines(events)), events
        assert not [event for event in events if isinstance(event, CommandFailed)]
        image = podman.image(tag)
        assert image is not None and f"{tag}" in image.tags
        assert podman.remove(tag) == [f"Untagged: {tag}", f"Deleted: {image.id}"]
    finally:
        with contextlib.suppress(docker.errors.DockerException):
            podman_engine.images.remove(tag)


def test_run_prints_the_output_and_leaves_no_container(
    podman: Engine, podman_engine: docker.DockerClient, podman_hello_image: str,
) -> None:
    """`run --rm` on Podman shows the output (even where its default rlimits are refused)."""
    name = f"localhost/tutor-run-{os.getpid()}:{time.monotonic_ns()}"
    podman.tag(HELLO_IMAGE, name)
    try:
        assert list(podman.run(name)) == [OutputLine("Hello from python-hello-world!")]
        assert containers_of(podman_engine, name) == []
    finally:
        podman.remove(name)
