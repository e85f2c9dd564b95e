"""The practice registry through its commands, used with the real docker CLI and Podman."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from tests.conftest import HELLO_IMAGE, missing, podman_push
from tutor.__main__ import main
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import RegistryClient, RegistryUnreachable, Unauthorized
from tutor.core.registry.practice import ADMIN_USER, PracticeRegistry


@dataclass
class Ran:
    """One CLI run: exit code and what it printed."""

    code: int
    out: str
    err: str


@dataclass
class Practice:
    """The CLI pointed at a test's own data dir and port."""

    data: Path
    port: int
    run: Callable[..., Ran]

    @property
    def address(self) -> str:
        return f"localhost:{self.port}"

    @property
    def registry(self) -> PracticeRegistry:
        return PracticeRegistry(self.data)

    def start(self, *extra: str) -> Ran:
        return self.run("start", "--port", str(self.port), *extra)

    def add_user(self) -> tuple[str, str]:
        """A fresh account made through `practice add-user --password-stdin`."""
        name, password = "learner" + secrets.token_hex(4), "pw-" + secrets.token_hex(8)
        ran = self.run("add-user", name, "--password-stdin", stdin=password + "\n")
        assert ran.code == 0, ran.err
        return name, password


@pytest.fixture
def practice(tmp_path: Path, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Practice]:
    """`registry-tutor practice ...` on a data dir of the test's own; stopped afterwards."""
    if registry_server.find_binary() is None:
        missing("no registry binary (apt-get install docker-registry)")
    data = tmp_path / "practice"

    def run(action: str, *args: str, stdin: str = "") -> Ran:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(["practice", action, "--data", str(data), *args])
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield Practice(data, registry_server.free_port(), run)
    PracticeRegistry(data).stop()


def push_hello(engine: docker.DockerClient, address: str, user: str, password: str,
               tag: str = "latest") -> str:
    """Push python-hello-world as USER/python-hello-world:TAG through the daemon; its digest."""
    remote = f"{address}/{user}/{HELLO_IMAGE}"
    engine.images.get(HELLO_IMAGE).tag(remote, tag)
    try:
        auth = {"username": user, "password": password}
        stream = list(engine.api.push(remote, tag, auth_config=auth, stream=True, decode=True))
    finally:
        engine.images.remove(f"{remote}:{tag}")
    assert not [line for line in stream if "errorDetail" in line], stream
    return str(next(line["aux"]["Digest"] for line in stream if "aux" in line))


@pytest.fixture
def running(practice: Practice) -> Practice:
    """A practice registry already started through the CLI."""
    ran = practice.start()
    assert ran.code == 0, ran.err
    return practice


