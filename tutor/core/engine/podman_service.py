"""Podman's API service, started by the tutor when podman is installed and no socket answers.

Podman has no daemon: its Docker-compatible API is `podman system service`, which a Podman user
normally leaves to systemd's podman.socket. When nothing answers, the tutor starts the service on
the socket the engine search looks at first ($XDG_RUNTIME_DIR/podman/podman.sock, or a private
runtime dir when there is no XDG_RUNTIME_DIR) and stops it when the tutor exits. A service the
tutor did not start is never stopped. No docker import here: the gateway checks the answer.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from tutor.core.i18n import _
from tutor.core.records import record

_START_SECONDS = 30
_STOP_SECONDS = 10


class PodmanServiceError(Exception):
    """`podman system service` could not be started; the message says why."""


@record(frozen=False)
class PodmanService:
    """A `podman system service` this process started, with the socket it serves."""

    socket_path: Path
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    private_dir: Path | None = None

    @property
    def url(self) -> str:
        """The address the docker SDK connects to."""
        return f"unix://{self.socket_path}"

    def stop(self) -> None:
        """Stop the service and remove its socket (and the private runtime dir, if one was made)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(OSError):
            if _is_socket(self.socket_path):
                self.socket_path.unlink()
        if self.private_dir is not None:
            shutil.rmtree(self.private_dir, ignore_errors=True)
        self.log.close()

    def last_error(self) -> str:
        """The last line podman wrote to its log (why it did not start)."""
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else ""


_started: list[PodmanService] = []
_lock = threading.Lock()


def can_start() -> bool:
    """Podman is installed on a system where its service runs locally (Linux; elsewhere it is a VM)."""
    return sys.platform.startswith("linux") and shutil.which("podman") is not None


def default_socket() -> tuple[Path, Path | None]:
    """The user's Podman socket, and the private runtime dir made for it when there is no XDG one."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "podman" / "podman.sock", None
    private = Path(tempfile.mkdtemp(prefix="registry-tutor-"))  # mode 0700, only this user
    return private / "podman" / "podman.sock", private


def _is_socket(path: Path) -> bool:
    try:
        return stat.S_ISSOCK(path.lstat().st_mode)
    except OSError:
        return False


def _accepts(path: Path) -> bool:
    """Something listens on the socket (not a leftover of a service that died)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def start_service(socket_path: Path, private_dir: Path | None = None) -> PodmanService:
    """Start `podman system service` on socket_path and wait until it listens."""
    podman = shutil.which("podman")
    if podman is None:
        raise PodmanServiceError(_("podman is not installed"))
    socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if _is_socket(socket_path) and not _accepts(socket_path):
        socket_path.unlink()  # left behind by a service that died: podman cannot listen on it
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the service owns it and closes it on stop
    process = subprocess.Popen(
        [podman, "system", "service", "--time=0", f"unix://{socket_path}"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)  # the learner's Ctrl+C in the terminal is the tutor's, not podman's
    service = PodmanService(socket_path, process, log, private_dir)
    deadline = time.monotonic() + _START_SECONDS
    while not _accepts(socket_path):
        if process.poll() is not None or time.monotonic() > deadline:
            reason = service.last_error() or _("no answer on {path}").format(path=socket_path)
            service.stop()
            raise PodmanServiceError(_("podman system service did not start: {reason}").format(reason=reason))
        time.sleep(0.05)
    return service


def start_for_tutor() -> tuple[PodmanService, bool]:
    """The service on the user's socket for the rest of this process (stopped at exit), and
    whether it was started just now (False: started earlier in this process and still running)."""
    with _lock:
        for service in _started:
            if service.process.poll() is None:
                return service, False
        socket_path, private_dir = default_socket()
        service = start_service(socket_path, private_dir)
        if not _started:
            atexit.register(stop_started)
        _started.append(service)
        return service, True


def started_notice(service: PodmanService) -> str:
    """The one line that tells the learner what the tutor started."""
    return _("Podman has no daemon, so the tutor started its API service (podman system service) on "
             "{url}; it stops when the tutor exits.").format(url=service.url)


def stop_started() -> None:
    """Stop every service this process started (at exit; tests call it too)."""
    with _lock:
        while _started:
            _started.pop().stop()
