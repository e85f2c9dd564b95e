"""The test bed itself: a real daemon, registry and Podman that the rest of the suite stands on."""

from __future__ import annotations

import json

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


def _challenges(registry: RegistryUnderTest, since: int) -> list[str]:
    """The Basic challenges the registry answered since byte SINCE of its log (Distribution's JSON log)."""
    text = registry.config.log_file.read_bytes()[since:].decode("utf-8", "replace")
    return [line for line in text.splitlines() if "basic authentication challenge" in line]


def _requests(registry: RegistryUnderTest, since: int, uri: str) -> set[str]:
    """The ids of the registry's requests for URI since byte SINCE of its log (a request logs 1-3 lines)."""
    text = registry.config.log_file.read_bytes()[since:].decode("utf-8", "replace")
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return {entry["http.request.id"] for entry in entries if entry.get("http.request.uri") == uri}


def test_the_client_sends_the_login_with_its_first_request(
        registry: RegistryUnderTest, account: tuple[str, str]) -> None:
    """Every request carries the login at once (one round trip each, no challenge first), and a
    wrong password is refused without being sent twice."""
    import pytest

    from tutor.core.registry.api import NotFound, Unauthorized

    user, password = account
    since = registry.config.log_file.stat().st_size
    client = RegistryClient(registry.url, user, password)
    client.check_login()
    for _round in range(3):
        with pytest.raises(NotFound):
            client.tags(f"{user}/nothing-pushed")
    client.close()
    assert _challenges(registry, since) == []
    assert len(_requests(registry, since, "/v2/")) == 1

    since = registry.config.log_file.stat().st_size
    wrong = RegistryClient(registry.url, user, "wrong-" + password)
    for _round in range(2):
        with pytest.raises(Unauthorized):
            wrong.check_login()
    wrong.close()
    assert len(_requests(registry, since, "/v2/")) == 2  # one try each
