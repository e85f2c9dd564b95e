"""The practice registry as a container of the registry image, when no registry program is installed.

There is no internet here, so the test builds its own registry image FROM scratch around the
Debian registry program (and the C library it links), under a unique name: the machine's
`registry:2`, if any, is never touched.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
from docker.models.containers import Container

from tests import test_companion, test_practice, test_practice_tls
from tests.companion_support import get, row, wait_until
from tests.conftest import HELLO_IMAGE, missing
from tests.test_practice import Practice
from tutor.core.engine.gateway import Engine
from tutor.core.events import PushFinished
from tutor.core.registry import practice_runner as practice_module
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import RegistryClient, Unauthorized
from tutor.core.registry.companion import events as store
from tutor.core.registry.companion.container_log import CURSOR_FILE, stamp_ns
from tutor.core.registry.container import LABEL

DockerCli = Callable[..., subprocess.CompletedProcess[str]]
REGISTRY_PROGRAM = Path("/usr/bin/docker-registry")
practice = test_practice.practice  # the CLI on the test's own data dir; stopped afterwards
veth_address = test_practice_tls.veth_address  # 10.213.0.1 on a network of the test's own


def _linked_libraries(program: Path) -> list[Path]:
    """The shared libraries (and loader) a dynamic program needs, from ldd."""
    listing = subprocess.run(["ldd", str(program)], capture_output=True, text=True, timeout=30)
    paths = []
    for line in listing.stdout.splitlines():
        words = [word for word in line.replace("=>", " ").split() if word.startswith("/")]
        paths.extend(Path(word) for word in words[:1])
    return paths


def _write_context(folder: Path) -> None:
    """A FROM-scratch image like registry:2: the program at /bin/registry and what it links."""
    shutil.copy(REGISTRY_PROGRAM, folder / "registry")
    lines = ["FROM scratch", "COPY registry /bin/registry"]
    for index, library in enumerate(_linked_libraries(REGISTRY_PROGRAM)):
        shutil.copy(library.resolve(), folder / f"lib{index}")
        lines.append(f"COPY lib{index} {library}")
    lines += ['ENTRYPOINT ["/bin/registry"]', 'CMD ["serve", "/etc/docker/registry/config.yml"]']
    (folder / "Dockerfile").write_text("\n".join(lines) + "\n")


def _registry_image(client: docker.DockerClient, factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the registry image under a unique name; remove it and this run's containers after."""
    if not REGISTRY_PROGRAM.exists() or shutil.which("ldd") is None:
        missing("the registry program is needed to build a registry image (apt-get install docker-registry)")
    folder = factory.mktemp("registry-image")
    _write_context(folder)
    tag = f"tutor-test-registry:{secrets.token_hex(4)}"
    client.images.build(path=str(folder), tag=tag, rm=True)
    yield tag
    ours = str(factory.getbasetemp())  # every data dir of this run lies below it
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        if container.labels.get(LABEL, "").startswith(ours):
            container.remove(force=True, v=True)
    client.images.remove(tag, force=True)


@pytest.fixture(scope="module")
def registry_image(engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real registry image on the Docker daemon."""
    yield from _registry_image(engine, tmp_path_factory)


@pytest.fixture(scope="module")
def podman_registry_image(podman_engine: docker.DockerClient,
                          tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same registry image in Podman's storage."""
    yield from _registry_image(podman_engine, tmp_path_factory)


@pytest.fixture
def containerized(practice: Practice, registry_image: str, monkeypatch: pytest.MonkeyPatch) -> Practice:
    """The practice CLI on a machine without a registry program, whose Docker has the image."""
    monkeypatch.setattr(registry_server, "find_binary", lambda: None)
    monkeypatch.setattr(practice_module, "REGISTRY_IMAGE", registry_image)
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    return practice


def _container(engine: docker.DockerClient, practice: Practice) -> Container:
    container_id = practice.registry.status().container
    assert container_id, "the state names no container"
    return engine.containers.get(container_id)


def test_start_runs_the_image_and_the_docker_cli_logs_in_pushes_and_pulls(
    containerized: Practice, engine: docker.DockerClient, docker_cli: DockerCli, hello_image: str,
) -> None:
    """No program: start runs the image on 127.0.0.1:PORT; accounts made later work at once."""
    started = containerized.start()
    assert started.code == 0, started.err
    assert f"running at {containerized.address} (container " in started.out
    status = containerized.registry.status()
    assert status.running and status.container and status.pid is None
    container = _container(engine, containerized)
    assert container.status == "running" and container.labels[LABEL] == str(containerized.data)
    # On the host's network: no port published, the registry binds 127.0.0.1:PORT itself.
    assert container.attrs["HostConfig"]["NetworkMode"] == "host"
    assert not container.attrs["HostConfig"].get("PortBindings")
    assert f"addr: 127.0.0.1:{containerized.port}\n" in (containerized.data / "config.yml").read_text()
    assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] in ("", "no")
    shown = containerized.run("status")
    assert shown.code == 0 and f"container {status.container[:12]}" in shown.out
    again = containerized.run("start")
    assert again.code == 0 and "already running" in again.out
    assert containerized.registry.status().container == status.container

    # The same scenario as with the registry program; its account is made after the start,
    # so the container must see the replaced htpasswd file at once.
    test_practice.test_docker_cli_logs_in_pushes_and_pulls(containerized, docker_cli, engine, hello_image)
    (user,) = containerized.registry.users()
    assert containerized.registry.pushed() == [f"{user}/{HELLO_IMAGE}:latest"]
    assert (containerized.data / "storage" / "docker" / "registry" / "v2" / "repositories" / user).is_dir()

    stopped = containerized.run("stop")
    assert stopped.code == 0 and "Stopped" in stopped.out
    with pytest.raises(docker.errors.NotFound):
        engine.containers.get(status.container)
    assert not containerized.registry.status().running


