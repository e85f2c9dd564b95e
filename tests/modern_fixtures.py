"""A second, current Docker for the tests: Engine 26 with the containerd image store.

Debian 13's docker.io, docker-cli, containerd and docker-buildx are unpacked (never installed)
into /opt/registry-tutor/trixie by .ci/modern-engine; Debian 12's runc runs the containers.
The daemon gets its own socket, data, exec root and pidfile in a temp dir, shares the first
daemon's docker0 bridge (taking addresses from its upper half) and is stopped after the session.
Never --bridge=none: a daemon started so deletes docker0 under the first daemon's containers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from tests.conftest import HELLO_IMAGE, _write_context, missing
from tutor.core.engine.gateway import Engine

MODERN_ROOT = Path(os.environ.get("MODERN_ENGINE_ROOT", "/opt/registry-tutor/trixie"))
DOCKERD = MODERN_ROOT / "usr/sbin/dockerd"
DOCKER_CLI = MODERN_ROOT / "usr/bin/docker"
BUILDX = MODERN_ROOT / "usr/libexec/docker/cli-plugins/docker-buildx"
_START_SECONDS = 60
_FIXED_CIDR = "172.17.128.0/17"  # the upper half of docker0's 172.17.0.0/16


@dataclass
class ModernDaemon:
    """A running dockerd 26 with the containerd snapshotter, on a socket of its own."""

    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def socket(self) -> Path:
        return self.folder / "docker.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def env(self, docker_config: str | None = None) -> dict[str, str]:
        """The environment of a learner's terminal on this daemon: its CLI first in PATH."""
        env = dict(os.environ, DOCKER_HOST=self.url,
                   PATH=f"{MODERN_ROOT}/usr/bin:{os.environ.get('PATH', '/usr/bin:/bin')}")
        if docker_config:
            env["DOCKER_CONFIG"] = docker_config
        return env

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        client = docker.DockerClient(base_url=url, timeout=5)
    except docker.errors.DockerException:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def start_modern_daemon(folder: Path) -> ModernDaemon:
    """Start dockerd 26 in folder and wait until it answers; missing() when it cannot."""
    if not DOCKERD.exists():
        missing(f"{DOCKERD} is missing: run .ci/modern-engine as root (it unpacks Debian 13's Docker)")
    config = folder / "daemon.json"
    config.write_text(json.dumps({"features": {"containerd-snapshotter": True}}))
    env = dict(os.environ, PATH=f"{MODERN_ROOT}/usr/bin:{MODERN_ROOT}/usr/sbin:{os.environ['PATH']}")
    log = open(folder / "dockerd.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(DOCKERD), "-H", f"unix://{folder / 'docker.sock'}", "--data-root", str(folder / "data"),
         "--exec-root", str(folder / "exec"), "--pidfile", str(folder / "docker.pid"),
         "--iptables=false", f"--fixed-cidr={_FIXED_CIDR}", "--config-file", str(config)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    log.close()
    daemon = ModernDaemon(folder, process)
    deadline = time.monotonic() + _START_SECONDS
    while not _answers(daemon.url):
        if process.poll() is not None or time.monotonic() > deadline:
            daemon.stop()
            tail = (folder / "dockerd.log").read_text(errors="replace")[-2000:]
            missing(f"dockerd 26 did not start:\n{tail}")
        time.sleep(0.2)
    return daemon


@pytest.fixture(scope="session")
def modern_daemon() -> Iterator[ModernDaemon]:
    """Docker Engine 26 with the containerd image store, for the session."""
    # A short path: containerd's sockets live below the exec root and must fit in 108 bytes.
    folder = Path(tempfile.mkdtemp(prefix="rt-modern-", dir="/tmp"))
    daemon = start_modern_daemon(folder)
    yield daemon
    daemon.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def modern_engine(modern_daemon: ModernDaemon) -> Iterator[docker.DockerClient]:
    """A docker SDK client on the modern daemon."""
    client = docker.DockerClient(base_url=modern_daemon.url, timeout=60)
    yield client
    client.close()


@pytest.fixture
def modern_gateway(modern_daemon: ModernDaemon) -> Iterator[Engine]:
    """The tutor's engine gateway on the modern daemon."""
    connected = Engine.connect("docker", base_url=modern_daemon.url)
    yield connected
    connected.close()


@pytest.fixture(scope="session")
def modern_hello_image(modern_engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`python-hello-world` on the modern daemon, from the legacy builder; returns its image ID."""
    folder = tmp_path_factory.mktemp("mhello")
    _write_context(folder, 0, 0)
    image, _ = modern_engine.images.build(path=str(folder), tag=HELLO_IMAGE, rm=True)
    return str(image.id)


@pytest.fixture
def modern_cli(modern_daemon: ModernDaemon,
               isolated_home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The learner's own terminal on the modern daemon: Docker 26's CLI with buildx, no shell."""
    if not DOCKER_CLI.exists() or not BUILDX.exists():
        missing("Docker 26's CLI or buildx is missing: run .ci/modern-engine as root")
    config = Path(os.environ["DOCKER_CONFIG"])
    (config / "cli-plugins").mkdir(parents=True, exist_ok=True)
    plugin = config / "cli-plugins" / "docker-buildx"
    if not plugin.exists():
        plugin.symlink_to(BUILDX)

    def run(*args: str, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(DOCKER_CLI), *args], input=stdin, capture_output=True, text=True,
                              timeout=180, env=modern_daemon.env(str(config)) | (env or {}))

    return run
