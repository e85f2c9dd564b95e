"""Secrets: after a whole lab with a known password, the password is only where docker login puts it.

The lab runs through the interpreter on the real daemon and a registry of the test's own,
while a sampler reads every process's command line. Afterwards every file under the isolated
HOME is searched for the password (raw, base64, and base64 of user:password); only the
credential store may hold the base64 user:password form. The log records are searched too.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RegistryUnderTest
from tests.test_reset import scratch_tags_fixture, tutor_engine_fixture  # noqa: F401 - fixtures
from tutor.__main__ import main
from tutor.core.credentials import CredentialStore
from tutor.core.engine import Engine
from tutor.core.events import CommandFailed, Event, PullFinished, PushFinished
from tutor.core.interpreter import Session, run_command
from tutor.core.progress import ProgressKey, ProgressStore
from tutor.core.target import Target


class ArgvSampler:
    """Reads /proc/*/cmdline in a loop, keeping every command line that holds the secret."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.found: list[bytes] = []
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    self._check(Path(entry.path) / "cmdline")
            self.rounds += 1

    def _check(self, path: Path) -> None:
        try:
            line = path.read_bytes()
        except OSError:
            return
        if self.secret in line:
            self.found.append(line)

    def __enter__(self) -> ArgvSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def forms(user: str, password: str) -> dict[str, bytes]:
    """Ways a password could leak: raw, base64 alone, and base64 of user:password (config.json)."""
    return {
        "raw": password.encode(),
        "base64": base64.b64encode(password.encode()),
        "auth": base64.b64encode(f"{user}:{password}".encode()),
    }


def files_holding(root: Path, needle: bytes) -> list[Path]:
    """Every regular file below root whose bytes contain needle."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                found.append(path)
    return found


def run(session: Session, line: str) -> list[Event]:
    events = list(run_command(line, session))
    assert not [event for event in events if isinstance(event, CommandFailed)], (line, events)
    return events


@pytest.fixture
def lab_password() -> str:
    """A password no other test uses, easy to find anywhere."""
    return "Secret-" + secrets.token_hex(12)


@pytest.fixture
def whole_lab(tutor_engine: Engine, hello_image: str, private_registry: RegistryUnderTest,
              scratch_tags: list[str], lab_password: str,
              caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Target, ArgvSampler]]:
    """Login, tag, push, remove, pull, with progress saved as the TUI saves it."""
    caplog.set_level(logging.DEBUG)
    user = "learner" + secrets.token_hex(3)
    private_registry.add_user(user, lab_password)
    target = Target(private_registry.address, user)
    scratch_tags.append(target.remote_ref)
    session = Session(tutor_engine, target, CredentialStore("docker"), lambda _: lab_password)
    store = ProgressStore()
    progress = store.load(ProgressKey(target.registry, user, "push-to-registry"))
    with ArgvSampler(lab_password.encode()) as sampler:
        run(session, f"docker login -u {user} {target.registry}")
        progress.record_created("login", target.auth_key)
        run(session, f"docker tag python-hello-world {target.remote_ref}")
        progress.record_created("tag", target.remote_ref)
        finished = run(session, f"docker push {target.remote_ref}")[-1]
        assert isinstance(finished, PushFinished) and finished.digest
        progress.mark_done("push", {"pushed_digest": finished.digest})
        progress.record_created("repository", target.remote_ref)
        store.save(progress)
        run(session, f"docker rmi {target.remote_ref}")
        assert isinstance(run(session, f"docker pull {target.remote_ref}")[-1], PullFinished)
    yield target, sampler


def test_the_password_is_only_in_the_credential_store(whole_lab: tuple[Target, ArgvSampler],
                                                      isolated_home: Path, lab_password: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    target, _ = whole_lab
    leaks = forms(target.user, lab_password)
    config = Path(os.environ["DOCKER_CONFIG"]) / "config.json"
    assert files_holding(isolated_home, leaks["auth"]) == [config]
    assert files_holding(isolated_home, leaks["raw"]) == []
    assert files_holding(isolated_home, leaks["base64"]) == []
    assert all(form not in caplog.text.encode() for form in leaks.values())
    assert (isolated_home / ".local/share/registry-tutor/progress.json").exists()


def test_the_password_is_never_in_a_process_argv(whole_lab: tuple[Target, ArgvSampler]) -> None:
    _, sampler = whole_lab
    assert sampler.rounds > 0
    assert sampler.found == []


def test_after_reset_the_password_is_nowhere(whole_lab: tuple[Target, ArgvSampler], isolated_home: Path,
                                             lab_password: str, capsys: pytest.CaptureFixture[str]) -> None:
    target, _ = whole_lab
    assert main(["reset", "--registry", target.registry, "--user", target.user, "--yes"]) == 0
    output = capsys.readouterr()
    for form in forms(target.user, lab_password).values():
        assert files_holding(isolated_home, form) == []
        assert form.decode() not in output.out + output.err


def test_the_detectors_do_find_a_planted_secret(tmp_path: Path, lab_password: str) -> None:
    """The checks above can fail: a secret in an argv or a file is found."""
    with ArgvSampler(lab_password.encode()) as sampler:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(0.5)", lab_password], check=True)
    assert sampler.found
    planted = tmp_path / "deep" / "log.txt"
    planted.parent.mkdir()
    planted.write_text(f"oops {lab_password}\n")
    assert files_holding(tmp_path, lab_password.encode()) == [planted]
