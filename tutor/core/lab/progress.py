"""The learner's progress: small versioned JSON in the platformdirs data dir, written atomically.

One entry per (registry, user, lesson). Each entry keeps when the lab began, the step states,
when each step was done and, for a step only history can prove (the pull), the evidence seen
then; facts worth keeping (pushed digest, push time, local image ID); what the lab created (tags,
logins, pushed repositories) so that a reset can undo exactly those and nothing else; and how the
learner chose the lab (registry as named, image, engine, language) and when it was last used, so
the welcome form can offer it again. Version 1 files are read and rewritten as version 2.
A damaged or unknown-version file is kept as a backup and the learner starts fresh; it never
crashes the tutor. A step goes back only when its check contradicts it (`revoke`, decided in
verdicts.py) or on `ProgressStore.forget` (reset).

Longer than 400 lines on purpose: the file format, its v1 migration and the store that reads,
locks and writes it are one concept; split, the format would be spread over several files.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, cast, get_args

import platformdirs

from tutor.core.files import write_atomically
from tutor.core.locking import file_lock
from tutor.core.records import field, record

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
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


_EPOCH = datetime.fromtimestamp(0, timezone.utc)


def _now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@record
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


def parse_time(text: str) -> datetime | None:
    """A stored ISO 8601 time, or None when it is missing or damaged."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@record
class StepRecord:
    """A finished step: done or skipped, when (UTC, ISO 8601), and the evidence that proved it."""

    state: RecordedState
    at: str
    proof: dict[str, str] = field(default_factory=dict)


@record(frozen=False)
class LessonProgress:
    """One lesson's progress for one account on one registry."""

    key: ProgressKey
    steps: dict[str, StepRecord] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)
    started: str = ""
    choice: dict[str, str] = field(default_factory=dict)
    used: str = ""
    version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not self.started:
            self.started = _now_text()
        if not self.used:
            self.used = self.started

    @property
    def started_nano(self) -> int:
        """When the lab began, in nanoseconds since the epoch (for the engine's event log)."""
        moment = parse_time(self.started) or datetime.now(timezone.utc)
        return int(moment.timestamp() * 1_000_000_000)

    def begin_at(self, nano: int) -> None:
        """Move the lab's start back to NANO (work seen before the tutor first met the lab)."""
        if nano < self.started_nano:
            moment = datetime.fromtimestamp(nano / 1_000_000_000, timezone.utc)
            self.started = moment.isoformat(timespec="milliseconds")

    def mark_done(self, step: str, facts: Mapping[str, Fact] | None = None,
                  proof: Mapping[str, str] | None = None) -> None:
        """Mark a step done; a step already done keeps the time it was first done (a newer proof wins)."""
        record = self.steps.get(step)
        if record is None or record.state != "done":
            self.steps[step] = StepRecord("done", _now_text(), dict(proof or {}))
        elif proof:
            self.steps[step] = StepRecord("done", record.at, dict(proof))
        if facts:
            self.facts.update(facts)

    def revoke(self, step: str) -> None:
        """Take a done step back (its check now contradicts it), dropping its proof."""
        record = self.steps.get(step)
        if record is not None and record.state == "done":
            del self.steps[step]

    def proof(self, step: str) -> dict[str, str]:
        """The evidence recorded when a done step was proven (empty when none was needed)."""
        record = self.steps.get(step)
        return dict(record.proof) if record is not None and record.state == "done" else {}

    def count(self, state: RecordedState) -> int:
        """How many steps are done (or skipped)."""
        return sum(1 for record in self.steps.values() if record.state == state)

    def remember_choice(self, choice: Mapping[str, str]) -> None:
        """Keep how the learner chose this lab (what was said; the rest stays), and that it was used now."""
        self.choice.update({name: str(value) for name, value in choice.items() if value})
        self.used = _now_text()

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
            "started": self.started,
            "used": self.used,
            "choice": dict(self.choice),
            "steps": {step: _record_json(r) for step, r in self.steps.items()},
            "facts": dict(self.facts),
            "created": {kind: list(values) for kind, values in self.created.items()},
        }

    @classmethod
    def from_json(cls, key: ProgressKey, data: Any) -> LessonProgress:
        """Read an entry (version 1 or 2); raise ValueError when it is not one this version understands."""
        if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS:
            raise ValueError("unknown progress entry version")
        steps = {str(step): _step_record(raw) for step, raw in _mapping(data, "steps").items()}
        facts = {str(name): _fact(value) for name, value in _mapping(data, "facts").items()}
        created: dict[str, list[str]] = {}
        for kind, values in _mapping(data, "created").items():
            if kind not in CREATED_KINDS or not isinstance(values, list):
                raise ValueError(f"bad created record {kind!r}")
            created[kind] = [str(value) for value in values]
        # Version 1 kept no start: the lab began no later than its first finished step.
        started = str(data.get("started") or min((r.at for r in steps.values() if parse_time(r.at)),
                                                 default=""))
        choice = {str(name): str(value) for name, value in _mapping(data, "choice").items()}
        used = str(data.get("used") or max((r.at for r in steps.values()), default=""))
        return cls(key, steps, facts, created, started, choice, used)


def _record_json(record: StepRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"state": record.state, "at": record.at}
    if record.proof:
        data["proof"] = dict(record.proof)
    return data


def _mapping(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ValueError(f"'{name}' is not an object")
    return value


def _step_record(raw: Any) -> StepRecord:
    if not isinstance(raw, dict) or raw.get("state") not in ("done", "skipped"):
        raise ValueError("bad step record")
    proof = raw.get("proof", {})
    if not isinstance(proof, dict):
        raise ValueError("bad proof record")
    return StepRecord(cast(RecordedState, raw["state"]), str(raw.get("at", "")),
                      {str(name): str(value) for name, value in proof.items()})


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
            entries = _migrated(self._read_entries())
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

    def recent(self) -> list[LessonProgress]:
        """Every readable entry, the most recently used first (for the welcome form)."""
        raw_entries = {**self._read_entries(), **self._unsaved}
        entries = []
        for raw in raw_entries.values():
            with contextlib.suppress(ValueError, TypeError, KeyError):
                key = ProgressKey(str(raw["registry"]), str(raw["user"]), str(raw["lesson"]))
                entries.append(LessonProgress.from_json(key, copy.deepcopy(raw)))
        return sorted(entries, key=lambda entry: parse_time(entry.used) or _EPOCH, reverse=True)

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
        if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS \
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


def _migrated(entries: dict[str, Any]) -> dict[str, Any]:
    """Every entry rewritten in this version's form (a version 1 file becomes version 2 on save)."""
    result = {}
    for name, raw in entries.items():
        try:
            key = ProgressKey(str(raw["registry"]), str(raw["user"]), str(raw["lesson"]))
            result[name] = LessonProgress.from_json(key, copy.deepcopy(raw)).to_json()
        except (ValueError, TypeError, KeyError):
            result[name] = raw  # kept as it was: its own load sets it aside with a backup
    return result
