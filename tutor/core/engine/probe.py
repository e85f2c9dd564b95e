"""The engine's /version, asked over its Unix socket while the docker SDK is still loading.

A headless `check` spends most of its life importing the SDK (~90 ms), and connecting starts with
one request the engine may take 5-10 ms to answer (Docker asks containerd and runc for their
versions). `start()` asks that question in a thread, with the standard library only, at the
address the gateway will most likely use; the gateway takes the answer for that address and asks
itself for any other (a TCP or TLS DOCKER_HOST, a docker context, a socket that does not answer).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
from typing import Any

from tutor.core.engine.credentials import docker_config_path
from tutor.core.engine.sockets import docker_default, listening_here, podman_sockets

_TIMEOUT = 10.0


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def unix_version(url: str, timeout: float = _TIMEOUT) -> dict[str, Any]:
    """The engine's /version at a unix:// URL; OSError or ValueError when it does not answer so."""
    connection = _UnixConnection(url[len("unix://"):], timeout)
    try:
        connection.request("GET", "/version")
        response = connection.getresponse()
        body = response.read()
    except http.client.HTTPException as error:
        raise OSError(str(error)) from error
    finally:
        connection.close()
    if response.status != 200:
        raise OSError(f"/version answered {response.status}")
    answer = json.loads(body)
    if not isinstance(answer, dict) or "ApiVersion" not in answer:
        raise ValueError("no engine version in the answer")
    return answer


def likely_url(kind: str, base_url: str | None) -> str | None:
    """The first address the gateway will try that is a Unix socket here, or None where the
    gateway decides with the SDK (a TCP host, a docker context) or no socket exists."""
    if base_url:
        return base_url if base_url.startswith("unix://") else None
    if kind == "podman":
        hosts = [os.environ.get("CONTAINER_HOST"), os.environ.get("DOCKER_HOST")]
        named = next((host for host in hosts if host), None)
        candidates = [named] if named else podman_sockets()
    else:
        named = os.environ.get("DOCKER_HOST")
        if not named and _context_named():
            return None
        candidates = [named] if named else [docker_default(), *(podman_sockets() if kind == "auto" else [])]
    for url in candidates:
        if not url.startswith("unix://"):
            return None
        if listening_here(url):
            return url
    return None


def _context_named() -> bool:
    """True when the docker CLI has a current context other than the default (the SDK reads it)."""
    if os.environ.get("DOCKER_CONTEXT"):
        return True
    try:
        config = json.loads(docker_config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    current = config.get("currentContext") if isinstance(config, dict) else None
    return bool(current) and current != "default"


class _Early:
    """One /version request in flight, for one address."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answer: dict[str, Any] | None = None
        self.thread = threading.Thread(target=self._ask, name="engine-probe", daemon=True)
        self.thread.start()

    def _ask(self) -> None:
        try:
            self.answer = unix_version(self.url)
        except (OSError, ValueError):
            self.answer = None  # the gateway asks again, and says what went wrong


_early: dict[str, _Early] = {}  # at most one: the address asked last


def start(kind: str, base_url: str | None = None) -> None:
    """Ask the likely engine for its /version in the background (nothing when there is no socket)."""
    url = likely_url(kind, base_url)
    if url is not None:
        _early.clear()
        _early[url] = _Early(url)


def take(url: str) -> dict[str, Any] | None:
    """The early answer for URL (waiting for it if it is still on its way), once; else None."""
    found = _early.pop(url, None)
    if found is None:
        return None
    found.thread.join(_TIMEOUT)
    return found.answer
