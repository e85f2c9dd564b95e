"""Fixtures of the lab-logic tests (a pytest plugin: test modules name it in pytest_plugins)."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from tests.conftest import RegistryUnderTest
from tests.lab_support import Lab
from tutor.core.engine.gateway import Engine


@pytest.fixture
def gateway(engine: docker.DockerClient) -> Iterator[Engine]:
    """The engine gateway on the real Docker daemon."""
    connected = Engine.connect("docker")
    yield connected
    connected.close()


@pytest.fixture
def lab(gateway: Engine, registry: RegistryUnderTest, account: tuple[str, str],
        hello_image: str) -> Iterator[Lab]:
    """A fresh learner on Docker, the names it created removed afterwards."""
    fresh = Lab(gateway, registry, *account)
    yield fresh
    fresh.cleanup()


@pytest.fixture
def podman_gateway(podman_socket: str) -> Iterator[Engine]:
    """The engine gateway on the Podman service."""
    connected = Engine.connect("podman", base_url=podman_socket)
    yield connected
    connected.close()


@pytest.fixture
def podman_lab(podman_gateway: Engine, registry: RegistryUnderTest, account: tuple[str, str],
               podman_hello_image: str) -> Iterator[Lab]:
    """A fresh learner on Podman."""
    fresh = Lab(podman_gateway, registry, *account)
    yield fresh
    fresh.cleanup()