def test_start_status_stop_and_a_second_start_reports_the_running_one(practice: Practice) -> None:
    """start prints localhost:PORT and answers at once; a second start keeps the same process."""
    first = practice.start()
    assert first.code == 0, first.err
    assert f"running at {practice.address}" in first.out
    status = practice.registry.status()
    assert status.running and status.address == practice.address and status.pid
    assert RegistryClient(f"http://127.0.0.1:{practice.port}").ping()
    again = practice.run("start")
    assert again.code == 0 and "already running" in again.out
    assert practice.registry.status().pid == status.pid
    shown = practice.run("status")
    assert shown.code == 0 and practice.address in shown.out
    assert practice.run("stop").code == 0
    assert not practice.registry.status().running
    assert not _port_open(practice.port)
    stopped = practice.run("status")
    assert stopped.code == 1 and "stopped" in stopped.out


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_registry_started_by_a_command_outlives_it(practice: Practice) -> None:
    """`registry-tutor practice start` as its own process: the registry keeps running after it exits."""
    command = [sys.executable, "-m", "tutor", "practice"]
    data = ["--data", str(practice.data)]
    started = subprocess.run([*command, "start", *data, "--port", str(practice.port)],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    status = subprocess.run([*command, "status", *data], capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and f"running at {practice.address}" in status.stdout
    assert RegistryClient(f"http://127.0.0.1:{practice.port}").ping()
    stopped = subprocess.run([*command, "stop", *data], capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0 and not _port_open(practice.port)


def test_an_explicit_port_in_use_is_refused(practice: Practice) -> None:
    """--port N that something else holds gets exit 1 and a hint, and nothing starts."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", practice.port))
        holder.listen()
        ran = practice.start()
    assert ran.code == 1 and "already in use" in ran.err
    assert not practice.registry.status().running


DockerCli = Callable[..., subprocess.CompletedProcess[str]]


def test_docker_cli_logs_in_pushes_and_pulls(running: Practice, docker_cli: DockerCli,
                                             engine: docker.DockerClient, hello_image: str) -> None:
    """A created account logs in with the real docker CLI; a wrong password fails; push and pull work."""
    user, password = running.add_user()
    wrong = docker_cli("login", "-u", user, "--password-stdin", running.address, stdin="not-" + password)
    assert wrong.returncode != 0 and "unauthorized" in wrong.stderr.lower()
    login = docker_cli("login", "-u", user, "--password-stdin", running.address, stdin=password)
    assert login.returncode == 0, login.stderr
    remote = f"{running.address}/{user}/{HELLO_IMAGE}:latest"
    try:
        assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
        pushed = docker_cli("push", remote)
        assert pushed.returncode == 0, pushed.stderr
        assert docker_cli("rmi", remote).returncode == 0
        pulled = docker_cli("pull", remote)
        assert pulled.returncode == 0, pulled.stderr
        assert engine.images.get(remote).id == hello_image
    finally:
        docker_cli("rmi", remote)
    client = RegistryClient(f"http://127.0.0.1:{running.port}", user, password)
    assert client.tags(f"{user}/{HELLO_IMAGE}") == ["latest"]


def test_podman_pushes_then_board_shows_it_and_reset_empties_it(
    running: Practice, podman_engine: docker.DockerClient, podman_hello_image: str,
) -> None:
    """Podman pushes; `board --json` lists the push with its digest; `reset --yes` removes it."""
    user, password = running.add_user()
    remote = f"{running.address}/{user}/{HELLO_IMAGE}"
    podman_engine.images.get(HELLO_IMAGE).tag(remote, "latest")
    try:
        stream = podman_push(podman_engine, remote, user, password)
        assert not [line for line in stream if "error" in line], stream
    finally:
        podman_engine.images.remove(f"{remote}:latest")
    client = RegistryClient(f"http://127.0.0.1:{running.port}", user, password)
    digest = client.manifest(f"{user}/{HELLO_IMAGE}", "latest")[0]
    board = running.run("board", "--json")
    assert board.code == 0, board.err
    shown = json.loads(board.out)
    mine = [row for row in shown["images"] if row["user"] == user]
    assert mine and mine[0]["repository"] == f"{user}/{HELLO_IMAGE}"
    assert mine[0]["tags"] == ["latest"] and mine[0]["digest"] == digest and mine[0]["pushed_at"]
    assert ADMIN_USER not in {row["user"] for row in shown["images"]}
    assert ADMIN_USER not in {row["user"] for row in shown["rows"]}
    plain = running.run("board")  # not a terminal: one plain table instead of the live screen
    assert plain.code == 0 and [line for line in plain.out.splitlines() if line.startswith(user)]

    refused = running.run("reset")  # no terminal to confirm and no --yes: nothing happens
    assert refused.code == 1 and "--yes" in refused.err
    assert client.tags(f"{user}/{HELLO_IMAGE}") == ["latest"]
    reset = running.run("reset", "--yes")
    assert reset.code == 0 and "Deleted 1" in reset.out
    assert f"{user}/{HELLO_IMAGE}" not in client.catalog()
    assert running.registry.board() == [row for row in running.registry.board() if not row.repository]


def test_reset_of_one_user_keeps_the_others(running: Practice, engine: docker.DockerClient,
                                            hello_image: str) -> None:
    """`reset --user A` deletes only A's images, and A can push again afterwards."""
    accounts = [running.add_user(), running.add_user()]
    for user, password in accounts:
        push_hello(engine, running.address, user, password, "v1")
    (first, _), (second, _) = accounts
    assert running.run("reset", "--user", first, "--yes").code == 0
    assert running.registry.pushed() == [f"{second}/{HELLO_IMAGE}:v1"]
    push_hello(engine, running.address, *accounts[0], "v2")  # the class can start over at once
    assert set(running.registry.pushed()) == {f"{first}/{HELLO_IMAGE}:v2", f"{second}/{HELLO_IMAGE}:v1"}


def test_a_killed_registry_is_reported_and_start_recovers(running: Practice) -> None:
    """kill -9: status says it died (exit 2); start clears the stale pid and answers again."""
    old_pid = running.registry.status().pid
    assert old_pid
    os.kill(old_pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):  # the kill lands asynchronously: wait for it
        os.waitpid(old_pid, 0)
    status = running.run("status")
    assert status.code == 2 and "died" in status.out
    assert running.registry.status().stale
    started = running.run("start")
    assert started.code == 0 and "had died" in started.out
    now = running.registry.status()
    assert now.running and now.pid != old_pid and now.port == running.port
    assert RegistryClient(f"http://127.0.0.1:{running.port}").ping()


def test_non_loopback_host_without_tls_is_refused(practice: Practice) -> None:
    """--host beyond loopback without --tls: exit 1, the reason and the fix, nothing started."""
    ran = practice.start("--host", "10.213.0.1")
    assert ran.code == 1
    assert "without TLS" in ran.err and "--tls" in ran.err
    assert not practice.registry.status().running and not (practice.data / "state.json").exists()


def test_a_host_that_is_not_this_machine_is_refused(practice: Practice) -> None:
    """--host with an address no interface has: exit 1 saying so (binding sends no traffic)."""
    ran = practice.start("--host", "10.213.0.3", "--tls")
    assert ran.code == 1 and "not an address of this machine" in ran.err
    assert not practice.registry.status().running


def test_account_rules_and_htpasswd(practice: Practice) -> None:
    """Bad names, empty passwords and duplicates are refused; only bcrypt hashes, mode 0600."""
    user, password = practice.add_user()
    for bad in ("Alice", "bob smith", "eve:x", ADMIN_USER):
        ran = practice.run("add-user", bad, "--password-stdin", stdin="pw\n")
        assert ran.code == 1 and ran.err, bad
    empty = practice.run("add-user", "carol", "--password-stdin", stdin="\n")
    assert empty.code == 1 and "empty" in empty.err
    duplicate = practice.run("add-user", user, "--password-stdin", stdin="other\n")
    assert duplicate.code == 1 and "already exists" in duplicate.err
    for action in ("board", "reset"):  # both need the running registry: exit 2 and the fix
        stopped = practice.run(action, "--json") if action == "board" else practice.run(action, "--yes")
        assert stopped.code == 2 and "practice start" in stopped.err, action
    no_terminal = practice.run("add-user", "dave")
    assert no_terminal.code == 1 and "--password-stdin" in no_terminal.err
    htpasswd = practice.data / "htpasswd"
    assert stat.S_IMODE(htpasswd.stat().st_mode) == 0o600
    assert password not in htpasswd.read_text() and f"{user}:$2" in htpasswd.read_text()
    assert practice.registry.check_password(user, password)
    assert not practice.registry.check_password(user, password + "x")
    listed = practice.run("users")
    assert listed.out.split() == [user]
    assert practice.run("remove-user", user).code == 0 and not practice.registry.has_user(user)
    assert practice.run("remove-user", user).code == 1


def test_generated_password_is_printed_and_accepted(running: Practice) -> None:
    """add-user --generate prints a password the running registry accepts; remove-user revokes it."""
    ran = running.run("add-user", "gen" + secrets.token_hex(3), "--generate")
    assert ran.code == 0, ran.err
    name = ran.out.split("'")[1]
    password = next(line.split(": ", 1)[1] for line in ran.out.splitlines() if line.startswith("Password:"))
    client = RegistryClient(f"http://127.0.0.1:{running.port}", name, password)
    client.check_login()
    assert running.run("remove-user", name).code == 0
    with pytest.raises(Unauthorized):  # the running registry forgets a removed account at once
        client.check_login()
    stored = stat.S_IMODE((running.data / "admin-password").stat().st_mode)
    assert stored == 0o600


def test_without_a_registry_program_or_image_the_message_says_how_to_get_one(
    practice: Practice, monkeypatch: pytest.MonkeyPatch, engine: docker.DockerClient,
) -> None:
    """No binary and no registry:2 image on the engine: exit 1 naming both ways to get one."""
    if any("registry:2" in image.tags for image in engine.images.list()):
        pytest.skip("this engine has registry:2, so the fallback would apply")
    monkeypatch.setattr(registry_server, "find_binary", lambda: None)
    ran = practice.start()
    assert ran.code == 1
    assert "apt-get install docker-registry" in ran.err and "registry:2" in ran.err
    assert not practice.registry.status().running


def _on_terminal(argv: list[str], replies: list[tuple[str, str]]) -> tuple[int, str]:
    """Run `python -m tutor ARGV` on a real pseudo-terminal, answering each prompt in turn."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session leader whose controlling terminal is the pty
        os.execv(sys.executable, [sys.executable, "-m", "tutor", *argv])
    seen = b""
    deadline = time.monotonic() + 60
    for prompt, reply in [*replies, ("", "")]:
        while prompt.encode() not in seen and time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if reply:
            os.write(fd, reply.encode() + b"\n")
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 4096):
            seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_add_user_asks_twice_on_a_terminal_and_never_echoes(running: Practice) -> None:
    """On a terminal add-user prompts twice without echo; different answers create nothing."""
    base = ["practice", "add-user", "--data", str(running.data)]
    code, shown = _on_terminal([*base, "tina"], [("Password for tina", "s3cret-pw"), ("again", "s3cret-pw")])
    assert code == 0, shown
    assert "s3cret-pw" not in shown and running.registry.check_password("tina", "s3cret-pw")
    code, shown = _on_terminal([*base, "tom"], [("Password for tom", "one"), ("again", "two")])
    assert code == 1 and "differ" in shown and not running.registry.has_user("tom")


def test_reset_asks_on_a_terminal_and_no_keeps_everything(running: Practice, engine: docker.DockerClient,
                                                          hello_image: str) -> None:
    """reset lists what it would delete and asks; 'n' keeps the images, 'y' deletes them."""
    user, password = running.add_user()
    push_hello(engine, running.address, user, password)
    argv = ["practice", "reset", "--data", str(running.data)]
    code, shown = _on_terminal(argv, [("Delete them?", "n")])
    assert code == 1 and f"{user}/{HELLO_IMAGE}:latest" in shown and "Nothing deleted" in shown
    assert running.registry.pushed() == [f"{user}/{HELLO_IMAGE}:latest"]
    code, shown = _on_terminal(argv, [("Delete them?", "y")])
    assert code == 0 and "Deleted 1" in shown and running.registry.pushed() == []


def test_tls_on_loopback_serves_https_with_the_tutors_ca(practice: Practice) -> None:
    """--tls on 127.0.0.1: HTTPS that verifies against the tutor's CA (and only with it)."""
    ran = practice.start("--tls")
    assert ran.code == 0, ran.err
    status = practice.registry.status()
    assert status.tls and status.ca_file and status.ca_file in ran.out
    assert status.url == f"https://127.0.0.1:{practice.port}"
    assert RegistryClient(status.url, ca_file=status.ca_file).ping()
    with pytest.raises(RegistryUnreachable):
        RegistryClient(status.url).ping()
    key = practice.data / "tls" / "server.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_ensure_running_uses_the_user_data_dir_and_starts_once(isolated_home: Path) -> None:
    """The TUI's call: starts in the platformdirs data dir on first use, then reports the same one."""
    if registry_server.find_binary() is None:
        missing("no registry binary (apt-get install docker-registry)")
    practice = PracticeRegistry()
    assert practice.data_dir.is_relative_to(isolated_home)
    try:
        first = practice.ensure_running()
        assert first.running and first.address == f"localhost:{first.port}"
        assert practice.ensure_running().pid == first.pid
        assert json.loads(practice.state_file.read_text())["pid"] == first.pid
    finally:
        assert practice.stop()
    assert not practice.status().running and practice.last_port() == first.port
