"""The lab against a Docker Hub-like registry: token auth, namespaces, blobs served by a CDN."""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from tests.conftest import HELLO_IMAGE, build_image
from tests.hub_fixtures import HubRegistry
from tests.lab_support import Lab, failures, remove_names
from tutor.core.engine.gateway import Engine
from tutor.core.events import Notice, Status
from tutor.core.explainer import explain
from tutor.core.lab.checks import run_all, run_check
from tutor.core.registry.api import RegistryClient, TooManyRequests, Unauthorized
from tutor.core.target import Target

pytest_plugins = ("tests.lab_fixtures",)  # the gateway fixture
Cli = Callable[..., subprocess.CompletedProcess[str]]


def cli_push(docker_cli: Cli, hub: HubRegistry, user: str, password: str, name: str) -> None:
    """The learner's own terminal: login, tag and push with the docker CLI."""
    login = docker_cli("login", hub.address, "-u", user, "--password-stdin", stdin=password)
    assert login.returncode == 0, login.stderr
    assert docker_cli("tag", HELLO_IMAGE, f"{hub.address}/{name}").returncode == 0
    pushed = docker_cli("push", f"{hub.address}/{name}")
    assert pushed.returncode == 0, pushed.stderr


def tutor_requests_at_cdn(hub: HubRegistry) -> list[dict[str, str]]:
    return [r.headers for r in hub.cdn_records() if "python-requests" in r.headers.get("user-agent", "")]


def engine_requests_at_cdn(hub: HubRegistry) -> list[dict[str, str]]:
    return [r.headers for r in hub.cdn_records() if "python-requests" not in r.headers.get("user-agent", "")]


def test_verify_reads_through_the_token_flow_and_the_cdn_never_sees_a_credential(
        hub_registry: HubRegistry, hub_account: tuple[str, str], docker_cli: Cli, hello_image: str) -> None:
    """The config blob comes from the CDN via the redirect, and no request there carries Authorization."""
    user, password = hub_account
    cli_push(docker_cli, hub_registry, user, password, f"{user}/{HELLO_IMAGE}")
    before = len(tutor_requests_at_cdn(hub_registry))
    client = RegistryClient(hub_registry.url, user, password)
    remote = client.remote_image(f"{user}/{HELLO_IMAGE}", "latest")
    assert remote.config_digest == hello_image and remote.digest_named(hello_image) == "config"
    assert remote.created and remote.tags == ("latest",)
    at_cdn = tutor_requests_at_cdn(hub_registry)[before:]
    assert at_cdn, "the config blob was not fetched through the redirect"
    # From the CDN's own record: neither the tutor nor the engine sent it any credential.
    assert all("authorization" not in record.headers for record in hub_registry.cdn_records())
    client.close()


def test_bearer_tokens_are_cached_per_scope_and_renewed(hub_registry: HubRegistry,
                                                        hub_account: tuple[str, str], docker_cli: Cli,
                                                        hello_image: str) -> None:
    """Two reads of one repository ask the token server once; an expired token is fetched anew."""
    user, password = hub_account
    cli_push(docker_cli, hub_registry, user, password, f"{user}/{HELLO_IMAGE}")
    client = RegistryClient(hub_registry.url, user, password)
    counted = len(hub_registry.state.token_requests)
    client.tags(f"{user}/{HELLO_IMAGE}")
    client.manifest(f"{user}/{HELLO_IMAGE}", "latest")
    assert len(hub_registry.state.token_requests) == counted + 1
    scope = f"repository:{user}/{HELLO_IMAGE}:pull"
    token, _expires = client._tokens[scope]
    client._tokens[scope] = (token, time.monotonic() - 1)  # as if its lifetime had run out
    client.tags(f"{user}/{HELLO_IMAGE}")
    assert len(hub_registry.state.token_requests) == counted + 2
    client.close()


def test_another_users_namespace_is_denied_and_explained(hub_registry: HubRegistry,
                                                        hub_account: tuple[str, str], docker_cli: Cli,
                                                        hello_image: str) -> None:
    """alice may push only under alice/: the CLI's "denied" is the explainer's namespace mistake."""
    user, password = hub_account
    assert docker_cli("login", hub_registry.address, "-u", user, "--password-stdin",
                      stdin=password).returncode == 0
    assert docker_cli("tag", HELLO_IMAGE, f"{hub_registry.address}/someone/{HELLO_IMAGE}").returncode == 0
    pushed = docker_cli("push", f"{hub_registry.address}/someone/{HELLO_IMAGE}")
    assert pushed.returncode != 0 and "denied" in pushed.stderr
    explained = explain(pushed.stderr, Target(hub_registry.address, user))
    assert explained is not None and explained.key == "denied"
    # The same answer from Docker Hub may also mean that the free private repositories are used up.
    on_hub = explain(pushed.stderr, Target("docker.io", user), lang="de")
    assert on_hub is not None and on_hub.key == "hub_denied" and "privat" in on_hub.why


def test_a_wrong_stored_password_is_not_logged_in_never_a_crash(hub_registry: HubRegistry,
                                                                hub_account: tuple[str, str],
                                                                gateway: Engine) -> None:
    """The token server refuses the password: the login step is todo with the reason, nothing raises."""
    user, password = hub_account
    lab = Lab(gateway, hub_registry, user, password)  # type: ignore[arg-type]
    lab.credentials.store(hub_registry.address, user, "not-" + password)
    with pytest.raises(Unauthorized):
        RegistryClient(hub_registry.url, user, "not-" + password).check_login()
    results = {result.step: result for result in run_all(lab.context())}
    assert results["login"].status is Status.TODO
    assert results["login"].explanation is not None and results["login"].explanation.key == "wrong_password"
    assert all(not result.detail.startswith("The check itself failed") for result in results.values())


