"""The class's events: one JSON object per line in the data dir, appended atomically, read back in order."""

from __future__ import annotations

import datetime
import json
import os
import uuid
from pathlib import Path
from typing import Any

from tutor.core.records import asdict, fields, record

EVENTS_FILE = Path("events") / "events.jsonl"


@record
class Event:
    """Something the registry (or the tutor) saw one account do."""

    id: str
    kind: str  # push, pull, seen, authorized, login_failed, refused, viewed, account_added, account_removed
    time: str  # ISO 8601, UTC
    user: str | None = None
    addr: str | None = None  # the client's IP address, without the port
    repository: str | None = None
    tag: str | None = None
    digest: str | None = None
    client: str | None = None  # docker, podman or other (from the user agent)
    error: str | None = None  # the registry's error code, in lower case words

    def to_json(self) -> str:
        """One line of the events file (no None fields)."""
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, sort_keys=True)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event | None:
        """The event a line holds, or None when the line is not one."""
        known = {f.name for f in fields(cls)}
        if not isinstance(data.get("id"), str) or not isinstance(data.get("kind"), str):
            return None
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known and isinstance(v, str)}
        values.setdefault("time", now_iso())
        return cls(**values)


def now_iso() -> str:
    """The time now, as events record it."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def normal_time(stamp: str) -> str:
    """A registry timestamp (RFC 3339, nanoseconds, 'Z') as events record times; now if unreadable."""
    text = stamp.strip().replace("Z", "+00:00")
    if "." in text:  # Python before 3.11 reads at most six digits of a fraction
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]:0<6}{rest[len(digits):]}"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return now_iso()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds")


def new_id() -> str:
    """A fresh event id (events from the registry keep the registry's own)."""
    return uuid.uuid4().hex


def events_path(data_dir: Path) -> Path:
    """Where a data dir keeps its events."""
    return data_dir / EVENTS_FILE


def append(path: Path, events: list[Event]) -> None:
    """Add events at the end, each line in one write of an O_APPEND file, flushed to disk.

    Several writers (the companion, `practice add-user`, the tutor's sign-up form) may append at
    once: O_APPEND puts every write at the current end, so lines never interleave.
    """
    if not events:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        for event in events:
            os.write(fd, (event.to_json() + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


class EventReader:
    """Reads an events file from where it stopped; only whole lines, each event id once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.seen: set[str] = set()

    def read_new(self) -> list[Event]:
        """The events appended since the last call (a line still being written waits)."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        end = chunk.rfind(b"\n") + 1
        self.offset += end
        return [event for line in chunk[:end].splitlines() if (event := self._parse(line))]

    def _parse(self, line: bytes) -> Event | None:
        try:
            data = json.loads(line)
        except ValueError:
            return None  # a torn or foreign line is skipped, never fatal
        event = Event.from_json(data) if isinstance(data, dict) else None
        if event is None or event.id in self.seen:
            return None
        self.seen.add(event.id)
        return event


def load(path: Path) -> list[Event]:
    """Every event in the file, in order, each id once."""
    return EventReader(path).read_new()


def record_account(data_dir: Path, kind: str, user: str) -> None:
    """Note that an account was made or removed (the board lists it from then on)."""
    append(events_path(data_dir), [Event(new_id(), kind, now_iso(), user=user)])
