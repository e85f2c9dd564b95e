"""The early /version probe: the standard library's answer over the engine's socket, taken by the
gateway for the address it asked, and never trusted where the SDK decides (TCP, a docker context)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import docker
import pytest

from tutor.core.engine import probe
from tutor.core.engine.gateway import Engine, EngineUnavailable

DOCKER_URL = "unix:///var/run/docker.sock"


def test_the_standard_library_reads_what_the_sdk_reads(engine: docker.DockerClient,
                                                       podman_engine: docker.DockerClient,
                                                       podman_socket: str) -> None:
    """Docker's and Podman's /version, asked without the SDK, say the same as through it."""
    for client, url in ((engine, DOCKER_URL), (podman_engine, podman_socket)):
        answer = probe.unix_version(url)
        sdk = client.version()
        assert (answer["ApiVersion"], answer["Version"]) == (sdk["ApiVersion"], sdk["Version"])


def test_the_gateway_takes_the_early_answer_once_and_only_for_its_address(
        engine: docker.DockerClient, podman_socket: str) -> None:
    probe.start("podman", base_url=podman_socket)
    assert probe.take(DOCKER_URL) is None  # asked for another address: the gateway asks itself
    early = probe.take(podman_socket)
    assert early is not None and "Podman" in json.dumps(early.get("Components"))
    assert probe.take(podman_socket) is None  # once
    probe.start("podman", base_url=podman_socket)
    connected = Engine.connect("podman", base_url=podman_socket)
    assert connected.kind == "podman" and probe.take(podman_socket) is None
    connected.close()


def test_a_socket_that_is_no_engine_leaves_the_answer_to_the_gateway(tmp_path: Path,
                                                                     engine: docker.DockerClient) -> None:
    """A socket that answers HTTP but is no engine: the probe has no answer, and the gateway says
    that nothing answers there, as it does without the probe."""
    path = tmp_path / "not-an-engine.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)

    def answer() -> None:
        for _ in range(4):
            try:
                connection, _address = server.accept()
            except OSError:
                return
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            connection.close()

    threading.Thread(target=answer, daemon=True).start()
    url = f"unix://{path}"
    with pytest.raises(OSError):
        probe.unix_version(url)
    probe.start("docker", base_url=url)
    with pytest.raises(EngineUnavailable) as refused:
        Engine.connect("docker", base_url=url)
    assert url in str(refused.value) and "nothing answers" in str(refused.value)
    server.close()


def test_the_likely_address_is_left_to_the_sdk_for_tcp_hosts_and_contexts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: docker.DockerClient) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert probe.likely_url("docker", None) == DOCKER_URL
    assert probe.likely_url("docker", "tcp://10.0.0.5:2376") is None
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    assert probe.likely_url("auto", None) is None
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/gone.sock")
    assert probe.likely_url("docker", None) is None  # no such socket: nothing to ask early
    monkeypatch.delenv("DOCKER_HOST")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "colima"}))
    assert probe.likely_url("auto", None) is None  # the SDK reads the context's address
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "default"}))
    assert probe.likely_url("auto", None) == DOCKER_URL
    monkeypatch.setenv("CONTAINER_HOST", DOCKER_URL)
    assert probe.likely_url("podman", None) == DOCKER_URL
