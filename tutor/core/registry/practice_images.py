"""What learners pushed to the practice registry: list it, show it per account, delete it (reset)."""

from __future__ import annotations

import contextlib
import datetime
import shutil
from collections.abc import Iterator
from pathlib import Path

from tutor.core.records import record
from tutor.core.registry.api import NotFound, RegistryClient

REPOSITORIES = Path("docker/registry/v2/repositories")


@record
class BoardRow:
    """One pushed image of an account (or an account with nothing pushed yet)."""

    user: str
    repository: str | None = None
    tags: tuple[str, ...] = ()
    digest: str | None = None
    pushed_at: str | None = None


def iso(timestamp: float) -> str:
    """A POSIX time as ISO 8601 in UTC, to the second."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec="seconds")


def images(client: RegistryClient, user: str | None) -> Iterator[tuple[str, str, list[str]]]:
    """(repository, digest, tags) for every pushed image, optionally of one user only."""
    for repository in client.catalog():
        if user is not None and not repository.startswith(user + "/"):
            continue
        try:
            tags = client.tags(repository)
        except NotFound:
            continue
        by_digest: dict[str, list[str]] = {}
        for tag in tags:
            with contextlib.suppress(NotFound):
                by_digest.setdefault(client.manifest(repository, tag)[0], []).append(tag)
        for digest, digest_tags in by_digest.items():
            yield repository, digest, digest_tags


def delete_all(client: RegistryClient, storage: Path, user: str | None) -> list[str]:
    """Delete every pushed manifest (of one user, or all) through the API; returns repo:tag."""
    deleted: list[str] = []
    for repository, digest, tags in list(images(client, user)):
        with contextlib.suppress(NotFound):
            client.delete_manifest(repository, digest)
        deleted.extend(f"{repository}:{tag}" for tag in tags)
        _drop_if_empty(client, storage, repository)
    return deleted


def _drop_if_empty(client: RegistryClient, storage: Path, repository: str) -> None:
    """Remove a repository's folder once it has no tags, so the catalog forgets it too."""
    with contextlib.suppress(NotFound):
        if client.tags(repository):
            return
    root = (storage / REPOSITORIES).resolve()
    folder = (root / repository).resolve()
    if root in folder.parents:
        shutil.rmtree(folder, ignore_errors=True)
        for parent in folder.parents:
            if parent == root or any(parent.iterdir()):
                break
            parent.rmdir()


def _pushed_at(storage: Path, repository: str, tags: list[str]) -> str | None:
    """When a tag was last pushed: the time the registry wrote the tag's link."""
    base = storage / REPOSITORIES / repository / "_manifests" / "tags"
    times = []
    for tag in tags:
        with contextlib.suppress(OSError):
            times.append((base / tag / "current" / "link").stat().st_mtime)
    return iso(max(times)) if times else None


def image_rows(client: RegistryClient, storage: Path, users: list[str]) -> list[BoardRow]:
    """One row per account and pushed image, and one for each account with nothing pushed."""
    rows: list[BoardRow] = []
    for repository, digest, tags in images(client, None):
        owner = repository.split("/", 1)[0] if "/" in repository else ""
        rows.append(BoardRow(owner, repository, tuple(tags), digest, _pushed_at(storage, repository, tags)))
    seen = {row.user for row in rows}
    rows.extend(BoardRow(name) for name in users if name not in seen)
    return sorted(rows, key=lambda row: (row.user, row.repository or ""))
