"""The test bed's own Docker daemon, which a test may stop and start again (the system one never).

Its own socket, data root, exec root and pidfile in a short temp dir (the containerd socket
below the exec root must fit a Unix socket path), no iptables rules, and a slice of docker0's
addresses of its own so that its containers never take the system daemon's. The default bridge
stays: `--bridge=none` would leave `docker run` without a network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import HELLO_IMAGE, build_image, missing

_FIXED_CIDR = "172.17.64.0/18"  # another bed daemon uses 172.17.128.0/17; the system one takes the rest
_START_SECONDS = 60.0


class OwnDaemon:
    """A dockerd in a folder of its own; `restart` forgets its event log, as a reboot would."""

    def __init__(self, folder: Path, binary: str) -> None:
        self.folder = folder
        self.binary = binary
        self.process: subprocess.Popen[bytes] | None = None
        (folder / "daemon.json").write_text("{}\n")

    @property
    def url(self) -> str:
        """The daemon's socket as a docker SDK or CLI address."""
        return f"unix://{self.folder / 'docker.sock'}"

    def command(self) -> list[str]:
        """The daemon's command line (never --bridge=none, never touching iptables)."""
        return [self.binary, "-H", self.url, "--data-root", str(self.folder / "data"),
                "--exec-root", str(self.folder / "exec"), "--pidfile", str(self.folder / "docker.pid"),
                "--config-file", str(self.folder / "daemon.json"), "--iptables=false",
                f"--fixed-cidr={_FIXED_CIDR}"]

    def start(self) -> None:
        """Start the daemon and wait until it answers."""
        log = open(self.folder / "dockerd.log", "ab")  # noqa: SIM115 (the daemon keeps writing)
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + _START_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = (self.folder / "dockerd.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the test bed's own dockerd did not start:\n{tail}")
            time.sleep(0.2)

    def answers(self) -> bool:
        """True when the daemon answers a ping."""
        try:
            with contextlib.closing(docker.DockerClient(base_url=self.url, timeout=5)) as client:
                return bool(client.ping())
        except Exception:
            return False

    def stop(self) -> None:
        """Stop the daemon (SIGTERM, then SIGKILL) and wait until its process is gone."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        """Stop and start again: images stay, the event log is gone."""
        self.stop()
        self.start()

    def client(self) -> docker.DockerClient:
        """A docker SDK client on this daemon (the caller closes it)."""
        return docker.DockerClient(base_url=self.url, timeout=120)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The real docker CLI on this daemon (with the test's own DOCKER_CONFIG); never a shell."""
        binary = shutil.which("docker") or "docker"
        return subprocess.run([binary, "-H", self.url, *args], input=stdin, capture_output=True,
                              text=True, timeout=120, env=dict(os.environ))


@pytest.fixture
def own_daemon(tmp_path: Path) -> Iterator[OwnDaemon]:
    """The bed's own dockerd with python-hello-world built in it; stopped and removed afterwards."""
    binary = shutil.which("dockerd")
    if binary is None or os.geteuid() != 0:
        missing("the test bed's own dockerd needs dockerd and root (apt-get install docker.io)")
    assert binary is not None
    folder = Path(tempfile.mkdtemp(prefix="rt-own-", dir="/tmp"))
    daemon = OwnDaemon(folder, binary)
    try:
        daemon.start()
        with contextlib.closing(daemon.client()) as client:
            build_image(client, tmp_path / "hello", HELLO_IMAGE)
        yield daemon
    finally:
        daemon.stop()
        shutil.rmtree(folder, ignore_errors=True)
