"""Credentials kept exactly where and how `docker login` / `podman login` keep them.

INTERFACE SKELETON: signatures are agreed; bodies are being written (see issue 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


class CredentialsError(Exception):
    """The credential file or helper could not be read or written; the message says why."""


@dataclass(frozen=True)
class Credential:
    """A user name and secret for one registry key."""

    key: str
    username: str
    secret: str


@dataclass(frozen=True)
class StoredLogin:
    """Where a login was stored, and whether in plain (base64) text."""

    location: str
    plaintext: bool


class CredentialStore:
    """The credential store of one engine family: Docker's config.json or containers' auth.json."""

    def __init__(self, flavour: Literal["docker", "podman"], path: Path | None = None) -> None:
        raise NotImplementedError

    @property
    def path(self) -> Path:
        """The file that `docker login` / `podman login` would write."""
        raise NotImplementedError

    def get(self, registry: str) -> Credential | None:
        """The stored login for a registry (normalised address or docker.io), or None."""
        raise NotImplementedError

    def store(self, registry: str, username: str, secret: str) -> StoredLogin:
        """Store a login as the CLI would (helpers honoured, atomic 0600, other keys kept)."""
        raise NotImplementedError

    def erase(self, registry: str) -> bool:
        """Remove exactly what `docker logout REGISTRY` removes; True when something was removed."""
        raise NotImplementedError
