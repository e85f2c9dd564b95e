"""`registry-tutor reset` on the command line: plan, confirmation, results and exit codes."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RegistryUnderTest
from tests.test_reset import (  # noqa: F401 - fixtures
    LabState,
    lab_fixture,
    scratch_tags_fixture,
    tutor_engine_fixture,
)
from tutor.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def reset_args(lab: LabState, *extra: str) -> list[str]:
    return ["reset", "--registry", lab.target.registry, "--user", lab.target.user, *extra]


def test_yes_undoes_everything_and_exits_0(lab: LabState, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(reset_args(lab, "--yes")) == 0
    out = capsys.readouterr().out
    assert f"Remove the local tag {lab.target.remote_ref}" in out
    assert out.count("✓ done") == 4
    assert lab.engine.image(lab.target.remote_ref) is None
    assert lab.credentials.get(lab.target.registry) is None
    assert lab.store.saved_keys() == []


def test_without_a_terminal_it_refuses_and_says_to_pass_yes(lab: LabState,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(reset_args(lab)) == 2
    captured = capsys.readouterr()
    assert "--yes" in captured.err
    assert f"Remove the local tag {lab.target.remote_ref}" in captured.out
    assert lab.engine.image(lab.target.remote_ref) is not None
    assert lab.credentials.get(lab.target.registry) is not None
    assert lab.store.saved_keys() == [lab.progress.key]


def _in_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run registry-tutor in a real pseudo-terminal and answer its question."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tutor", *args], stdin=terminal,
                               stdout=terminal, stderr=terminal, cwd=ROOT, env=dict(os.environ))
    os.close(terminal)
    os.write(controller, answer)
    output = b""
    try:
        while chunk := _read(controller):
            output += chunk
    finally:
        os.close(controller)
    return process.wait(timeout=60), output.decode(errors="replace")


def _read(fd: int) -> bytes:
    """Read from the terminal; EIO means the child closed its side."""
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""


def test_answering_no_changes_nothing_and_exits_1(lab: LabState) -> None:
    code, output = _in_terminal(reset_args(lab), b"n\n")
    assert code == 1, output
    assert "Undo these? [y/N]" in output and "Nothing was changed." in output
    assert lab.engine.image(lab.target.remote_ref) is not None
    assert lab.store.saved_keys() == [lab.progress.key]


def test_answering_yes_in_a_terminal_applies(lab: LabState) -> None:
    code, output = _in_terminal(reset_args(lab), b"y\n")
    assert code == 0, output
    assert lab.engine.image(lab.target.remote_ref) is None
    assert lab.store.saved_keys() == []


def test_nothing_recorded_exits_0(registry: RegistryUnderTest, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reset", "--registry", registry.address, "--user", "nobody", "--yes"]) == 0
    assert "Nothing to reset" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["reset", "--user", "alice"], "--registry"),
    (["reset", "--registry", "localhost:5000", "--user", "Alice"], "uppercase"),
    (["reset", "--registry", "not a host", "--user", "alice"], "registry address"),
])
def test_bad_arguments_exit_2_with_a_clear_message(args: list[str], words: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert words in capsys.readouterr().err
