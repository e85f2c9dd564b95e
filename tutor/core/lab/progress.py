"""The learner's progress: small versioned JSON in the platformdirs data dir, written atomically.

One entry per (registry, user, lesson). Each entry keeps the step states, when each step was
done, facts worth keeping (pushed digest, push time, local image ID) and what the lab created
(tags, logins, pushed repositories) so that a reset can undo exactly those and nothing else.
A damaged or unknown-version file is kept as a backup and the learner starts fresh; it never
crashes the tutor. Progress only moves forward; `ProgressStore.forget` is the only way back.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, cast, get_args

import platformdirs

from tutor.core.files import write_atomically
from tutor.core.lab.locking import file_lock

SCHEMA_VERSION = 1
APP_NAME = "registry-tutor"
FILE_NAME = "progress.json"

RecordedState = Literal["done", "skipped"]
CreatedKind = Literal["tag", "login", "repository"]
Fact = str | int | float | bool
CREATED_KINDS: tuple[str, ...] = get_args(CreatedKind)


class ProgressError(Exception):
    """The progress file could not be read or written; the message says where and what to do."""


def default_path() -> Path:
    """Where the progress file lives (respects XDG_DATA_HOME on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / FILE_NAME


def _now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class ProgressKey:
    """Which progress entry: one per registry, account and lesson."""

    registry: str
    user: str
    lesson: str

    @property
    def text(self) -> str:
        """The entry's name inside the JSON file."""
        return f"{self.registry}|{self.user}|{self.lesson}"

    def __str__(self) -> str:
        return f"lesson '{self.lesson}' for {self.user} at {self.registry}"


@dataclass(frozen=True)
class StepRecord:
    """A finished step: done or skipped, and when (UTC, ISO 8601)."""

    state: RecordedState
    at: str


@dataclass
class LessonProgress:
    """One lesson's progress for one account on one registry."""

    key: ProgressKey
    steps: dict[str, StepRecord] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)
    version: int = SCHEMA_VERSION

    def mark_done(self, step: str, facts: Mapping[str, Fact] | None = None) -> None:
        """Mark a step done; a step already done keeps the time it was first done."""
        record = self.steps.get(step)
        if record is None or record.state != "done":
            self.steps[step] = StepRecord("done", _now_text())
        if facts:
            self.facts.update(facts)

    def mark_skipped(self, step: str) -> None:
        """Mark a step skipped; a step already done stays done."""
        if step not in self.steps:
            self.steps[step] = StepRecord("skipped", _now_text())

    def state(self, step: str) -> RecordedState | None:
        """'done', 'skipped' or None when the step is not finished."""
        record = self.steps.get(step)
        return record.state if record else None

    def done_at(self, step: str) -> str | None:
        """When the step was first finished, or None."""
        record = self.steps.get(step)
        return record.at if record else None

    def first_unfinished(self, step_ids: Iterable[str]) -> str | None:
        """The step to resume at: the first neither done nor skipped, or None when all are."""
        return next((step for step in step_ids if step not in self.steps), None)

    def record_created(self, kind: CreatedKind, value: str) -> None:
        """Remember something the lab made (a tag, a login's registry key, a pushed reference)."""
        if kind not in CREATED_KINDS:
            raise ValueError(f"unknown kind of created thing: {kind!r}")
        values = self.created.setdefault(kind, [])
        if value not in values:
            values.append(value)

    def created_of(self, kind: CreatedKind) -> list[str]:
        """What the lab made of one kind, oldest first."""
        return list(self.created.get(kind, []))

    def forget_created(self, kind: CreatedKind, value: str) -> None:
        """Drop one record of something the lab made (after a reset has undone it)."""
        values = self.created.get(kind, [])
        if value in values:
            values.remove(value)
        if not values:
            self.created.pop(kind, None)

    @property
    def is_empty(self) -> bool:
        """True when nothing was finished and nothing created."""
        return not self.steps and not self.created and not self.facts

    def to_json(self) -> dict[str, Any]:
        """The entry as stored in the file."""
        return {
            "version": self.version,
            "registry": self.key.registry,
            "user": self.key.user,
            "lesson": self.key.lesson,
            "steps": {step: {"state": r.state, "at": r.at} for step, r in self.steps.items()},
            "facts": dict(self.facts),
            "created": {kind: list(values) for kind, values in self.created.items()},
        }

    @classmethod
    def from_json(cls, key: ProgressKey, data: Any) -> LessonProgress:
        """Read an entry; raise ValueError when it is not one this version understands."""
        if not isinstance(data, dict) or data.get("version") != SCHEMA_VERSION:
            raise ValueError("unknown progress entry version")
        steps = {str(step): _step_record(raw) for step, raw in _mapping(data, "steps").items()}
        facts = {str(name): _fact(value) for name, value in _mapping(data, "facts").items()}
        created: dict[str, list[str]] = {}
        for kind, values in _mapping(data, "created").items():
            if kind not in CREATED_KINDS or not isinstance(values, list):
                raise ValueError(f"bad created record {kind!r}")
            created[kind] = [str(value) for value in values]
        return cls(key, steps, facts, created)


