"""The error explainer: its catalogue, and each entry reproduced from a real failure where possible."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tests.lab_support import Lab, failures, only_failure, remove_names
from tutor.core.engine.gateway import Engine, EngineUnavailable
from tutor.core.explainer import CATALOGUE, TEXTS, explain, explanation
from tutor.core.i18n import translate
from tutor.core.lab.check_table import known_checks
from tutor.core.records import replace
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import NotFound, RegistryClient
from tutor.core.registry.server import ServerConfig
from tutor.core.registry.tls import ensure_certificates
from tutor.core.target import Target

pytest_plugins = ("tests.lab_fixtures",)  # the gateway and lab fixtures

REQUIRED = ("not_logged_in", "denied", "not_tagged", "uppercase", "wrong_password", "http_registry",
            "rate_limit", "registry_down", "engine_down", "no_such_image", "podman_localhost", "other_user")
TARGET = Target("localhost:5000", "alice")


def key_of(message: str, target: Target | None = TARGET, engine_kind: str = "docker") -> str | None:
    found = explain(message, target, engine_kind)
    return found.key if found else None


# -- the catalogue itself ---------------------------------------------------------------------
def test_the_catalogue_has_every_required_mistake_with_unique_keys() -> None:
    """At least 12 entries, the issue's list among them, no key twice."""
    keys = [entry.key for entry in CATALOGUE]
    assert len(keys) >= 12 and len(keys) == len(set(keys))
    assert set(REQUIRED) <= set(keys)


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.key)
def test_each_entry_is_complete_in_english_and_german(entry: Any) -> None:
    """What, why, a step id and a fix filled with the learner's names, in both languages."""
    english = explanation(entry.key, TARGET, "docker", "en")
    german = explanation(entry.key, TARGET, "docker", "de")
    assert all(translate(text, "de") != text for text in TEXTS[entry.key])
    assert english.what and english.why and german.what and german.why
    assert (english.what, english.why) != (german.what, german.why)
    assert entry.step in known_checks()
    assert english.fix and not re.search(r"\{[a-z_]+\}", english.fix + english.what + english.why)
    assert english.fix == german.fix


def test_fixes_carry_the_learners_names_and_engine() -> None:
    """The fix is the exact command for this learner, on this engine."""
    hub = Target("docker.io", "alice")
    assert explanation("not_logged_in", hub).fix == "docker login docker.io -u alice"
    assert explanation("not_tagged", hub, "podman").fix == \
        "podman tag python-hello-world alice/python-hello-world"
    assert explanation("engine_down", hub, "podman").fix == "systemctl --user start podman.socket"
    practice = Target("localhost:5000", "bob", practice=True)
    assert explanation("registry_down", practice).fix == "registry-tutor practice start"
    assert explanation("podman_localhost", Target("127.0.0.1:5000", "bob"), "podman").fix == \
        "podman tag python-hello-world localhost:5000/bob/python-hello-world"


def test_an_unset_variable_names_it_and_the_export_for_this_learner() -> None:
    """The variable the command used is named; the fix exports it with the learner's own name."""
    default = explanation("variable_unset", TARGET)
    assert (default.what, default.step, default.fix) == (
        "$DOCKERHUB_USERNAME is not set in this session yet.", "account", "export DOCKERHUB_USERNAME=alice")
    other = explanation("variable_unset", TARGET, "podman", "de", {"variable": "REGISTRY_USER"})
    assert other.what == "$REGISTRY_USER ist in dieser Sitzung noch nicht gesetzt."
    assert other.fix == "export REGISTRY_USER=alice" and "$REGISTRY_USER" in other.why
    assert key_of("MY_NAME is not set: run export MY_NAME=yourname first") == "variable_unset"


def test_without_a_target_the_fix_has_placeholders() -> None:
    """Headless callers without a target still get a usable command."""
    assert explanation("not_logged_in", None).fix == "docker login REGISTRY -u YOURNAME"


