"""Guessing the engine before the SDK loads (setup.likely_kind), from the sockets that exist."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tutor.core.engine import sockets
from tutor.core.lab.setup import likely_kind


def listen(path: Path) -> socket.socket:
    path.parent.mkdir(parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return server


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No DOCKER_HOST, and the usual sockets moved into TMP_PATH, where none exists yet."""
    for name in ("DOCKER_HOST", "CONTAINER_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run-user"))
    monkeypatch.setattr(sockets, "DOCKER_SOCKET", str(tmp_path / "docker.sock"))
    monkeypatch.setattr(sockets, "ROOT_PODMAN_SOCKET", str(tmp_path / "root-podman.sock"))
    return tmp_path


def test_the_choice_given_wins(nowhere: Path) -> None:
    with listen(nowhere / "run-user" / "podman" / "podman.sock"):
        assert likely_kind("docker") == "docker"
    assert likely_kind("podman") == "podman"


def test_only_the_users_podman_socket_means_podman(nowhere: Path) -> None:
    assert likely_kind("auto") == "docker"  # nothing there: Docker, whose missing screen says what to do
    with listen(nowhere / "run-user" / "podman" / "podman.sock"):
        assert likely_kind("auto") == "podman"
        with listen(nowhere / "docker.sock"):
            assert likely_kind("auto") == "docker"  # both: the search tries Docker first


def test_roots_podman_socket_and_docker_host(nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with listen(nowhere / "root-podman.sock"):
        assert likely_kind("auto") == "podman"
        monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
        assert likely_kind("auto") == "docker"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{nowhere}/podman/podman.sock")
    assert likely_kind("auto") == "podman"


def test_a_named_pipe_address_is_looked_up_as_a_windows_path() -> None:
    assert not sockets.listening_here("npipe:////./pipe/no-such-engine")
    assert not sockets.listening_here("tcp://127.0.0.1:2375")
