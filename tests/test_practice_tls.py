"""The practice registry beyond loopback: TLS with the tutor's CA, trusted by a real Docker daemon.

The test makes its own network: a namespace and a veth pair with 10.213.0.1/30 (this side) and
10.213.0.2/30 (inside the namespace). The registry binds 10.213.0.1, so every packet goes only
to an address the test created.
"""

from __future__ import annotations

import contextlib
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
from tutor.core.registry.api import RegistryClient, RegistryUnreachable

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


@contextlib.contextmanager
def trusting(certs_d: Path, address: str, ca_file: str) -> Iterator[None]:
    """certs_d/ADDRESS/ca.crt in place for the block; removed after, with folders it created."""
    folder = certs_d / address
    created = [path for path in (certs_d, folder) if not path.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ca_file, folder / "ca.crt")
    try:
        yield
    finally:
        (folder / "ca.crt").unlink(missing_ok=True)
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.rmdir()


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
    assert status.ca_file in ran.out
    assert f"sudo mkdir -p /etc/docker/certs.d/{address} && sudo cp ca.crt " \
           f"/etc/docker/certs.d/{address}/ca.crt" in ran.out
    assert f"sudo cp ca.crt /etc/containers/certs.d/{address}/ca.crt" in ran.out
    with pytest.raises(RegistryUnreachable):  # a client without the CA refuses the certificate
        RegistryClient(f"https://{address}").ping()
    user, password = practice.add_user()
    remote = f"{address}/{user}/{HELLO_IMAGE}"
    engine.images.get(HELLO_IMAGE).tag(remote, "latest")
    try:
        untrusted = _push(engine, remote, user, password)
        errors = [str(line["errorDetail"]) for line in untrusted if "errorDetail" in line]
        assert errors and "x509" in errors[0], untrusted
        with trusting(CERTS_D, address, status.ca_file):
            stream = _push(engine, remote, user, password)
        assert not [line for line in stream if "errorDetail" in line], stream
        digest = next(line["aux"]["Digest"] for line in stream if "aux" in line)  # type: ignore[index]
    finally:
        engine.images.remove(f"{remote}:latest")
    client = RegistryClient(f"https://{address}", user, password, ca_file=status.ca_file)
    assert client.manifest(f"{user}/{HELLO_IMAGE}", "latest")[0] == digest
    rows = practice.registry.board()
    assert [row.digest for row in rows if row.user == user] == [digest]


def test_podman_trusting_the_printed_ca_pushes_over_tls(
    practice: Practice, veth_address: str, podman_engine: docker.DockerClient, podman_hello_image: str,
) -> None:
    """Podman verifies TLS by default; with the CA in /etc/containers/certs.d it pushes."""
    ran = practice.start("--host", veth_address, "--tls")
    assert ran.code == 0, ran.err
    address = f"{veth_address}:{practice.port}"
    ca_file = practice.registry.status().ca_file
    assert ca_file
    user, password = practice.add_user()
    remote = f"{address}/{user}/{HELLO_IMAGE}"
    podman_engine.images.get(HELLO_IMAGE).tag(remote, "latest")
    api = podman_engine.api
    header = docker.auth.encode_header({"username": user, "password": password})

    def push() -> list[dict[str, object]]:
        response = api._post(api._url("/images/{0}/push", remote), stream=True,
                             params={"tag": "latest"}, headers={"X-Registry-Auth": header})
        return list(api._stream_helper(response, decode=True))

    try:
        assert [line for line in push() if "error" in line], "pushed without trusting the CA"
        with trusting(Path("/etc/containers/certs.d"), address, ca_file):
            stream = push()
        assert not [line for line in stream if "error" in line], stream
    finally:
        podman_engine.images.remove(f"{remote}:latest")
    client = RegistryClient(f"https://{address}", user, password, ca_file=ca_file)
    assert client.remote_image(f"{user}/{HELLO_IMAGE}", "latest").config_digest == podman_hello_image
