"""Where the engines usually listen: plain paths and names, without the docker SDK.

The gateway tries these addresses when connecting; the app's draft of the lab (setup.likely_kind)
looks at which of them exist to guess the engine before the SDK has even loaded.
"""

from __future__ import annotations

import os
import sys

DOCKER_SOCKET = "/var/run/docker.sock"
ROOT_PODMAN_SOCKET = "/run/podman/podman.sock"
DOCKER_DESKTOP_PIPE = "npipe:////./pipe/docker_engine"  # Docker Desktop on Windows
PODMAN_MACHINE_PIPE = "npipe:////./pipe/podman-machine-default"  # `podman machine start` on Windows


def docker_default() -> str:
    """The Docker engine's own address on this operating system."""
    return DOCKER_DESKTOP_PIPE if sys.platform == "win32" else f"unix://{DOCKER_SOCKET}"


def podman_sockets() -> list[str]:
    """Where Podman's Docker-compatible socket usually listens: the user's, then root's (on
    Windows: the default Podman machine's named pipe)."""
    if sys.platform == "win32":
        return [PODMAN_MACHINE_PIPE]
    paths = []
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        paths.append(f"{runtime}/podman/podman.sock")
    paths.append(ROOT_PODMAN_SOCKET)
    return [f"unix://{path}" for path in paths]


def listening_here(url: str) -> bool:
    """True when URL is a local socket or named pipe that exists (something may answer there)."""
    if url.startswith("unix://"):
        return os.path.exists(url[len("unix://"):])
    if url.startswith("npipe://"):
        return os.path.exists(url[len("npipe:"):].replace("/", "\\"))
    return False
