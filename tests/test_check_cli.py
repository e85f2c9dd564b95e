"""`registry-tutor check` agrees with a learner doing the whole lab with the real docker CLI."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tutor.__main__ import main
from tutor.core.registry import server as registry_server
from tutor.core.registry.practice import PracticeRegistry

Cli = Callable[..., subprocess.CompletedProcess[str]]


def check(capsys: pytest.CaptureFixture[str], registry: str, user: str,
          *extra: str) -> tuple[int, dict[str, str], str]:
    """Run the check in-process; returns (exit code, id -> status, stderr)."""
    code = main(["check", "--registry", registry, "--user", user, "--engine", "docker", "--json", *extra])
    captured = capsys.readouterr()
    steps = json.loads(captured.out)["steps"]
    assert [set(step) for step in steps] == [{"id", "status", "detail", "hint"}] * 7
    return code, {step["id"]: step["status"] for step in steps}, captured.err


def test_check_follows_a_whole_lab_done_with_the_docker_cli(
    capsys: pytest.CaptureFixture[str], docker_cli: Cli, registry: RegistryUnderTest,
    account: tuple[str, str], hello_image: str,
) -> None:
    """Fresh, login, tag, push, rmi, pull: the JSON says exactly what has been done at each stage."""
    user, password = account
    address, remote = registry.address, f"{registry.address}/{user}/{HELLO_IMAGE}"
    try:
        code, status, _ = check(capsys, address, user)
        assert code == 1
        assert status == {"image": "done", "account": "unknown", "login": "todo", "tag": "todo",
                          "push": "unknown", "verify": "unknown", "pull": "todo"}

        assert docker_cli("login", "-u", user, "--password-stdin", address, stdin=password).returncode == 0
        code, status, _ = check(capsys, address, user)
        assert (status["account"], status["login"], status["push"], status["verify"]) == \
            ("done", "done", "todo", "todo")

        assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
        assert check(capsys, address, user)[1]["tag"] == "done"

        pushed = docker_cli("push", remote)
        assert pushed.returncode == 0, pushed.stderr
        code, status, _ = check(capsys, address, user)
        assert (code, status["push"], status["verify"], status["pull"]) == (1, "done", "done", "todo")

        assert docker_cli("rmi", remote).returncode == 0
        code, status, _ = check(capsys, address, user)
        assert (code, status["tag"], status["pull"]) == (1, "done", "todo")

        assert docker_cli("pull", remote).returncode == 0
        code, status, _ = check(capsys, address, user)
        assert code == 0 and set(status.values()) == {"done"}, status
    finally:
        docker_cli("rmi", remote)


def test_the_table_reads_without_colour(capsys: pytest.CaptureFixture[str], registry: RegistryUnderTest,
                                        account: tuple[str, str], hello_image: str,
                                        engine: docker.DockerClient) -> None:
    """The table has a word per status and the hints of unfinished steps."""
    user, _ = account
    code = main(["check", "--registry", registry.address, "--user", user, "--engine", "docker"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[0].split() == ["STEP", "STATUS", "DETAIL"]
    assert "[x] done" in out and "[ ] todo" in out
    assert f"login: docker login {registry.address} -u {user}" in out


def test_an_unreachable_registry_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str],
                                                         private_registry: RegistryUnderTest,
                                                         hello_image: str, docker_cli: Cli) -> None:
    """A stopped registry: exit 2, the explainer's reason, no traceback."""
    user, password = private_registry.new_account()
    assert docker_cli("login", "-u", user, "--password-stdin", private_registry.address,
                      stdin=password).returncode == 0
    private_registry.stop()
    code, status, _ = check(capsys, private_registry.address, user)
    assert code == 2 and status["login"] == "unknown"


def test_no_engine_exits_2_with_how_to_start_one(tmp_path: Path) -> None:
    """No Podman socket anywhere: exit 2, the gateway's advice on stderr, no traceback (a real process)."""
    if Path("/run/podman/podman.sock").exists():
        pytest.skip("a system-wide Podman socket answers on this machine")
    env = {"CONTAINER_HOST": f"unix://{tmp_path}/none.sock", "XDG_RUNTIME_DIR": str(tmp_path),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "tutor", "check", "--registry", "localhost:5000",
                             "--user", "alice", "--engine", "podman", "--json"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr and "No container engine answers" in result.stderr
    assert "podman" in result.stderr


@pytest.mark.parametrize("args, says", [
    (["--user", "alice"], "--registry REGISTRY --user USER"),
    (["--registry", "localhost:5000", "--user", "Alice"], "uppercase"),
    (["--registry", "practice", "--user", "alice"], "registry-tutor practice start"),
])
def test_bad_options_exit_2_with_what_to_type(capsys: pytest.CaptureFixture[str], args: list[str],
                                              says: str, engine: Any) -> None:
    """Missing or wrong options, or a practice registry that is not running, say what to do."""
    assert main(["check", *args]) == 2
    assert says in capsys.readouterr().err


def test_check_against_the_running_practice_registry(capsys: pytest.CaptureFixture[str], docker_cli: Cli,
                                                     hello_image: str) -> None:
    """`--registry practice` finds the practice registry; its account list decides the account step."""
    practice = PracticeRegistry()
    status = practice.start(port=registry_server.free_port())
    try:
        user, password = "learner" + secrets.token_hex(4), "pw-" + secrets.token_hex(6)
        assert check(capsys, "practice", "nobody" + secrets.token_hex(3))[1]["account"] == "todo"
        practice.add_user(user, password)
        code, status_by_id, _ = check(capsys, "practice", user)
        assert (code, status_by_id["account"], status_by_id["login"]) == (1, "done", "todo")
        assert docker_cli("login", "-u", user, "--password-stdin", str(status.address),
                          stdin=password).returncode == 0
        assert check(capsys, "practice", user)[1]["login"] == "done"
    finally:
        practice.stop()