def test_an_unknown_message_is_not_explained() -> None:
    """Only known mistakes are explained; anything else gets None, never a wrong guess."""
    assert explain("something entirely different happened") is None
    assert key_of("OCI runtime error: permission denied") is None


def test_podman_localhost_is_only_for_podman() -> None:
    """The same HTTPS complaint means something else on Docker."""
    message = 'pinging container registry 127.0.0.1:5000: Get "https://127.0.0.1:5000/v2/": ' \
              "http: server gave HTTP response to HTTPS client"
    assert key_of(message, engine_kind="podman") == "podman_localhost"
    assert key_of(message, engine_kind="docker") == "http_registry"


# -- texts this machine cannot produce: the daemons' real wording -------------------------------
@pytest.mark.parametrize("message, key", [
    ("toomanyrequests: You have reached your pull rate limit. You may increase the limit by "
     "authenticating and upgrading: https://www.docker.com/increase-rate-limit", "rate_limit"),
    ("denied: requested access to the resource is denied", "denied"),
    ("unauthorized: incorrect username or password", "wrong_password"),
    ("Get \"https://registry.example:5000/v2/\": x509: certificate signed by unknown authority",
     "tls_unknown_ca"),
    ("pull access denied for alice/nothing, repository does not exist or may require 'docker login': "
     "denied: requested access to the resource is denied", "name_unknown"),
    ("Logged in as bob, not alice", "other_user"),
])
def test_real_daemon_wording_that_needs_the_internet(message: str, key: str) -> None:
    """Docker Hub's and Quay's texts, copied from the daemon, map to their entries."""
    assert key_of(message) == key


# -- real failures ------------------------------------------------------------------------------
def test_push_before_tag(lab: Lab) -> None:
    """The daemon's 'does not exist locally' is explained as a missing tag."""
    failure = only_failure(lab.run(f"docker push {lab.target.repository}"))
    assert "does not exist locally" in failure.message
    assert failure.explanation is not None and failure.explanation.key == "not_tagged"
    assert failure.explanation.fix == f"docker tag {HELLO_IMAGE} {lab.target.repository}"


def test_push_without_login(lab: Lab) -> None:
    """The daemon's 'no basic auth credentials' is explained as not logged in."""
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    failure = only_failure(lab.run(f"docker push {lab.target.repository}"))
    assert "no basic auth credentials" in failure.message
    assert failure.explanation is not None and failure.explanation.key == "not_logged_in"


def test_push_without_login_on_podman(podman_lab: Lab) -> None:
    """Podman's wording for a missing login is explained the same way as Docker's."""
    assert podman_lab.run(f"podman tag {HELLO_IMAGE} {podman_lab.target.repository}") == []
    failure = only_failure(podman_lab.run(f"podman push {podman_lab.target.repository}"))
    assert failure.explanation is not None and failure.explanation.key == "not_logged_in", failure


def test_push_with_a_stored_password_that_no_longer_works(lab: Lab) -> None:
    """Stored credentials the registry refuses are a wrong password, not a missing login."""
    lab.credentials.store(lab.registry.address, lab.user, "stale-password")
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    failure = only_failure(lab.run(f"docker push {lab.target.repository}"))
    assert failure.explanation is not None and failure.explanation.key == "wrong_password", failure


def test_wrong_password_with_the_real_cli(lab: Lab, docker_cli: Callable[..., Any]) -> None:
    """What `docker login` itself prints for a wrong password is explained the same way."""
    result = docker_cli("login", "-u", lab.user, "--password-stdin", lab.registry.address,
                        stdin="wrong-password\n")
    assert result.returncode != 0
    assert key_of(result.stderr) == "wrong_password", result.stderr


def test_uppercase_with_the_real_cli_and_the_interpreter(lab: Lab,
                                                         docker_cli: Callable[..., Any]) -> None:
    """Uppercase in a name: the CLI's own refusal and ours are both explained as uppercase."""
    result = docker_cli("tag", HELLO_IMAGE, f"{lab.registry.address}/Alice/{HELLO_IMAGE}")
    assert result.returncode != 0 and key_of(result.stderr) == "uppercase", result.stderr
    failure = only_failure(lab.run(f"docker tag {HELLO_IMAGE} {lab.registry.address}/Alice/x"))
    assert failure.explanation is not None and failure.explanation.key == "uppercase"


