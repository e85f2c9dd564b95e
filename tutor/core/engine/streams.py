"""How the engine's JSON turns into the tutor's events: progress, CLI-like lines, image events.

Pure translation, no docker import: the gateway (tutor.core.engine.gateway) feeds it what Docker or
Podman answered, and callers see one shape whatever engine answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tutor.core.events import CommandFailed, Event, LayerProgressed, OutputLine, PushFinished
from tutor.core.i18n import _
from tutor.core.records import field, record

IMAGE_ACTIONS = ("pull", "push", "tag", "untag", "delete")
_IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{64}")
_DIGEST_LINE = re.compile(r"digest: (sha256:[0-9a-f]{64}) size: (\d+)")


@record
class EngineEvent:
    """An image event from the engine (pull, push, tag, untag, delete) with its time."""

    action: str
    name: str
    time_nano: int
    attributes: dict[str, str] = field(default_factory=dict)
    actor_id: str = ""



def unavailable_message(kind: str, tried: list[str], system: str | None = None) -> str:
    """What to tell a learner when no engine answers: what was tried and how to start one."""
    import platform  # only when no engine answers: a check that connects never loads it

    system = system or platform.system()
    where = ", ".join(tried) or _("no address")
    lines = [_("No container engine answers (tried {where}).").format(where=where)]
    if system == "Darwin" or system == "Windows":
        if kind != "podman":
            lines.append(_("Start Docker Desktop and wait until it says it is running,"))
        if kind != "docker":
            lines.append(_("or start Podman: podman machine start"))
    else:
        if kind != "podman":
            lines.append(_("Start Docker: sudo systemctl start docker  (or run: sudo dockerd &)"))
        if kind != "docker":
            lines.append(_("Start Podman's socket: systemctl --user start podman.socket"))
            lines.append("  " + _("(or: podman system service --time=0 &)"))
    if any("permission denied" in text for text in tried):
        lines.append(_("Permission denied on the socket: sudo usermod -aG docker $USER, then log out "
                       "and in again (or use rootless Podman)."))
    lines.append(_("Then try again. If the engine runs elsewhere, set DOCKER_HOST to its address."))
    return "\n".join(lines)



def clamped(detail: dict[str, Any]) -> tuple[int, int]:
    current, total = int(detail.get("current") or 0), int(detail.get("total") or 0)
    return (min(current, total) if total > 0 else current), total


def stream_error(chunk: dict[str, Any]) -> str | None:
    detail = chunk.get("errorDetail")
    if isinstance(detail, dict) and detail.get("message"):
        return str(detail["message"])
    error = chunk.get("error")
    return str(error) if error else None


def progress_events(chunk: dict[str, Any]) -> list[Event]:
    """Turn one JSON line of a push, pull or build stream into events, worded like the docker CLI."""
    status = str(chunk.get("status") or "")
    layer = chunk.get("id")
    if not layer or not status:
        # Podman and builds send whole lines, sometimes several in one chunk.
        text = status or str(chunk.get("stream") or "")
        return [OutputLine(line) for line in text.splitlines() if line.strip()]
    if status.startswith("Pulling from"):
        return [OutputLine(f"{layer}: {status}")]
    current, total = clamped(chunk.get("progressDetail") or {})
    events: list[Event] = [LayerProgressed(str(layer), status, current, total)]
    if not total:
        events.append(OutputLine(f"{layer}: {status}"))
    return events



def push_events(reference: str, chunks: Iterator[dict[str, Any]]) -> Iterator[Event]:
    """Events of a push stream, ending with PushFinished or CommandFailed."""
    digest: str | None = None
    size: int | None = None
    for chunk in chunks:
        error = stream_error(chunk)
        if error:
            yield CommandFailed(error)
            return
        aux = chunk.get("aux")
        if isinstance(aux, dict) and aux.get("Digest"):
            digest, size = str(aux["Digest"]), int(aux.get("Size") or 0) or None
        found = _DIGEST_LINE.search(str(chunk.get("status") or ""))
        if found and digest is None:
            digest, size = found.group(1), int(found.group(2))
        yield from progress_events(chunk)
    yield PushFinished(reference, digest, size)



def familiar_name(name: str) -> str:
    """A name as the docker CLI shows it: Podman's docker.io/library/x becomes x."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def familiar_value(value: str) -> str:
    """An image name or ID as Docker prints it (Podman leaves out docker.io/ and sha256: differently)."""
    return f"sha256:{value}" if re.fullmatch(r"[0-9a-f]{64}", value) else familiar_name(value)



def seconds_text(nano: int) -> str:
    return f"{nano // 1_000_000_000}.{nano % 1_000_000_000:09d}"



def text_lines(chunks: Iterator[bytes]) -> Iterator[str]:
    pending = ""
    for chunk in chunks:
        pending += chunk.decode(errors="replace")
        *complete, pending = pending.split("\n")
        yield from complete
    if pending:
        yield pending



def engine_event(raw: dict[str, Any]) -> EngineEvent | None:
    """An image event from the engine's JSON, or None for anything else."""
    action = str(raw.get("Action") or raw.get("status") or "")
    if raw.get("Type", "image") != "image" or action not in IMAGE_ACTIONS:
        return None
    actor = raw.get("Actor") or {}
    attributes = {str(key): str(value) for key, value in (actor.get("Attributes") or {}).items()}
    actor_id = str(actor.get("ID") or raw.get("id") or "")
    # Docker names push/pull by ID (repo:tag, its "name" lacks the tag), tag/untag by image ID.
    name = actor_id if actor_id and not _IMAGE_ID.fullmatch(actor_id) else attributes.get("name", actor_id)
    name = familiar_name(name)
    time_nano = int(raw.get("timeNano") or int(raw.get("time") or 0) * 1_000_000_000)
    return EngineEvent(action, name, time_nano, attributes, actor_id)