def _started_then_killed(practice: Practice, engine: docker.DockerClient) -> Container:
    """Start through the CLI, then `docker kill` the registry's container; returns it."""
    started = practice.start()
    assert started.code == 0, started.err
    container = _container(engine, practice)
    container.kill()
    return container


def test_a_killed_container_is_reported_and_start_recovers(containerized: Practice,
                                                          engine: docker.DockerClient) -> None:
    """docker kill: status says it died (exit 2); start removes the dead one and runs a new one,
    whose log the surviving companion follows (a wrong login reaches the board)."""
    old = _started_then_killed(containerized, engine)
    companion_pid = json.loads((containerized.data / "state.json").read_text())["companion_pid"]
    status = containerized.run("status")
    assert status.code == 2 and "died" in status.out and "container" in status.out
    assert containerized.registry.status().stale
    started = containerized.run("start")
    assert started.code == 0 and "had died" in started.out, started.err
    now = containerized.registry.status()
    assert now.running and now.container != old.id and now.port == containerized.port
    assert RegistryClient(f"http://127.0.0.1:{containerized.port}").ping()
    with pytest.raises(docker.errors.NotFound):
        old.reload()
    assert json.loads((containerized.data / "state.json").read_text())["companion_pid"] == companion_pid
    user, password = containerized.add_user()
    with pytest.raises(Unauthorized):
        RegistryClient(f"http://127.0.0.1:{containerized.port}", user, "not-" + password).check_login()
    url = test_companion.web(containerized)
    wait_until("the failed login on the board", lambda: row(url, user)["last_error"] == "login_failed")


def test_a_container_killed_then_stopped_is_removed(containerized: Practice,
                                                    engine: docker.DockerClient) -> None:
    """stop after a kill says it had died and removes the dead container, freeing its name."""
    old = _started_then_killed(containerized, engine)
    stopped = containerized.run("stop")
    assert stopped.code == 0 and "had already died" in stopped.out
    with pytest.raises(docker.errors.NotFound):
        old.reload()


def test_tls_on_loopback_serves_https_with_the_tutor_ca(containerized: Practice) -> None:
    """--tls: the in-container config points at the mounted certificate; the CA verifies it."""
    started = containerized.start("--tls")
    assert started.code == 0, started.err
    status = containerized.registry.status()
    assert status.tls and status.ca_file and status.url and status.url.startswith("https://")
    assert RegistryClient(status.url, ca_file=status.ca_file).ping()
    user, password = containerized.add_user()
    RegistryClient(status.url, user, password, ca_file=status.ca_file).check_login()


def test_beyond_loopback_with_tls_a_trusting_docker_daemon_pushes(
    containerized: Practice, veth_address: str, engine: docker.DockerClient, hello_image: str,
) -> None:
    """--host 10.213.0.1 --tls publishes there; the same scenario as with the registry program."""
    test_practice_tls.test_docker_daemon_trusting_the_printed_ca_pushes_over_tls(
        containerized, veth_address, engine, hello_image)
    assert _container(engine, containerized).attrs["HostConfig"]["NetworkMode"] == "host"
    config = (containerized.data / "config.yml").read_text()
    assert f"addr: {veth_address}:{containerized.port}\n" in config