def test_invalid_reference_with_the_real_cli(docker_cli: Callable[..., Any],
                                             engine: docker.DockerClient) -> None:
    """A malformed name is explained as an invalid reference."""
    result = docker_cli("tag", HELLO_IMAGE, "alice/x::y")
    assert result.returncode != 0 and key_of(result.stderr) == "invalid_reference", result.stderr


def test_unknown_image(lab: Lab) -> None:
    """Tagging an image that is not there: the daemon's 'No such image'."""
    missing = "tutor-missing-" + secrets.token_hex(4)
    failure = only_failure(lab.run(f"docker tag {missing} {lab.target.repository}"))
    assert "No such image" in failure.message
    assert failure.explanation is not None and failure.explanation.key == "no_such_image"


def test_pull_of_a_tag_that_was_never_pushed(lab: Lab) -> None:
    """The registry's 'manifest unknown' for a missing tag."""
    lab.credentials.store(lab.registry.address, lab.user, lab.password)
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    assert not failures(lab.run(f"docker push {lab.target.repository}"))
    failure = only_failure(lab.run(f"docker pull {lab.target.repository}:nope"))
    assert failure.explanation is not None and failure.explanation.key == "manifest_unknown", failure


def test_a_repository_that_does_not_exist(lab: Lab) -> None:
    """Docker reports a missing repository as a missing manifest; the registry's API says name unknown."""
    lab.credentials.store(lab.registry.address, lab.user, lab.password)
    nothing = f"{lab.registry.address}/{lab.user}/nothing"
    failure = only_failure(lab.run(f"docker pull {nothing}"))
    assert failure.explanation is not None and failure.explanation.key == "manifest_unknown", failure
    with pytest.raises(NotFound) as caught:
        RegistryClient(lab.registry.url, lab.user, lab.password).tags(f"{lab.user}/nothing")
    assert key_of(str(caught.value)) == "name_unknown", caught.value


def test_registry_down(gateway: Engine, private_registry: RegistryUnderTest, hello_image: str) -> None:
    """Pushing to a stopped registry: the daemon's connection refused."""
    lab = Lab(gateway, private_registry, *private_registry.new_account())
    try:
        assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
        private_registry.stop()
        failure = only_failure(lab.run(f"docker push {lab.target.repository}"))
        assert "connection refused" in failure.message
        assert failure.explanation is not None and failure.explanation.key == "registry_down"
    finally:
        lab.cleanup()


def test_registry_down_on_podman(podman_gateway: Engine, private_registry: RegistryUnderTest,
                                 podman_hello_image: str) -> None:
    """Podman's connection refused (it dials 127.0.0.1 for localhost) is registry_down, not the
    localhost-versus-127.0.0.1 mix-up."""
    lab = Lab(podman_gateway, private_registry, *private_registry.new_account())
    try:
        assert lab.run(f"podman tag {HELLO_IMAGE} {lab.target.repository}") == []
        private_registry.stop()
        failure = only_failure(lab.run(f"podman push {lab.target.repository}"))
        assert failure.explanation is not None and failure.explanation.key == "registry_down", failure
    finally:
        lab.cleanup()


def test_no_such_host_offline(lab: Lab) -> None:
    """A registry name that cannot be resolved (this machine is offline) is explained as such."""
    name = f"registry-{secrets.token_hex(3)}.invalid/{lab.user}/x"
    failure = only_failure(lab.run(f"docker pull {name}"))
    assert failure.explanation is not None and failure.explanation.key == "no_such_host", failure


