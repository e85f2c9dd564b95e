"""What a repository page shows, read from the registry's API: tags, digests, platforms, layers."""

from __future__ import annotations

import contextlib
from typing import Any

from tutor.core.records import field, record
from tutor.core.registry.api import NotFound, RegistryClient, RegistryError, is_attestation, is_index


@record
class Platform:
    """One image of a tag: its OS/architecture (or an attestation), size and layers."""

    os_arch: str
    digest: str
    size: int
    layers: tuple[tuple[str, int], ...] = ()
    image_id: str | None = None
    created: str | None = None
    attestation: bool = False


@record
class TagInfo:
    """One tag: the manifest digest the registry answers for it and what it points to."""

    name: str
    digest: str
    media_type: str
    platforms: tuple[Platform, ...] = ()
    pushed_at: str | None = None


@record(frozen=False)
class RepositoryPage:
    """Everything the page of USER/IMAGE shows."""

    repository: str
    tags: list[TagInfo] = field(default_factory=list)


def read_repository(client: RegistryClient, repository: str,
                    pushed: dict[str, str] | None = None) -> RepositoryPage:
    """The page's data; an unknown repository raises NotFound. pushed: tag -> time of its last push."""
    page = RepositoryPage(repository)
    for tag in client.tags(repository):
        with contextlib.suppress(NotFound):
            page.tags.append(_tag(client, repository, tag, (pushed or {}).get(tag)))
    return page


def _tag(client: RegistryClient, repository: str, tag: str, pushed_at: str | None) -> TagInfo:
    digest, body, media_type = client.manifest(repository, tag)
    if not is_index(body, media_type):
        return TagInfo(tag, digest, media_type, (_image(client, repository, digest, body, None),), pushed_at)
    platforms = []
    for entry in body.get("manifests") or []:
        with contextlib.suppress(NotFound):
            child_digest, child, _type = client.manifest(repository, str(entry["digest"]))
            platforms.append(_image(client, repository, child_digest, child, entry))
    return TagInfo(tag, digest, media_type, tuple(platforms), pushed_at)


def _image(client: RegistryClient, repository: str, digest: str, body: dict[str, Any],
           entry: dict[str, Any] | None) -> Platform:
    layers = tuple((str(layer["digest"]), int(layer.get("size", 0))) for layer in body.get("layers") or [])
    size = sum(layer_size for _digest, layer_size in layers)
    platform = (entry or {}).get("platform") or {}
    attestation = entry is not None and is_attestation(entry)
    config_digest = (body.get("config") or {}).get("digest")
    config: dict[str, Any] = {}
    if config_digest and not attestation:
        with contextlib.suppress(RegistryError, ValueError):
            config = client.blob_json(repository, str(config_digest))
    os_name = platform.get("os") or config.get("os") or "?"
    arch = platform.get("architecture") or config.get("architecture") or "?"
    variant = platform.get("variant") or config.get("variant")
    os_arch = f"{os_name}/{arch}" + (f"/{variant}" if variant else "")
    return Platform(os_arch, digest, size, layers, None if attestation else config_digest,
                    config.get("created"), attestation)
