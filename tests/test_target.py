"""Image names and registry addresses, normalised the way the Docker CLI does it."""

from __future__ import annotations

import pytest

from tutor.core.target import (
    DOCKER_HUB_AUTH_KEY,
    InvalidName,
    RegistryKind,
    Target,
    is_loopback,
    normalize_registry,
    parse_reference,
    validate_user,
)


@pytest.mark.parametrize(("text", "registry", "path", "tag"), [
    ("python-hello-world", "docker.io", "library/python-hello-world", None),
    ("alice/python-hello-world:v1", "docker.io", "alice/python-hello-world", "v1"),
    ("localhost:5000/alice/app", "localhost:5000", "alice/app", None),
    ("quay.io/alice/app:latest", "quay.io", "alice/app", "latest"),
    ("index.docker.io/alice/app", "docker.io", "alice/app", None),
])
def test_references_split_like_the_cli(text: str, registry: str, path: str, tag: str | None) -> None:
    reference = parse_reference(text)
    assert (reference.registry, reference.path, reference.tag) == (registry, path, tag)


@pytest.mark.parametrize(("text", "says"), [
    ("Alice/app", "must be lowercase"),
    ("alice/app:", "not a valid tag"),
    ("alice//app", "not a valid image name"),
    ("", "cannot be empty"),
    ("alice/app@sha256:123", "not a valid digest"),
])
def test_bad_references_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(InvalidName, match=says):
        parse_reference(text)


@pytest.mark.parametrize("address", ["localhost:99999", "localhost:0", "host name", "http://"])
def test_bad_registry_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidName):
        normalize_registry(address)


def test_docker_hub_aliases_become_docker_io() -> None:
    for alias in ("docker.io", "https://index.docker.io/v1/", "registry-1.docker.io", "hub.docker.com"):
        assert normalize_registry(alias) == "docker.io"


@pytest.mark.parametrize(("user", "ok"), [
    ("alice", True), ("first.last", True), ("a-b_c", True),
    ("Alice", False), ("", False), ("al ice", False), ("al:ice", False), ("-alice", False),
])
def test_user_names(user: str, ok: bool) -> None:
    if ok:
        assert validate_user(user) == user
    else:
        with pytest.raises(InvalidName):
            validate_user(user)


def test_target_names_follow_each_registrys_convention() -> None:
    hub = Target.create("docker.io", "alice")
    assert (hub.repository, hub.auth_key, hub.kind) == (
        "alice/python-hello-world", DOCKER_HUB_AUTH_KEY, RegistryKind.DOCKER_HUB)
    assert hub.web_url == "https://hub.docker.com/repository/docker/alice/python-hello-world"
    local = Target.create("localhost:5000", "alice")
    assert local.repository == "localhost:5000/alice/python-hello-world"
    assert (local.api_base, local.auth_key) == ("http://localhost:5000", "localhost:5000")
    assert Target.create("quay.io", "bob").api_base == "https://quay.io"


def test_a_hub_user_with_a_dot_keeps_docker_io_so_the_name_is_not_read_as_a_host() -> None:
    target = Target.create("docker.io", "first.last")
    assert target.repository == "docker.io/first.last/python-hello-world"
    assert parse_reference(target.repository).registry == "docker.io"


def test_loopback_addresses() -> None:
    assert is_loopback("localhost:5000") and is_loopback("127.0.0.2:80") and is_loopback("[::1]:5000")
    assert not is_loopback("registry.example.org:5000") and not is_loopback("10.213.0.1:5000")