def test_an_untagged_push_offline_is_explained_as_the_name_not_the_network(lab: Lab) -> None:
    """`docker push IMAGE` without the registry goes to Docker Hub, which this offline machine cannot
    find: on the lab's own registry the mistake is the name, so the tag step and its fix are named,
    not the practice registry or the network."""
    failure = only_failure(lab.run(f"docker push {HELLO_IMAGE}"))
    assert "registry-1.docker.io" in failure.message, failure
    assert failure.explanation is not None and failure.explanation.key == "sent_to_hub", failure
    assert failure.explanation.step == "tag"
    assert failure.explanation.fix == f"docker tag {HELLO_IMAGE} {lab.target.repository}"
    assert lab.target.registry in failure.explanation.what and HELLO_IMAGE in failure.explanation.why


def test_an_untagged_push_offline_on_podman(podman_lab: Lab) -> None:
    """Podman's wording (it pings registry-1.docker.io) gets the same explanation and its own fix."""
    failure = only_failure(podman_lab.run(f"podman push {HELLO_IMAGE}"))
    assert failure.explanation is not None and failure.explanation.key == "sent_to_hub", failure
    assert failure.explanation.fix == f"podman tag {HELLO_IMAGE} {podman_lab.target.repository}"


def test_the_same_text_from_another_command_is_the_networks_fault(lab: Lab) -> None:
    """Only a push names the mistake by its name: a login to Docker Hub offline, or a check that
    meets Docker Hub's host, still hears that the name cannot be found."""
    message = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host'
    assert key_of(message) == "no_such_host"
    failure = only_failure(lab.run("docker pull python-hello-world"))
    assert failure.explanation is not None and failure.explanation.key == "no_such_host", failure


def test_engine_down_from_a_dead_socket(tmp_path: Path) -> None:
    """A socket file nobody answers on: the gateway's message is explained as engine down."""
    path = tmp_path / "dead.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()  # the file stays, nobody listens
    with pytest.raises(EngineUnavailable) as caught:
        Engine.connect("docker", base_url=f"unix://{path}")
    assert key_of(str(caught.value)) == "engine_down"


def lan_address() -> str:
    """A non-loopback IPv4 address of this machine (engines expect HTTPS there)."""
    addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    host = next((a for a in addresses if "." in a and not a.startswith("127.")), None)
    if host is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    return host


def start_lan_registry(config: ServerConfig) -> RegistryUnderTest:
    """Start a registry with one account on the config's address."""
    registry_server.prepare(config)
    under_test = RegistryUnderTest(config, process=None)  # type: ignore[arg-type]
    under_test.add_user(under_test.user, under_test.password)
    under_test.process = registry_server.start_process(config)
    return under_test


@pytest.fixture
def tls_registry(engine: docker.DockerClient, tmp_path: Path) -> Iterator[RegistryUnderTest]:
    """An HTTPS registry on a LAN address whose certificate comes from a CA nobody trusts."""
    host = lan_address()
    files = ensure_certificates(tmp_path / "tls", host)
    config = ServerConfig(data_dir=tmp_path / "tls-reg", host=host, port=registry_server.free_port(host),
                          tls_cert=files.server_cert, tls_key=files.server_key)
    under_test = start_lan_registry(config)
    yield under_test
    under_test.stop()


def test_unknown_certificate_authority(gateway: Engine, tls_registry: RegistryUnderTest,
                                       hello_image: str) -> None:
    """The daemon and the tutor's login both refuse a certificate from an unknown CA: explained."""
    lab = Lab(gateway, tls_registry, tls_registry.user, tls_registry.password)
    try:
        assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
        failure = only_failure(lab.run(f"docker push {lab.target.repository}"))
        assert "x509" in failure.message, failure
        assert failure.explanation is not None and failure.explanation.key == "tls_unknown_ca"
        login = only_failure(lab.run(f"docker login {tls_registry.address} -u {lab.user}", lab.password))
        assert login.explanation is not None and login.explanation.key == "tls_unknown_ca", login
    finally:
        lab.cleanup()


