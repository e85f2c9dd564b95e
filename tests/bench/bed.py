"""The bench's own world: isolated home dirs, a real registry, the real daemon, scratch images."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from tests.conftest import ISOLATED_DIRS, RegistryUnderTest, build_image
from tests.conftest import _start_registry as start_registry
from tutor.core.registry import server as registry_server

BUSYBOX = Path("/bin/busybox")


class BenchSetupError(RuntimeError):
    """A real part the bench needs is missing; the message says which and how to get it."""


Registry = RegistryUnderTest


@dataclass
class Bed:
    """Everything a figure needs; close() undoes what the bench created."""

    root: Path
    client: docker.DockerClient
    created_tags: list[str] = field(default_factory=list)
    registries: list[Registry] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    daemon: Any = None
    """The Docker 26 daemon (containerd image store) the bench started, or None for the system's."""

    @classmethod
    def open(cls, modern: bool = False) -> Bed:
        """Isolate HOME/DOCKER_CONFIG/XDG in a temp dir and connect to the daemon (modern: Docker 26)."""
        daemon = start_modern() if modern else None
        try:
            bed = cls._open()
        except BaseException:
            if daemon is not None:
                daemon.stop()
            raise
        bed.daemon = daemon
        return bed

    @property
    def engine_name(self) -> str:
        """Which engine the figures ran on, for the table's heading."""
        version = self.client.version()
        store = "containerd image store" if self.daemon is not None else "its own image store"
        return f"Docker {version.get('Version', '?')} ({store})"

    @classmethod
    def _open(cls) -> Bed:
        if not BUSYBOX.exists():
            raise BenchSetupError("static busybox is missing (apt-get install busybox-static)")
        if registry_server.find_binary() is None:
            raise BenchSetupError("no registry binary (apt-get install docker-registry)")
        root = Path(tempfile.mkdtemp(prefix="tutor-bench-"))
        isolate(root)
        compile_like_an_install()
        try:
            client = docker.from_env()
            client.ping()
        except Exception as error:
            shutil.rmtree(root, ignore_errors=True)
            raise BenchSetupError(f"no Docker daemon answers ({error}); start dockerd") from error
        return cls(root, client)

    def start_registry(self) -> Registry:
        """A fresh registry on a free loopback port with one account (the test bed's kind)."""
        registry = start_registry(self.root / f"registry-{secrets.token_hex(4)}")
        self.registries.append(registry)
        return registry

    def drop_registry(self, registry: Registry) -> None:
        """Stop a registry and delete its storage."""
        registry.stop()
        shutil.rmtree(registry.config.data_dir, ignore_errors=True)
        self.registries.remove(registry)

    def build(self, name: str, layers: int = 0, layer_bytes: int = 0) -> str:
        """Build a FROM-scratch busybox image with random-data layers; returns its name:latest."""
        tag = f"{name}-{secrets.token_hex(4)}:latest"
        folder = self.root / f"context-{secrets.token_hex(4)}"
        build_image(self.client, folder, tag, layers, layer_bytes)
        shutil.rmtree(folder, ignore_errors=True)
        self.created_tags.append(tag)
        return tag

    def tag(self, source: str, repository: str, tag: str = "latest") -> str:
        """Give a bench image another name, remembered for clean-up."""
        self.client.images.get(source).tag(repository, tag)
        full = f"{repository}:{tag}"
        self.created_tags.append(full)
        return full

    def docker(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the real docker CLI (isolated DOCKER_CONFIG), never through a shell."""
        binary = shutil.which("docker")
        if binary is None:
            raise BenchSetupError("the docker CLI is not installed")
        result = subprocess.run([binary, *args], input=stdin, capture_output=True, text=True,
                                timeout=300, env=dict(os.environ))
        if result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args[:2])} failed: {result.stderr.strip()}")
        return result

    def login(self, registry: Registry) -> None:
        """`docker login` as the learner would, writing the isolated config.json."""
        self.docker("login", registry.address, "-u", registry.user, "--password-stdin",
                    stdin=registry.password + "\n")

    def forget(self, tag: str) -> None:
        """Remove one name this bench created (never anything else)."""
        with contextlib.suppress(docker.errors.ImageNotFound):
            self.client.images.remove(tag, noprune=False)
        if tag in self.created_tags:
            self.created_tags.remove(tag)

    def close(self) -> None:
        """Remove the bench's image names, stop its registries, delete the temp dir."""
        for resource in self.cache.values():
            if hasattr(resource, "close"):
                resource.close()
        for tag in reversed(list(self.created_tags)):
            with contextlib.suppress(docker.errors.APIError):
                self.forget(tag)
        for registry in list(self.registries):
            self.drop_registry(registry)
        self.client.close()
        if self.daemon is not None:
            self.daemon.stop()
            shutil.rmtree(self.daemon.folder, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)


def start_modern() -> Any:
    """Start Docker 26 with the containerd image store (as the tests' fixture does) and aim
    this process and its children at it: DOCKER_HOST for the SDK, its CLI first in PATH."""
    import pytest

    from tests import modern_fixtures

    folder = Path(tempfile.mkdtemp(prefix="rt-bench-", dir="/tmp"))  # containerd's socket paths are short
    try:
        daemon = modern_fixtures.start_modern_daemon(folder)
    except pytest.skip.Exception as why:
        shutil.rmtree(folder, ignore_errors=True)
        raise BenchSetupError(f"{why} (or run without --modern)") from None
    os.environ.update(DOCKER_HOST=daemon.url,
                      PATH=f"{modern_fixtures.MODERN_ROOT}/usr/bin:{os.environ.get('PATH', '/usr/bin:/bin')}")
    return daemon


def compile_like_an_install() -> None:
    """Byte-compile the tutor (and the bench's children) as pip does when it installs a package.

    Textual and the docker SDK, the baselines, come compiled from their wheels; with
    PYTHONDONTWRITEBYTECODE set (some shells and tools set it) the tutor's own modules would be
    compiled from source in every child, a cost no installed tutor pays.
    """
    import compileall

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    repo = Path(__file__).resolve().parents[2]
    for folder in (repo / "tutor", repo / "tests"):
        compileall.compile_dir(folder, quiet=1)


def isolate(root: Path) -> None:
    """Point HOME, DOCKER_CONFIG and XDG dirs of this process and its children into root."""
    for name, sub in ISOLATED_DIRS.items():
        path = root / "home" / sub
        path.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(path)
    (root / "home" / "run").chmod(0o700)
    os.environ["REGISTRY_AUTH_FILE"] = str(root / "home" / "run" / "containers" / "auth.json")
    os.environ.pop("DOCKERHUB_USERNAME", None)

