"""How the bench drives the tutor's core, in one place (the core's API is young)."""

from __future__ import annotations

from typing import Any

from tests.bench.bed import Bed, Registry
from tutor.core.events import CommandFailed, PushFinished


def engine(bed: Bed) -> Any:
    """The tutor's engine gateway on the local Docker daemon, connected once per run."""
    if "engine" not in bed.cache:
        from tutor.core.engine import Engine

        bed.cache["engine"] = Engine.connect("docker")
    return bed.cache["engine"]


def push(bed: Bed, registry: Registry, reference: str) -> str:
    """Push through the tutor, consuming every event; returns which path was used."""
    events = engine(bed).push(reference, registry.user, registry.password)
    finished = False
    for event in events:
        if isinstance(event, CommandFailed):
            raise RuntimeError(f"the tutor's push failed: {event.message}")
        finished = finished or isinstance(event, PushFinished)
    if not finished:
        raise RuntimeError("the tutor's push ended without PushFinished")
    return "Engine.push (interpreter not written yet)"
