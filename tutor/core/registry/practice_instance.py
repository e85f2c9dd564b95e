"""Which practice registry runs on this machine, whatever data dir started it.

`practice start --data DIR` writes a small record into the user's state dir (platformdirs
user_state_dir('registry-tutor')/practice-running.json): the data dir, port, pid or container,
and the addresses. Every later action without --data (status, users, add-user, board, stop, the
TUI, `check`) reads it, so they all act on the registry that really runs; after a stop it still
names the data dir, so a plain `practice start` brings the same class back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import platformdirs

from tutor.core.files import write_atomically
from tutor.core.records import asdict, record

RUNNING_FILE = "practice-running.json"


@record
class RunningInstance:
    """The practice registry started last on this machine, as its start recorded it."""

    data_dir: str
    port: int
    address: str
    pid: int | None = None
    container: str | None = None
    web_url: str | None = None


def running_file() -> Path:
    """Where the record lives (the user's state dir, not any data dir)."""
    return Path(platformdirs.user_state_dir("registry-tutor")) / RUNNING_FILE


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to path at once (mode 0600), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(data, indent=2))


def remember(instance: RunningInstance) -> None:
    """Remember the registry that was just started."""
    write_json_atomically(running_file(), {"version": 1, **asdict(instance)})


def recorded() -> RunningInstance | None:
    """The recorded instance, or None when none is recorded or the record is unreadable."""
    try:
        data = json.loads(running_file().read_text(encoding="utf-8"))
        return RunningInstance(str(data["data_dir"]), int(data["port"]), str(data["address"]),
                               data.get("pid"), data.get("container"), data.get("web_url"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def mark_stopped(data_dir: Path) -> None:
    """Note that the recorded registry of data_dir stopped; its data dir stays the one to start next."""
    found = recorded()
    if found is not None and Path(found.data_dir) == data_dir:
        remember(RunningInstance(found.data_dir, found.port, found.address, web_url=found.web_url))
