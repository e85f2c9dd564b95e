"""The practice registry beyond loopback: TLS with the tutor's CA, trusted by a real Docker daemon.

The test makes its own network: a namespace and a veth pair with 10.213.0.1/30 (this side) and
10.213.0.2/30 (inside the namespace). The registry binds 10.213.0.1, so every packet goes only
to an address the test created.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests import test_practice
from tests.conftest import HELLO_IMAGE, missing
from tests.test_practice import Practice
from tutor.core.registry_api import RegistryClient, RegistryUnreachable

HOST = "10.213.0.1"
PEER = "10.213.0.2"
CERTS_D = Path("/etc/docker/certs.d")
practice = test_practice.practice  # the same fixture: the CLI on the test's own data dir


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def veth_address() -> Iterator[str]:
    """10.213.0.1 on a veth pair whose other end sits in a fresh network namespace."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        missing("the TLS test needs root and the ip command to make its own network")
    suffix = secrets.token_hex(3)
    namespace, outside, inside = f"tutor-tls-{suffix}", f"ttls{suffix}", f"ttlsn{suffix}"
    try:
        _ip("netns", "add", namespace)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("addr", "add", f"{HOST}/30", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("netns", "exec", namespace, "ip", "addr", "add", f"{PEER}/30", "dev", inside)
        _ip("netns", "exec", namespace, "ip", "link", "set", inside, "up")
    except subprocess.CalledProcessError as error:
        subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
        missing(f"cannot make a test network: {error.stderr.decode(errors='replace').strip()}")
    yield HOST
    subprocess.run(["ip", "link", "delete", outside], capture_output=True, timeout=30)
    subprocess.run(["ip", "netns", "delete", namespace], capture_output=True, timeout=30)


def _push(engine: docker.DockerClient, remote: str, user: str, password: str) -> list[dict[str, object]]:
    auth = {"username": user, "password": password}
    return list(engine.api.push(remote, "latest", auth_config=auth, stream=True, decode=True))


def test_docker_daemon_trusting_the_printed_ca_pushes_over_tls(
    practice: Practice, veth_address: str, engine: docker.DockerClient, hello_image: str,
) -> None:
    """--host 10.213.0.1 --tls starts HTTPS; the printed trust line makes dockerd push to it."""
    ran = practice.start("--host", veth_address, "--tls")
    assert ran.code == 0, ran.err
    address = f"{veth_address}:{practice.port}"
    status = practice.registry.status()
    assert status.running and status.tls and status.address == address and status.ca_file
    assert f"sudo cp {status.ca_file} /etc/docker/certs.d/{address}/ca.crt" in ran.out
    assert f"/etc/containers/certs.d/{address}/ca.crt" in ran.out
    with pytest.raises(RegistryUnreachable):  # a client without the CA refuses the certificate
        RegistryClient(f"https://{address}").ping()
    user, password = practice.add_user()
    remote = f"{address}/{user}/{HELLO_IMAGE}"
    engine.images.get(HELLO_IMAGE).tag(remote, "latest")
    trusted = CERTS_D / address
    try:
        untrusted = _push(engine, remote, user, password)
        errors = [str(line["errorDetail"]) for line in untrusted if "errorDetail" in line]
        assert errors and "x509" in errors[0], untrusted
        trusted.mkdir(parents=True)
        shutil.copy(status.ca_file, trusted / "ca.crt")
        stream = _push(engine, remote, user, password)
        assert not [line for line in stream if "errorDetail" in line], stream
        digest = next(line["aux"]["Digest"] for line in stream if "aux" in line)  # type: ignore[index]
    finally:
        shutil.rmtree(trusted, ignore_errors=True)
        engine.images.remove(f"{remote}:latest")
    client = RegistryClient(f"https://{address}", user, password, ca_file=status.ca_file)
    assert client.manifest(f"{user}/{HELLO_IMAGE}", "latest")[0] == digest
    rows = practice.registry.board()
    assert [row.digest for row in rows if row.user == user] == [digest]