def _mapping(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ValueError(f"'{name}' is not an object")
    return value


def _step_record(raw: Any) -> StepRecord:
    if not isinstance(raw, dict) or raw.get("state") not in ("done", "skipped"):
        raise ValueError("bad step record")
    return StepRecord(cast(RecordedState, raw["state"]), str(raw.get("at", "")))


def _fact(value: Any) -> Fact:
    if isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError("a fact must be a string, number or boolean")


class ProgressStore:
    """Reads and writes the progress file; keeps going in memory when the file cannot be written."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_path()
        self.notices: list[str] = []
        self._unsaved: dict[str, dict[str, Any]] = {}

    # -- public API ------------------------------------------------------------------------
    def load(self, key: ProgressKey) -> LessonProgress:
        """The saved progress for a key, or a fresh one; never raises for a damaged file."""
        entries = self._unsaved if key.text in self._unsaved else self._read_entries()
        raw = entries.get(key.text)
        if raw is None:
            return LessonProgress(key)
        try:
            return LessonProgress.from_json(key, copy.deepcopy(raw))
        except (ValueError, TypeError, KeyError):
            self._set_aside(f"its entry for {key} could not be read", keep_original=True)
            return LessonProgress(key)

    def save(self, progress: LessonProgress) -> None:
        """Write one entry atomically; raise ProgressError (keeping it in memory) on failure."""
        self._unsaved[progress.key.text] = progress.to_json()
        with self._locked():
            entries = self._read_entries()
            entries[progress.key.text] = progress.to_json()
            self._write(entries)
        self._unsaved.pop(progress.key.text, None)

    def forget(self, key: ProgressKey) -> None:
        """Remove one entry: the only way progress goes back (used by reset)."""
        self._unsaved.pop(key.text, None)
        with self._locked():
            entries = self._read_entries()
            if entries.pop(key.text, None) is not None:
                self._write(entries)

    def saved_keys(self) -> list[ProgressKey]:
        """Every entry's key in the file."""
        keys = []
        for raw in self._read_entries().values():
            if isinstance(raw, dict):
                with contextlib.suppress(KeyError, TypeError):
                    keys.append(ProgressKey(str(raw["registry"]), str(raw["user"]), str(raw["lesson"])))
        return keys

    # -- reading ---------------------------------------------------------------------------
    def _read_entries(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as error:
            if isinstance(error, UnicodeDecodeError):
                self._set_aside("it is not text")
            else:
                self._note(f"Your progress file {self.path} cannot be read ({error.strerror}); "
                           "this session starts fresh and keeps progress in memory.")
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            self._set_aside("it is not valid JSON")
            return {}
        if not isinstance(data, dict) or data.get("version") != SCHEMA_VERSION \
                or not isinstance(data.get("lessons"), dict):
            self._set_aside("it was written by another version of registry-tutor or is damaged")
            return {}
        return cast(dict[str, Any], data["lessons"])

    def _set_aside(self, why: str, keep_original: bool = False) -> None:
        """Keep the damaged file as progress.json.corrupt-<time> so a fresh start loses nothing."""
        backup = self._backup_path()
        try:
            if keep_original:
                shutil.copy2(self.path, backup)
            else:
                os.replace(self.path, backup)
        except OSError as error:
            self._note(f"Your progress file {self.path} could not be used ({why}) nor set aside "
                       f"({error.strerror}); this session starts fresh in memory.")
            return
        self._note(f"Your progress file could not be used ({why}). It was kept as {backup} "
                   "and the lab starts fresh.")

    def _backup_path(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
            counter += 1
        return backup

    def _note(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)

    # -- writing ---------------------------------------------------------------------------
    def _write(self, entries: dict[str, Any]) -> None:
        text = json.dumps({"version": SCHEMA_VERSION, "lessons": entries}, indent=2, sort_keys=True)
        try:
            write_atomically(self.path, text + "\n")
        except OSError as error:
            raise self._error(error) from error

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an advisory lock so the tutor and `registry-tutor reset` never interleave writes."""
        with contextlib.ExitStack() as held:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                held.enter_context(file_lock(self.path.with_name(f".{self.path.name}.lock")))
            except OSError as error:
                raise self._error(error) from error
            yield

    def _error(self, error: OSError) -> ProgressError:
        reason = error.strerror or str(error)
        return ProgressError(
            f"Your progress cannot be saved in {self.path.parent} ({reason}). The tutor keeps it in "
            "memory for this session; make that folder writable (or set XDG_DATA_HOME to one "
            "that is) to keep it next time."
        )

