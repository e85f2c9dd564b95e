"""How the bench drives the tutor's core, in one place (the core's API is young)."""

from __future__ import annotations

import importlib.util
from typing import Any

from tests.bench.bed import Bed, Registry
from tutor.core.events import CommandFailed, PushFinished


class Pending(Exception):
    """A figure cannot be measured yet; the message says what it waits for."""


def engine(bed: Bed) -> Any:
    """The tutor's engine gateway on the local Docker daemon, connected once per run."""
    if "engine" not in bed.cache:
        from tutor.core.engine.gateway import Engine

        bed.cache["engine"] = Engine.connect("docker")
    return bed.cache["engine"]


def session(bed: Bed, registry: Registry, image: str) -> Any:
    """An interpreter session for a learner on that registry, reading the bench's config.json."""
    from tutor.core.engine.credentials import CredentialStore
    from tutor.core.shell.interpreter import Session
    from tutor.core.target import Target

    target = Target.create(registry.address, registry.user, image.rsplit(":", 1)[0])
    return Session(engine(bed), target, CredentialStore("docker"), ask_password=lambda _prompt: None)


def run_line(line: str, learner: Any) -> list[Any]:
    """Run one typed line through the interpreter; raise on CommandFailed."""
    from tutor.core.shell.interpreter import run_command

    events = list(run_command(line, learner))
    failures = [event for event in events if isinstance(event, CommandFailed)]
    if failures:
        raise RuntimeError(f"`{line}` failed in the tutor: {failures[0].message}")
    return events


def push(bed: Bed, registry: Registry, reference: str) -> str:
    """`docker push` typed into the tutor, consuming every event; returns which path was used."""
    if importlib.util.find_spec("tutor.core.shell.interpreter") is None:
        raise Pending("tutor/core/shell/interpreter.py is not written yet")
    events = run_line(f"docker push {reference}", session(bed, registry, reference))
    if not any(isinstance(event, PushFinished) for event in events):
        raise RuntimeError("the tutor's push ended without PushFinished")
    return "interpreter.run_command"


def lab_context(bed: Bed, address: str, user: str, image_name: str, started_nano: int) -> Any:
    """The checks' view of a learner's lab on the bench's registry, as the app builds it."""
    from tutor.core.engine.credentials import CredentialStore
    from tutor.core.lab.checks import LabContext
    from tutor.core.target import Target

    target = Target.create(address, user, image_name)
    return LabContext(engine(bed), target, CredentialStore("docker"), lab_started_nano=started_nano)
