"""The test bed itself: a real daemon, registry and Podman that the rest of the suite stands on."""

from __future__ import annotations

import docker

from tests.conftest import HELLO_IMAGE, RegistryUnderTest, podman_push
from tutor.core.registry.api import RegistryClient


def test_daemon_login_tag_push_pull_round_trip(
    engine: docker.DockerClient, registry: RegistryUnderTest, hello_image: str,
    account: tuple[str, str],
) -> None:
    """Log in through the daemon, tag, push, pull, and read the tag back over the HTTP API."""
    user, password = account
    result = engine.login(user, password, registry=registry.address, reauth=True)
    assert result.get("Status") == "Login Succeeded"
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}"
    assert engine.images.get(HELLO_IMAGE).tag(remote, "latest")
    auth = {"username": user, "password": password}
    stream = list(engine.api.push(remote, "latest", auth_config=auth, stream=True, decode=True))
    assert not [line for line in stream if "errorDetail" in line], stream
    digest = next(line["aux"]["Digest"] for line in stream if "aux" in line)
    engine.images.remove(f"{remote}:latest")
    pulled = engine.images.pull(remote, "latest", auth_config=auth)
    assert pulled.id == hello_image
    client = RegistryClient(registry.url, user, password)
    assert client.tags(f"{user}/{HELLO_IMAGE}") == ["latest"]
    assert client.manifest(f"{user}/{HELLO_IMAGE}", "latest")[0] == digest


def test_podman_service_pushes_to_the_registry(
    podman_engine: docker.DockerClient, registry: RegistryUnderTest, podman_hello_image: str,
    account: tuple[str, str],
) -> None:
    """Podman's compat socket pushes to localhost:PORT over plain HTTP; the registry has it."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}"
    podman_engine.images.get(HELLO_IMAGE).tag(remote, "latest")
    stream = podman_push(podman_engine, remote, user, password)
    assert not [line for line in stream if "error" in line], stream
    client = RegistryClient(registry.url, user, password)
    image = client.remote_image(f"{user}/{HELLO_IMAGE}", "latest")
    assert image.config_digest == podman_hello_image


def test_registry_refuses_a_wrong_password(registry: RegistryUnderTest) -> None:
    """htpasswd auth is really on: a wrong password is refused, the right one accepted."""
    import pytest

    from tutor.core.registry.api import Unauthorized

    RegistryClient(registry.url, registry.user, registry.password).check_login()
    with pytest.raises(Unauthorized):
        RegistryClient(registry.url, registry.user, "wrong").check_login()
