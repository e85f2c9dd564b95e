"""Watch mode's core: notice what the learner does in their own terminal, without a busy loop.

Two sources feed one stream of Change values: the engine's image events (tag, push, pull,
delete), read in a background thread from `Engine.watch`, and the credential files that
`docker login` / `podman login` write, compared by a cheap stat (mtime, size, inode) a few
times a second. The first event of a burst is reported at once; the rest of the burst (a push
sends several events, a login rewrites a file) follows as one more Change per source.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, Protocol

from tutor.core.engine.gateway import EngineEvent
from tutor.core.records import record

POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.1
RETRY_SECONDS = 2.0

ChangeSource = Literal["engine", "file"]
FileSignature = tuple[int, int, int] | None


class Watchable(Protocol):
    """What the watcher needs of an engine: its image events until told to stop."""

    def watch(self, stop: threading.Event, since_nano: int | None = None) -> Iterator[EngineEvent]: ...


@record
class Change:
    """Something changed outside the tutor: an image event or a credential file."""

    source: ChangeSource
    detail: str
    noticed_ns: int = 0
    events: tuple[str, ...] = ()


def file_signature(path: Path) -> FileSignature:
    """What identifies a file's content cheaply: (mtime ns, size, inode), or None when absent."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def describe_event(event: EngineEvent) -> str:
    """An engine event in words, e.g. 'tag localhost:5000/alice/python-hello-world:latest'."""
    return f"{event.action} {event.name}".strip()


class _FileWatch:
    """The last seen signatures of a few files."""

    def __init__(self, paths: list[Path]) -> None:
        self.signatures = {path: file_signature(path) for path in paths}

    def changed(self) -> list[str]:
        """Describe each file whose signature moved since the last call."""
        details = []
        for path, old in self.signatures.items():
            new = file_signature(path)
            if new != old:
                self.signatures[path] = new
                verb = "removed" if new is None else ("created" if old is None else "changed")
                details.append(f"{path} {verb}")
        return details


def _pump_engine(engine: Watchable, inbox: queue.Queue[str], halt: threading.Event, since_nano: int) -> None:
    """Feed engine events from since_nano on into the inbox; reconnect after a failure until halted.

    Each (re)connection asks for the events since the last one seen, so a tag made while the
    stream was connecting, or while the engine was away, still arrives (and none twice).
    """
    while not halt.is_set():
        try:
            for event in engine.watch(halt, since_nano):
                since_nano = max(since_nano, event.time_nano + 1)
                inbox.put(describe_event(event))
                if halt.is_set():
                    return
        except Exception:
            pass  # an engine that went away is retried after a pause, never fatal
        halt.wait(RETRY_SECONDS)


def _drain(inbox: queue.Queue[str], first: str | None, deadline: float) -> list[str]:
    """Collect engine event details until the burst settles."""
    details = [first] if first is not None else []
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            details.append(inbox.get(timeout=remaining))
        except queue.Empty:
            break
    with contextlib.suppress(queue.Empty):
        while True:
            details.append(inbox.get_nowait())
    return details


def _changes(engine_details: list[str], file_details: list[str]) -> Iterator[Change]:
    """At most one Change per source for what was collected."""
    noticed = time.time_ns()
    if engine_details:
        yield Change("engine", _summary(engine_details), noticed, tuple(engine_details))
    if file_details:
        yield Change("file", _summary(file_details), noticed, tuple(file_details))


def _summary(details: list[str]) -> str:
    unique = list(dict.fromkeys(details))
    if len(unique) <= 3:
        return "; ".join(unique)
    return "; ".join(unique[:3]) + f"; and {len(unique) - 3} more"


def watch_changes(engine: Watchable | None, paths: list[Path], stop: threading.Event,
                  poll_seconds: float = POLL_SECONDS,
                  settle_seconds: float = SETTLE_SECONDS) -> Iterator[Change]:
    """Yield a Change whenever the engine reports an image event or a watched file changes.

    The files are compared with their state at the time of this call, and engine events count
    from it too (also those that happen before the first iteration). Blocks between changes;
    ends within one poll after `stop` is set.
    """
    files = _FileWatch(paths)
    return _watch(engine, files, stop, poll_seconds, settle_seconds, time.time_ns())


def _watch(engine: Watchable | None, files: _FileWatch, stop: threading.Event,
           poll_seconds: float, settle_seconds: float, since_nano: int) -> Iterator[Change]:
    inbox: queue.Queue[str] = queue.Queue()
    halt = threading.Event()
    if engine is not None:
        threading.Thread(target=_pump_engine, args=(engine, inbox, halt, since_nano),
                         name="tutor-engine-watch", daemon=True).start()
    try:
        while not stop.is_set():
            first: str | None = None
            with contextlib.suppress(queue.Empty):
                first = inbox.get(timeout=poll_seconds)
            file_details = files.changed()
            if first is None and not file_details:
                continue
            # The first event of a burst goes out at once (a tag is one event: its step can unlock now);
            # the rest of the burst, if any, follows as one more Change once it has settled.
            started = time.monotonic()
            yield from _changes(_drain(inbox, first, started), file_details)
            yield from _changes(_drain(inbox, None, started + settle_seconds), files.changed())
    finally:
        halt.set()