def test_no_program_and_no_image_says_how_to_get_either(practice: Practice,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the program nor the image: exit 1, both ways to get one, nothing recorded."""
    missing_image = f"tutor-test-missing-{secrets.token_hex(4)}:2"
    monkeypatch.setattr(registry_server, "find_binary", lambda: None)
    monkeypatch.setattr(practice_module, "REGISTRY_IMAGE", missing_image)
    ran = practice.start()
    assert ran.code == 1
    assert "apt-get install docker-registry" in ran.err and f"docker pull {missing_image}" in ran.err
    assert not practice.registry.status().running and not (practice.data / "state.json").exists()


def test_podman_runs_the_image_too(practice: Practice, podman_engine: docker.DockerClient,
                                   podman_socket: str, podman_registry_image: str,
                                   podman_hello_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With only Podman answering: start runs the image there on the host's network; a wrong login
    (from the container's log) and a push (from the webhook) reach the board; stop removes it."""
    monkeypatch.setattr(registry_server, "find_binary", lambda: None)
    monkeypatch.setattr(practice_module, "REGISTRY_IMAGE", podman_registry_image)
    monkeypatch.setenv("DOCKER_HOST", podman_socket)
    started = practice.start()
    assert started.code == 0, started.err
    status = practice.registry.status()
    assert status.running and status.container
    container = podman_engine.containers.get(status.container)
    assert container.status == "running" and container.attrs["HostConfig"]["NetworkMode"] == "host"
    user, password = practice.add_user()
    url = test_companion.web(practice)
    with pytest.raises(Unauthorized):
        RegistryClient(f"http://127.0.0.1:{practice.port}", user, "not-" + password).check_login()
    wait_until("the failed login on the board", lambda: row(url, user)["last_error"] == "login_failed")
    RegistryClient(f"http://127.0.0.1:{practice.port}", user, password).check_login()
    remote = f"{practice.address}/{user}/{HELLO_IMAGE}:latest"
    gateway = Engine.connect("podman", base_url=podman_socket)
    try:
        gateway.tag(HELLO_IMAGE, remote)
        events = list(gateway.push(remote, user, password))
        gateway.remove(remote)
    finally:
        gateway.close()
    assert isinstance(events[-1], PushFinished), events
    assert practice.registry.pushed() == [f"{user}/{HELLO_IMAGE}:latest"]
    wait_until("the push on the board", lambda: "push" in row(url, user)["done"])
    assert row(url, user)["repository"] == f"{user}/{HELLO_IMAGE}"
    # Podman 4 stamps log lines in whole seconds: the cursor counts the lines of its second.
    _restart_copies_no_line_twice(practice, container)
    assert practice.run("stop").code == 0
    with pytest.raises(docker.errors.NotFound):
        podman_engine.containers.get(status.container)


# -- the class board with the registry in a container ------------------------------------------
def _raw_event_ids(practice: Practice, kind: str) -> list[str]:
    """The ids of every line of one kind in the events file, as written (EventReader's dedup aside)."""
    path = store.events_path(practice.data)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [data["id"] for data in map(json.loads, lines) if data.get("kind") == kind]


def _wrong_login(docker_cli: DockerCli, practice: Practice, user: str, password: str) -> None:
    ran = docker_cli("login", "-u", user, "--password-stdin", practice.address, stdin="not-" + password)
    assert ran.returncode != 0


def test_a_docker_push_to_the_container_reaches_the_board(containerized: Practice, docker_cli: DockerCli,
                                                          hello_image: str) -> None:
    """On the host's network the container's notifications reach the companion's loopback webhook."""
    assert containerized.start().code == 0
    user, password = containerized.add_user()
    url = test_companion.web(containerized)
    assert test_companion.login(docker_cli, containerized, user, password)
    remote = f"{containerized.address}/{user}/{HELLO_IMAGE}:latest"
    try:
        assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
        pushed = docker_cli("push", remote)
        assert pushed.returncode == 0, pushed.stderr
        wait_until("the push on the board", lambda: "push" in row(url, user)["done"])
    finally:
        docker_cli("rmi", remote)
    shown = row(url, user)
    assert shown["current_step"] == "verify" and shown["repository"] == f"{user}/{HELLO_IMAGE}"


def test_a_wrong_docker_login_reaches_the_board_from_the_containers_log(
    containerized: Practice, engine: docker.DockerClient, docker_cli: DockerCli,
) -> None:
    """The companion copies the container's log into registry.log: the wrong password is the
    account's last error, and the copy is the container's log line for line."""
    assert containerized.start().code == 0
    user, password = containerized.add_user()
    url = test_companion.web(containerized)
    _wrong_login(docker_cli, containerized, user, password)
    wait_until("the failed login on the board", lambda: row(url, user)["last_error"] == "login_failed")
    assert "Wrong password" in get(url + "/board")[1]
    _log_copied_once(containerized, _container(engine, containerized))


def _log_copied_once(practice: Practice, container: Container) -> None:
    """registry.log begins with the container's whole log so far, each line once, in order."""
    engines_log = container.logs().decode().splitlines()
    copied = lambda: (practice.data / "registry.log").read_text().splitlines()  # noqa: E731
    wait_until("the log copied", lambda: len(copied()) >= len(engines_log))
    assert copied()[:len(engines_log)] == engines_log


def _restart_copies_no_line_twice(practice: Practice, container: Container) -> None:
    """A wrong login; kill -9 of the companion; start brings it back; another wrong login: two
    events, neither twice, and registry.log still the container's log once over."""
    user, password = practice.add_user()
    wrong = RegistryClient(f"http://127.0.0.1:{practice.port}", user, "not-" + password)
    with pytest.raises(Unauthorized):
        wrong.check_login()
    wait_until("the first failed login", lambda: bool(_raw_event_ids(practice, "login_failed")))
    before = _raw_event_ids(practice, "login_failed")
    pid = json.loads((practice.data / "state.json").read_text())["companion_pid"]
    os.kill(pid, signal.SIGKILL)
    wait_until("the companion gone", lambda: not practice.registry.status().web_running)
    assert practice.start().code == 0 and practice.registry.status().web_running
    with pytest.raises(Unauthorized):
        wrong.check_login()
    wait_until("the failed login after the restart",
               lambda: len(_raw_event_ids(practice, "login_failed")) > len(before))
    after = _raw_event_ids(practice, "login_failed")
    assert after[:len(before)] == before and len(after) == len(set(after)), after
    _log_copied_once(practice, container)


def test_a_restarted_companion_copies_no_log_line_twice(containerized: Practice,
                                                        engine: docker.DockerClient) -> None:
    """Docker stamps log lines in nanoseconds: the cursor goes on after the last one copied."""
    assert containerized.start().code == 0
    _restart_copies_no_line_twice(containerized, _container(engine, containerized))


def test_a_line_copied_just_before_a_kill_is_not_copied_again(containerized: Practice,
                                                             engine: docker.DockerClient) -> None:
    """kill -9 between writing a line to registry.log and saving the cursor: the saved length says
    the line is there already, so the restarted companion goes on after it."""
    assert containerized.start().code == 0
    container = _container(engine, containerized)
    user, password = containerized.add_user()
    wrong = RegistryClient(f"http://127.0.0.1:{containerized.port}", user, "not-" + password)
    with pytest.raises(Unauthorized):
        wrong.check_login()
    wait_until("the failed login", lambda: bool(_raw_event_ids(containerized, "login_failed")))
    os.kill(json.loads((containerized.data / "state.json").read_text())["companion_pid"], signal.SIGKILL)
    wait_until("the companion gone", lambda: not containerized.registry.status().web_running)
    log = containerized.data / "registry.log"
    copied = log.read_bytes().splitlines(keepends=True)
    assert len(copied) >= 2
    # The cursor as it was before the last copied line: that line's write done, its save not.
    times = [stamp_ns(line.split(" ", 1)[0]) or 0
             for line in container.logs(timestamps=True).decode().splitlines()[:len(copied) - 1]]
    at_time = 0
    for when in reversed(times):
        if when != times[-1]:
            break
        at_time += 1
    cursor_file = store.events_path(containerized.data).parent / CURSOR_FILE
    saved = json.loads(cursor_file.read_text())
    assert saved["log_size"] == log.stat().st_size
    cursor_file.write_text(json.dumps({"container": saved["container"], "time_ns": times[-1],
                                       "at_time": at_time, "log_size": log.stat().st_size - len(copied[-1])}))
    assert containerized.start().code == 0 and containerized.registry.status().web_running
    with pytest.raises(Unauthorized):
        wrong.check_login()
    wait_until("the failed login after the restart",
               lambda: len(set(_raw_event_ids(containerized, "login_failed"))) == 2)
    _log_copied_once(containerized, container)