def test_toomanyrequests_is_recognised(hub_registry: HubRegistry, hub_account: tuple[str, str],
                                       docker_cli: Cli, hello_image: str) -> None:
    """Docker Hub's pull limit (429 toomanyrequests) is its own error and the explainer's rate limit."""
    user, password = hub_account
    cli_push(docker_cli, hub_registry, user, password, f"{user}/{HELLO_IMAGE}")
    hub_registry.state.rate_limited = True
    client = RegistryClient(hub_registry.url, user, password)
    with pytest.raises(TooManyRequests) as raised:
        client.remote_image(f"{user}/{HELLO_IMAGE}", "latest")
    explained = explain(str(raised.value))
    assert explained is not None and explained.key == "rate_limit"
    client.close()
    assert docker_cli("rmi", f"{hub_registry.address}/{user}/{HELLO_IMAGE}").returncode == 0
    pulled = docker_cli("pull", f"{hub_registry.address}/{user}/{HELLO_IMAGE}")
    assert pulled.returncode != 0
    explained = explain(pulled.stderr)
    assert explained is not None and explained.key == "rate_limit", pulled.stderr


def test_the_lab_on_the_token_registry_through_the_tutor(hub_registry: HubRegistry,
                                                        hub_account: tuple[str, str], gateway: Engine,
                                                        hello_image: str) -> None:
    """Login, tag, push, verify, pull through the command box: every check done via the token flow."""
    user, password = hub_account
    started = time.time_ns()
    lab = Lab(gateway, hub_registry, user, password)  # type: ignore[arg-type]
    try:
        assert not failures(lab.run(f"docker login {hub_registry.address} -u {user}", password))
        assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
        assert run_check("verify", lab.context()).status is Status.TODO
        assert not failures(lab.run(f"docker push {lab.target.repository}"))
        verify = run_check("verify", lab.context())
        assert verify.status is Status.DONE and verify.facts["config_digest"] == hello_image
        assert lab.run(f"docker rmi {lab.target.remote_ref}")
        assert not failures(lab.run(f"docker pull {lab.target.repository}"))
        statuses = lab.statuses(started)
        assert all(statuses[step] is Status.DONE for step in ("login", "tag", "push", "verify", "pull")), \
            statuses
        assert all("authorization" not in record.headers for record in hub_registry.cdn_records())
    finally:
        lab.cleanup()


def test_a_first_push_to_docker_hub_says_the_repository_will_be_public(gateway: Engine, hello_image: str,
                                                                       registry: object) -> None:
    """Before pushing to docker.io the tutor warns that a new repository is public (docker/cli#4977).

    Offline, Docker Hub cannot confirm that the repository exists, so the notice comes first.
    """
    lab = Lab(gateway, registry, "alice", "unused")  # type: ignore[arg-type]
    lab.target = Target("docker.io", "alice")
    lab.session.target = lab.target
    name = "alice/" + HELLO_IMAGE
    assert lab.run(f"docker tag {HELLO_IMAGE} {name}") == []
    try:
        events = lab.run(f"docker push {name}")
        assert isinstance(events[0], Notice) and events[0].level == "warning"
        assert "will be public" in events[0].text and "alice/python-hello-world" in events[0].text
        assert failures(events)  # no internet here: the push itself cannot succeed
    finally:
        remove_names(gateway, [name])


def test_the_lab_in_docker_26s_own_terminal_on_the_token_registry(
        hub_registry: HubRegistry, hub_account: tuple[str, str], modern_cli: Cli, modern_gateway: Engine,
        modern_engine: docker.DockerClient, tmp_path: Path) -> None:
    """Docker 26 (containerd store) pushes and pulls through tokens and the CDN; every check is done,
    and the CDN's own record shows the engine's blob downloads, none with an Authorization header.

    The image is the test's own, and its source name goes before the pull: the containerd store
    keeps an image's blobs while any name holds them, and would then download none."""
    user, password = hub_account
    started = time.time_ns()
    source = f"hub-cdn-{secrets.token_hex(4)}"
    build_image(modern_engine, tmp_path / "context", source, layers=1, layer_bytes=4096)
    lab = Lab(modern_gateway, hub_registry, user, password, image=source)  # type: ignore[arg-type]
    try:
        assert modern_cli("login", hub_registry.address, "-u", user, "--password-stdin",
                          stdin=password).returncode == 0
        assert modern_cli("tag", source, lab.target.repository).returncode == 0
        assert lab.status("push") is Status.TODO
        assert modern_cli("push", lab.target.repository).returncode == 0
        assert modern_cli("rmi", lab.target.remote_ref, source).returncode == 0
        before = len(engine_requests_at_cdn(hub_registry))
        pulled = modern_cli("pull", lab.target.repository)
        assert pulled.returncode == 0, pulled.stderr
        statuses = lab.statuses(started)
        assert all(statuses[step] is Status.DONE for step in ("login", "tag", "push", "verify", "pull")), \
            statuses
        assert len(engine_requests_at_cdn(hub_registry)) > before  # the pull's blobs came from the CDN
        assert all("authorization" not in record.headers for record in hub_registry.cdn_records())
    finally:
        lab.cleanup()
        remove_names(modern_gateway, [source])
