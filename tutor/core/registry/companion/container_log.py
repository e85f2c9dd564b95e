"""The log of a registry that runs as a container, copied through the engine into registry.log.

A process of the registry program writes registry.log itself; a container writes to the engine.
The companion copies the container's lines into the same file, where LogFollower reads them as
it reads a process's. Which container runs is read from the data dir's state, which only
`practice start` writes: a companion that outlives a dead registry follows its successor too.

After each line a cursor is saved: the container, the engine's time of the last line copied,
how many copied lines had exactly that time (an engine may stamp in whole seconds) and how long
registry.log was then. A restarted companion asks the engine for the lines from that second on
and skips those it copied already, also a line a companion killed between writing it and saving
the cursor left beyond the saved length, so no line reaches registry.log (and so the events) twice.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
from pathlib import Path

from tutor.core.engine.gateway import EngineError, EngineUnavailable
from tutor.core.files import write_atomically
from tutor.core.records import asdict, record
from tutor.core.registry import container as practice_container
from tutor.core.registry.container import RunningContainer
from tutor.core.registry.practice_runner import recorded_container
from tutor.core.registry.server import ServerConfig

CURSOR_FILE = "container-log-cursor.json"
LOOK_SECONDS = 0.5  # how often the state is read for a (new) registry container
RETRY_SECONDS = 5.0  # the wait before following a running container again after a failure
_STAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


@record(frozen=False)
class Cursor:
    """How far the log of one container has been copied."""

    container: str = ""
    time_ns: int = 0  # the engine's time of the last line copied, in ns since the epoch
    at_time: int = 0  # how many of the copied lines had exactly that time
    log_size: int = 0  # registry.log's length in bytes just after the last line was copied


def stamp_ns(stamp: str) -> int | None:
    """Nanoseconds since the epoch of an engine's RFC 3339 time (Docker's has ns, Podman's may not)."""
    found = _STAMP.match(stamp)
    if found is None:
        return None
    zone = "+00:00" if found.group(3) == "Z" else found.group(3)
    try:
        moment = datetime.datetime.fromisoformat(found.group(1) + zone)
    except ValueError:
        return None
    fraction = (found.group(2) or "").ljust(9, "0")[:9]
    return int(moment.timestamp()) * 1_000_000_000 + int(fraction)


class ContainerLog:
    """Copies the log of the data dir's registry container into its registry.log."""

    def __init__(self, data_dir: Path, cursor_file: Path) -> None:
        self.data_dir = data_dir
        self.log_file = ServerConfig(data_dir).log_file
        self.cursor_file = cursor_file

    def load_cursor(self) -> Cursor:
        """The saved cursor, or a fresh one when there is none (or it is unreadable)."""
        try:
            data = json.loads(self.cursor_file.read_text(encoding="utf-8"))
            return Cursor(str(data["container"]), int(data["time_ns"]), int(data["at_time"]),
                          int(data.get("log_size", 0)))
        except (OSError, ValueError, KeyError, TypeError):
            return Cursor()

    def copy(self, container: RunningContainer, stop: threading.Event) -> None:
        """Append the container's new lines until its log ends (it stopped) or stop is set."""
        cursor = self.load_cursor()
        if cursor.container != container.container_id:
            cursor = Cursor(container.container_id)
        skip = cursor.at_time  # lines of the cursor's time copied before a restart
        unsaved = self._lines_beyond(cursor)  # copied, but killed before the cursor said so
        lines = practice_container.follow_log(container, stop, cursor.time_ns // 1_000_000_000)
        with open(self.log_file, "ab") as log:
            for line in lines:
                stamp, _space, text = line.partition(" ")
                # A line without a readable time counts as one of the cursor's time: same order, same skip.
                time_ns = stamp_ns(stamp) or cursor.time_ns
                if time_ns < cursor.time_ns:
                    continue
                if time_ns == cursor.time_ns and skip > 0:
                    skip -= 1
                    continue
                skip = 0
                if unsaved > 0:
                    unsaved -= 1
                else:
                    log.write((text + "\n").encode("utf-8"))
                    log.flush()
                cursor.at_time = cursor.at_time + 1 if time_ns == cursor.time_ns else 1
                cursor.time_ns = time_ns
                cursor.log_size = os.fstat(log.fileno()).st_size
                write_atomically(self.cursor_file, json.dumps(asdict(cursor)))

    def _lines_beyond(self, cursor: Cursor) -> int:
        """How many whole lines registry.log holds past the cursor's length (0 for a fresh cursor
        or a log that was replaced and is shorter)."""
        if not cursor.container or cursor.log_size <= 0:
            return 0
        try:
            with open(self.log_file, "rb") as log:
                log.seek(cursor.log_size)
                return log.read().count(b"\n")
        except OSError:
            return 0

    def run(self, stop: threading.Event) -> None:
        """Copy the log of whichever container the state names, until stop is set; each container's
        log is followed until that container stops, and again only if the engine broke off."""
        finished: str | None = None
        while not stop.wait(LOOK_SECONDS):
            container = recorded_container(self.data_dir)
            if container is None or container.container_id == finished:
                continue
            problem = None
            try:
                self.copy(container, stop)
            except (EngineError, EngineUnavailable, OSError) as error:
                problem = error
            if stop.is_set():
                return
            if not practice_container.is_running(container):
                finished = container.container_id  # a removed container's log is gone: no message
            elif problem is not None:
                print(f"companion: cannot copy the registry container's log: {problem}", flush=True)
                stop.wait(RETRY_SECONDS)
