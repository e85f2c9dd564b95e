"""`practice seed`: copy images the instructor has locally into the practice registry, for students
who cannot build or download them (an offline class)."""

from __future__ import annotations

import contextlib

from tutor.core.engine.gateway import Engine, EngineError, EngineUnavailable
from tutor.core.events import CommandFailed, PushFinished
from tutor.core.records import record
from tutor.core.target import InvalidName, parse_reference


class SeedFailed(RuntimeError):
    """An image could not be copied; the message says which and why."""


@record
class Seeded:
    """One copied image: its local name, its name in the practice registry, the manifest digest."""

    source: str
    remote: str
    digest: str | None


def seed_name(address: str, image: str) -> str:
    """Where a local image goes in the practice registry: python:3.12-slim -> ADDRESS/python:3.12-slim."""
    try:
        ref = parse_reference(image)
    except InvalidName as error:
        raise SeedFailed(f"'{image}': {error}") from error
    path = ref.path.removeprefix("library/")
    return f"{address}/{path}:{ref.tag or 'latest'}"


def seed(engine: Engine, address: str, images: list[str], user: str, password: str) -> list[Seeded]:
    """Tag each local image with its practice-registry name, push it, and drop the extra name."""
    missing = [image for image in images if engine.image(image) is None]
    if missing:
        raise SeedFailed(f"not found on this machine's {engine.kind}: {', '.join(missing)}; "
                         f"pull or build it first ({engine.kind} images lists what is there)")
    return [_seed_one(engine, address, image, user, password) for image in images]


def _seed_one(engine: Engine, address: str, image: str, user: str, password: str) -> Seeded:
    remote = seed_name(address, image)
    try:
        engine.tag(image, remote)
    except (EngineError, EngineUnavailable) as error:
        raise SeedFailed(f"{image}: {error}") from error
    try:
        digest, failure = None, None
        for event in engine.push(remote, user, password):
            if isinstance(event, PushFinished):
                digest = event.digest
            elif isinstance(event, CommandFailed):
                failure = event.message
    finally:
        with contextlib.suppress(EngineError, EngineUnavailable):
            engine.remove(remote)
    if failure:
        raise SeedFailed(f"{image}: the push failed: {failure}")
    return Seeded(image, remote, digest)
