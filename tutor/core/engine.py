"""The engine gateway: the only module that imports docker. Docker and Podman alike.

INTERFACE SKELETON: signatures are agreed; bodies are being written (see issue 3).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from tutor.core.events import Event

EngineKind = Literal["docker", "podman"]


class EngineUnavailable(Exception):
    """No engine answers; the message says how to start one on this operating system."""


class EngineError(Exception):
    """The engine refused an operation; the message is the engine's own text."""


@dataclass(frozen=True)
class EngineInfo:
    """Which engine answered, and where."""

    kind: EngineKind
    version: str
    api_version: str
    base_url: str


@dataclass(frozen=True)
class LocalImage:
    """An image in the engine's local store."""

    id: str
    tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    size: int = 0
    created: str = ""


@dataclass(frozen=True)
class EngineEvent:
    """An image event from the engine (pull, push, tag, untag, delete) with its time."""

    action: str
    name: str
    time_nano: int
    attributes: dict[str, str] = field(default_factory=dict)


class Engine:
    """A connection to one Docker or Podman engine."""

    info: EngineInfo

    @classmethod
    def connect(cls, kind: Literal["auto", "docker", "podman"] = "auto",
                base_url: str | None = None) -> Engine:
        """Connect (auto: DOCKER_HOST, Docker's socket, then Podman's); raise EngineUnavailable."""
        raise NotImplementedError

    @property
    def kind(self) -> EngineKind:
        return self.info.kind

    def image(self, reference: str) -> LocalImage | None:
        """The local image a name or ID refers to, or None."""
        raise NotImplementedError

    def images(self) -> list[LocalImage]:
        """Every local image."""
        raise NotImplementedError

    def tag(self, source: str, target: str) -> None:
        """Give the source image another name; raise EngineError with the engine's text."""
        raise NotImplementedError

    def remove(self, reference: str) -> list[str]:
        """Remove a name (untag, or delete when last); returns the engine's lines."""
        raise NotImplementedError

    def push(self, reference: str, username: str | None, password: str | None) -> Iterator[Event]:
        """Push, streaming LayerProgressed, OutputLine, then PushFinished or CommandFailed."""
        raise NotImplementedError

    def pull(self, reference: str, username: str | None, password: str | None) -> Iterator[Event]:
        """Pull, streaming LayerProgressed, OutputLine, then PullFinished or CommandFailed."""
        raise NotImplementedError

    def run(self, reference: str) -> Iterator[Event]:
        """`run --rm IMAGE`: the container's output as OutputLine events."""
        raise NotImplementedError

    def build(self, context_dir: str, tag: str) -> Iterator[Event]:
        """Build an image from a folder with a Dockerfile, streaming the build's output."""
        raise NotImplementedError

    def image_events(self, since_nano: int, until_nano: int) -> list[EngineEvent]:
        """Image events recorded between two times (for the pull check)."""
        raise NotImplementedError

    def watch(self, stop: threading.Event) -> Iterator[EngineEvent]:
        """Block, yielding image events as they happen, until stop is set."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""
        raise NotImplementedError
