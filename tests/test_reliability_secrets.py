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
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RegistryUnderTest
from tests.lab_support import remove_names
from tutor.__main__ import main
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine
from tutor.core.events import CommandFailed, Event, PullFinished, PushFinished
from tutor.core.lab.progress import ProgressKey, ProgressStore
from tutor.core.shell.interpreter import Session, run_command
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


@dataclass
class SecretLab:
    """A whole lab done with a known password, and the argv sampler that watched it."""

    target: Target
    sampler: ArgvSampler
    credential_file: Path
    kind: str


@pytest.fixture(params=["docker", "podman"])
def lab_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The tutor's gateway on the real Docker daemon, or on the test session's Podman service."""
    if request.param == "docker":
        request.getfixturevalue("hello_image")
        engine = Engine.connect("docker")
    else:
        request.getfixturevalue("podman_hello_image")
        socket = request.getfixturevalue("podman_socket")
        monkeypatch.setenv("CONTAINER_HOST", socket)
        engine = Engine.connect("podman", base_url=socket)
    yield engine
    engine.close()


@pytest.fixture
def whole_lab(lab_engine: Engine, private_registry: RegistryUnderTest, lab_password: str,
              caplog: pytest.LogCaptureFixture) -> Iterator[SecretLab]:
    """Login, tag, push, remove, pull, with progress saved as the TUI saves it."""
    caplog.set_level(logging.DEBUG)
    user = "learner" + secrets.token_hex(3)
    private_registry.add_user(user, lab_password)
    target = Target(private_registry.address, user)
    kind = lab_engine.kind
    credentials = CredentialStore(kind)
    session = Session(lab_engine, target, credentials, lambda _: lab_password)
    store = ProgressStore()
    progress = store.load(ProgressKey(target.registry, user, "push-to-registry"))
    try:
        with ArgvSampler(lab_password.encode()) as sampler:
            run(session, f"{kind} login -u {user} {target.registry}")
            progress.record_created("login", target.auth_key)
            run(session, f"{kind} tag python-hello-world {target.remote_ref}")
            progress.record_created("tag", target.remote_ref)
            finished = run(session, f"{kind} push {target.remote_ref}")[-1]
            assert isinstance(finished, PushFinished) and finished.digest
            progress.mark_done("push", {"pushed_digest": finished.digest})
            progress.record_created("repository", target.remote_ref)
            store.save(progress)
            run(session, f"{kind} rmi {target.remote_ref}")
            assert isinstance(run(session, f"{kind} pull {target.remote_ref}")[-1], PullFinished)
        yield SecretLab(target, sampler, credentials.path, kind)
    finally:
        remove_names(lab_engine, [target.remote_ref])


def test_the_password_is_only_in_the_credential_store(whole_lab: SecretLab, isolated_home: Path,
                                                      lab_password: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    leaks = forms(whole_lab.target.user, lab_password)
    assert files_holding(isolated_home, leaks["auth"]) == [whole_lab.credential_file]
    assert files_holding(isolated_home, leaks["raw"]) == []
    assert files_holding(isolated_home, leaks["base64"]) == []
    assert all(form not in caplog.text.encode() for form in leaks.values())
    assert (isolated_home / ".local/share/registry-tutor/progress.json").exists()


def test_the_password_is_never_in_a_process_argv(whole_lab: SecretLab) -> None:
    assert whole_lab.sampler.rounds > 0
    assert whole_lab.sampler.found == []


def test_after_reset_the_password_is_nowhere(whole_lab: SecretLab, isolated_home: Path, lab_password: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = whole_lab.target
    args = ["reset", "--registry", target.registry, "--user", target.user, "--engine", whole_lab.kind]
    assert main([*args, "--yes"]) == 0
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
