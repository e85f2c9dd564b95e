"""The practice registry started with --data is the one every later action acts on (issue 11)."""

from __future__ import annotations

import io
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import missing
from tests.test_practice import Ran
from tutor.__main__ import main
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import RegistryClient
from tutor.core.registry.companion import settings as companion_settings
from tutor.core.registry.practice import PracticeRegistry
from tutor.core.registry.practice_instance import recorded
from tutor.core.registry.practice_process import port_answers
from tutor.screens.account_modal import account_problem

Run = Callable[..., Ran]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> Iterator[Run]:
    """`registry-tutor practice ACTION ARGS` as typed (no --data added); every registry stopped after."""
    if registry_server.find_binary() is None:
        missing("no registry binary (apt-get install docker-registry)")
    used: list[Path] = []

    def run(action: str, *args: str, stdin: str = "") -> Ran:
        if "--data" in args:
            used.append(Path(args[args.index("--data") + 1]))
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(["practice", action, *args])
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    for data in used:
        PracticeRegistry(data).stop()


def test_every_action_without_data_acts_on_the_registry_started_with_data(cli: Run, tmp_path: Path) -> None:
    """start --data D --port P; then status, add-user, users, board, remove-user, stop find D."""
    data, port = tmp_path / "class", registry_server.free_port()
    assert cli("start", "--data", str(data), "--port", str(port)).code == 0
    status = cli("status")
    assert status.code == 0 and f"running at localhost:{port}" in status.out and str(data) in status.out
    password = "pw-" + secrets.token_hex(6)
    assert cli("add-user", "ada", "--password-stdin", stdin=password + "\n").code == 0
    assert PracticeRegistry(data).has_user("ada")
    RegistryClient(f"http://127.0.0.1:{port}", "ada", password).check_login()  # the running one accepts it
    assert cli("users").out.split() == ["ada"]
    assert cli("board", "--json").code == 0
    assert cli("remove-user", "ada").code == 0 and not PracticeRegistry(data).has_user("ada")
    pid = PracticeRegistry(data).status().pid
    stopped = cli("stop")
    assert stopped.code == 0 and "Stopped" in stopped.out
    left = recorded()
    assert not port_answers("127.0.0.1", port) and left and left.pid is None and left.container is None
    again = cli("start")  # a plain start brings the same class back
    assert again.code == 0 and f"localhost:{port}" in again.out
    assert PracticeRegistry().data_dir == data and PracticeRegistry(data).status().running
    assert pid and subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


def test_a_second_start_with_other_data_names_the_running_one(cli: Run, tmp_path: Path) -> None:
    """While one runs, start --data OTHER is refused with the running one's address and data dir."""
    data, port = tmp_path / "first", registry_server.free_port()
    assert cli("start", "--data", str(data), "--port", str(port)).code == 0
    other = cli("start", "--data", str(tmp_path / "second"))
    assert other.code == 1
    assert f"localhost:{port}" in other.err and str(data) in other.err and "practice stop" in other.err
    assert not (tmp_path / "second" / "state.json").exists()


def test_stop_returns_only_when_both_ports_are_closed(cli: Run, tmp_path: Path) -> None:
    """Right after stop neither the registry's port nor the web companion's answers, every time."""
    data, port = tmp_path / "class", registry_server.free_port()
    for _round in range(3):
        assert cli("start", "--data", str(data), "--port", str(port)).code == 0
        settings = companion_settings.load(data)
        assert settings and port_answers("127.0.0.1", settings.web_port)
        assert cli("stop", "--data", str(data)).code == 0
        assert not port_answers("127.0.0.1", port)
        assert not port_answers("127.0.0.1", settings.web_port)
        assert not port_answers("127.0.0.1", settings.hook_port)


def test_a_password_over_72_bytes_is_refused_with_a_message(cli: Run, tmp_path: Path) -> None:
    """bcrypt reads 72 bytes at most: add-user says so (exit 1, no traceback), and so does the form."""
    data = tmp_path / "class"
    long = "ä" * 37  # 74 bytes in UTF-8, 37 characters
    ran = cli("add-user", "bob", "--data", str(data), "--password-stdin", stdin=long + "\n")
    assert ran.code == 1 and "72" in ran.err and "Traceback" not in ran.err
    assert not PracticeRegistry(data).has_user("bob")
    fits = "x" * 72
    assert cli("add-user", "bob", "--data", str(data), "--password-stdin", stdin=fits + "\n").code == 0
    assert PracticeRegistry(data).check_password("bob", fits)
    problem = account_problem("carol", long, long)
    assert problem and "72" in problem
    assert account_problem("carol", fits, fits) is None


def test_the_companion_module_runs_as_its_own_process(tmp_path: Path) -> None:
    """Without its settings file the companion says what is missing and exits 2 (no traceback)."""
    ran = subprocess.run([sys.executable, "-m", "tutor.core.registry.companion", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 2 and "companion.json" in ran.stderr and "Traceback" not in ran.stderr