def test_login_trusts_the_lab_targets_own_ca(gateway: Engine, tls_registry: RegistryUnderTest,
                                             tmp_path: Path) -> None:
    """With the target's CA file (a workshop's TLS practice registry) the same login succeeds."""
    lab = Lab(gateway, tls_registry, tls_registry.user, tls_registry.password)
    lab.session.target = replace(lab.target, ca_file=str(tmp_path / "tls" / "ca.crt"))
    events = lab.run(f"docker login {tls_registry.address} -u {lab.user}", lab.password)
    assert not failures(events) and lab.credentials.get(tls_registry.address) is not None, events


@pytest.fixture
def lan_registry(engine: docker.DockerClient, tmp_path: Path) -> Iterator[RegistryUnderTest]:
    """A plain-HTTP registry on this machine's LAN address: not loopback, so HTTPS is expected."""
    host = lan_address()
    config = ServerConfig(data_dir=tmp_path / "lan", host=host, port=registry_server.free_port(host))
    under_test = start_lan_registry(config)
    yield under_test
    under_test.stop()


def test_http_registry_from_the_daemon(gateway: Engine, lan_registry: RegistryUnderTest,
                                       hello_image: str) -> None:
    """The daemon refuses plain HTTP to a non-loopback address: really said, really explained."""
    lab = Lab(gateway, lan_registry, lan_registry.user, lan_registry.password)
    try:
        assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
        failure = only_failure(lab.run(f"docker push {lab.target.repository}"))
        assert "HTTP response to HTTPS client" in failure.message
        assert failure.explanation is not None and failure.explanation.key == "http_registry"
        login = only_failure(lab.run(f"docker login {lan_registry.address} -u {lab.user}", lab.password))
        assert login.explanation is not None and login.explanation.key == "http_registry", login
    finally:
        lab.cleanup()


def test_podman_and_a_plain_http_registry_on_the_network(podman_gateway: Engine,
                                                        lan_registry: RegistryUnderTest,
                                                        podman_hello_image: str) -> None:
    """Podman refuses plain HTTP off loopback (explained); with --tls-verify=false login and push work."""
    lab = Lab(podman_gateway, lan_registry, lan_registry.user, lan_registry.password)
    try:
        assert lab.run(f"podman tag {HELLO_IMAGE} {lab.target.repository}") == []
        refused = only_failure(lab.run(f"podman push {lab.target.repository}"))
        assert refused.explanation is not None and refused.explanation.key == "http_registry", refused
        assert refused.explanation.fix == f"podman push --tls-verify=false {lab.target.repository}"
        login = f"podman login --tls-verify=false -u {lab.user} {lan_registry.address}"
        assert not failures(events := lab.run(login, lab.password)), events
        assert not failures(lab.run(f"podman push --tls-verify=false {lab.target.repository}"))
        client = RegistryClient(lan_registry.url, lab.user, lab.password)
        assert client.tags(lab.target.api_path) == ["latest"]
    finally:
        lab.cleanup()


def test_podman_localhost_versus_127(podman_socket: str, registry: RegistryUnderTest,
                                     account: tuple[str, str], podman_hello_image: str) -> None:
    """Logged in to localhost:PORT, pushing to 127.0.0.1:PORT on Podman: the explainer says why."""
    podman = Engine.connect("podman", base_url=podman_socket)
    lab = Lab(podman, registry, *account)
    numeric = lab.target.repository.replace("localhost:", "127.0.0.1:")
    try:
        assert not failures(lab.run(f"podman login {registry.address} -u {lab.user}", lab.password))
        assert lab.run(f"podman tag {HELLO_IMAGE} {numeric}") == []
        failure = only_failure(lab.run(f"podman push {numeric}"))
        assert failure.explanation is not None and failure.explanation.key == "podman_localhost", failure
    finally:
        remove_names(podman, [numeric])
        podman.close()


def test_login_is_never_run_through_a_shell(lab: Lab, tmp_path: Path) -> None:
    """A registry name full of shell syntax in quotes is just a (bad) name, nothing runs."""
    marker = tmp_path / "ran"
    events = lab.run(f"docker login -u alice 'x; touch {marker}'", "pw")
    assert failures(events) and not marker.exists()
