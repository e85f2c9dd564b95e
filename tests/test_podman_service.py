"""With podman installed and no API socket answering, the tutor starts `podman system service`
itself (and stops it again), so `--engine podman` needs no set-up. Real podman, temp runtime dirs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import missing
from tutor.core.engine import podman_service
from tutor.core.engine.gateway import Engine

pytestmark = pytest.mark.podman


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A runtime dir of the test's own, and no other engine address in the environment."""
    if shutil.which("podman") is None:
        missing("podman is not installed (apt-get install podman)")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    for name in ("CONTAINER_HOST", "DOCKER_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("tutor.core.engine.sockets.ROOT_PODMAN_SOCKET", str(tmp_path / "no-root.sock"))
    yield runtime
    podman_service.stop_started()


def _answers(url: str) -> bool:
    try:
        client = docker.DockerClient(base_url=url, timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def test_connect_to_podman_starts_its_service_and_stops_it_again(runtime_dir: Path) -> None:
    """No socket answers: the tutor starts one in the runtime dir, says so, and stops it afterwards."""
    socket = runtime_dir / "podman" / "podman.sock"
    engine = Engine.connect("podman")
    try:
        assert engine.kind == "podman"
        assert engine.info.base_url == f"unix://{socket}"
        assert engine.notice is not None and "podman system service" in engine.notice
        assert len(engine.notice.splitlines()) == 1
        assert engine.ping()
    finally:
        engine.close()
    assert _answers(f"unix://{socket}")  # closing one connection leaves it for the next one
    podman_service.stop_started()
    assert not _answers(f"unix://{socket}")
    assert not socket.exists()


def test_a_service_that_already_runs_is_used_and_left_running(runtime_dir: Path) -> None:
    socket = runtime_dir / "podman" / "podman.sock"
    theirs = podman_service.start_service(socket)
    try:
        engine = Engine.connect("podman")
        assert engine.notice is None
        assert engine.info.base_url == f"unix://{socket}"
        engine.close()
        podman_service.stop_started()
        assert _answers(f"unix://{socket}")
    finally:
        theirs.stop()
    assert not _answers(f"unix://{socket}")


def test_a_stale_socket_file_is_replaced_by_a_live_service(runtime_dir: Path) -> None:
    """A socket left behind by a service that died: nothing answers, so a fresh one takes its place."""
    import socket as sockets

    path = runtime_dir / "podman" / "podman.sock"
    path.parent.mkdir()
    stale = sockets.socket(sockets.AF_UNIX)
    stale.bind(str(path))
    stale.close()
    engine = Engine.connect("podman")
    try:
        assert engine.notice is not None and engine.ping()
    finally:
        engine.close()


def test_without_a_runtime_dir_the_service_gets_a_private_one(runtime_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    engine = Engine.connect("podman")
    try:
        folder = Path(engine.info.base_url[len("unix://"):]).parent
        assert folder.name == "podman" and folder.parent.name.startswith("registry-tutor-")
        assert (folder.parent.stat().st_mode & 0o777) == 0o700
    finally:
        engine.close()
    podman_service.stop_started()
    assert not folder.parent.exists()


def test_check_with_engine_podman_needs_no_set_up(runtime_dir: Path, tmp_path: Path) -> None:
    """`registry-tutor check --engine podman` starts the service, says so in one line, stops it on exit."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "tutor", "check", "--engine", "podman", "--registry",
                           "127.0.0.1:9", "--user", "alice", "--json"],
                          capture_output=True, text=True, env=env, timeout=180, check=False)
    notices = [line for line in done.stderr.splitlines() if "podman system service" in line]
    assert len(notices) == 1, done.stderr
    assert "No container engine answers" not in done.stderr
    assert '"id": "image"' in done.stdout
    socket = runtime_dir / "podman" / "podman.sock"
    assert not _answers(f"unix://{socket}")


async def test_the_app_says_in_one_line_that_it_started_the_service(runtime_dir: Path,
                                                                    tmp_path: Path) -> None:
    """--engine podman with no socket: the lab opens on Podman and one notification says what started."""
    from tests.app_helpers import settle
    from tutor.app import TutorApp
    from tutor.core.lab.progress import ProgressStore
    from tutor.core.lab.session import LabOptions

    options = LabOptions(registry="127.0.0.1:9", user="alice", engine="podman", lang="en")
    app = TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert app.lab is not None and app.lab.engine.kind == "podman"
        notes = [str(note.message) for note in app._notifications]
        said = [note for note in notes if "podman system service" in note]
        assert len(said) == 1 and len(said[0].splitlines()) == 1
