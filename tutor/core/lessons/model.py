"""Lessons as data: lessons/ID/lesson.toml for the steps, lessons/ID/LANG.md for the prose.

As rustlings keeps every exercise's metadata once in info.toml, a lesson's steps, checks, offers,
reference solutions and known mistakes are written once, in lesson.toml; each language's Markdown
(see tutor.core.lessons.prose) holds only what the learner reads. lessons/README.md is the
author's guide.

Longer than 400 lines on purpose: the metadata's dataclasses (every field documented, as the
author's reference) and the one reader that validates them, with its file:line messages, are
one concept; split apart, a field's meaning and its check would live in two files.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.core.lessons.shared import ENGINES, LessonError
from tutor.core.records import field, record
from tutor.core.resources import data_dir
from tutor.core.target import Target, learner_names

if TYPE_CHECKING:  # the prose parser loads with the first whole lesson: `check` reads lesson.toml alone
    from tutor.core.lessons.prose import LessonProse, StepProse

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
    import tomli as tomllib

__all__ = ["DEFAULT_LESSON", "ENGINES", "LANGUAGES", "PLACEHOLDERS", "Created", "Lesson", "LessonError",
           "Step", "WrongAttempt", "fill", "lesson_values", "list_lessons", "load_lesson", "placeholders_in"]

DEFAULT_LESSON = "push-to-registry"
LANGUAGES = ("en", "de")
METADATA = "lesson.toml"
# Facts an earlier step's check found (progress keeps them): known once that step is done.
FACT_PLACEHOLDERS = ("v1_digest", "v2_digest")
PLACEHOLDERS = ("user", "registry", "image", "image_name", "tag", "repository", "remote_ref", "engine",
                "login_registry", "build_dir", *FACT_PLACEHOLDERS)
REGISTRY_KINDS = ("practice", "docker-hub", "quay", "other")
CREATED_KINDS = ("tag", "login", "repository")
OFFERS = ("build-app", "pick-image", "create-account", "sign-up", "registry-view", "run-pull")

_PLACEHOLDER = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}|\{([a-z][a-z0-9_]*)\}")
_LESSON_KEYS = {"id", "order", "registries", "files", "prepare", "steps"}
_STEP_KEYS = {"id", "short", "check", "check_after", "creates", "offers", "solution", "mistakes",
              "registry_view", "opens_registry_view", "confirmed_later", "exports_user"}


@record
class WrongAttempt:
    """A typical mistake at a step, and the explainer entry the tutor must answer it with."""

    commands: tuple[str, ...]
    """What the learner types, in order; all start with the same engine's name."""
    expect: str
    """The explainer key (tutor/core/explainer.py) of the failed command, or of the step's check after."""
    line: int = 0
    """Where in lesson.toml the mistake is written (1-based)."""

    @property
    def engine(self) -> str:
        """The engine the mistake is tried on: the first word of its first command."""
        return self.commands[0].split(" ", 1)[0] if self.commands else ""

    @property
    def command(self) -> str:
        """The commands as one text, for messages."""
        return " ; ".join(self.commands)


@record
class Created:
    """Something a step leaves behind that reset may undo."""

    kind: str
    """`tag` (a local name), `repository` (a tag in the registry) or `login` (a stored login)."""
    name: str = ""
    """Its name with placeholders, e.g. `{repository}:v1`; empty for a login (the lab's registry)."""


@record
class Step:
    """One step of a lesson in one language: lesson.toml's metadata joined with the language's prose."""

    id: str
    """Unique within the lesson; the same in lesson.toml and every language's Markdown."""
    title: str
    """The step's title in this language (from its `## Step:` heading)."""
    body: str
    """The step's Markdown text with both engines' command blocks."""
    check: str
    """The id of the check (tutor/core/lab) that decides from the real state whether it is done."""
    short_title: str = ""
    """A word or two for the compact step list, in this language."""
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The body's commands per engine (what the command box offers to run)."""
    hints: tuple[str, ...] = ()
    """Hints in this language, shown one at a time."""
    solution: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The reference solution per engine; `lessons test` runs it and then expects the check to pass."""
    wrong_attempts: tuple[WrongAttempt, ...] = ()
    """Known mistakes with the explainer entries they must produce."""
    terminal_only: frozenset[str] = frozenset()
    """Commands for the learner's own terminal: the command box does not run them."""
    check_after: str | None = None
    """An earlier step whose solution already makes this check pass (verify after push)."""
    creates: tuple[Created, ...] = ()
    """What the step leaves behind, recorded when its check passes, for reset."""
    offers: tuple[str, ...] = ()
    """Buttons the step offers beside the command box (ids from OFFERS)."""
    registry_view: bool = False
    """From this step on the registry view (F5) has something to show."""
    opens_registry_view: bool = False
    """Open the registry view the first time this step's check passes."""
    confirmed_later: bool = False
    """A check that cannot tell yet (UNKNOWN) is confirmed by a later step: the learner may go on."""
    exports_user: bool = False
    """Once done or skipped, the tutor sets the lesson's user variable for the next steps."""
    line: int = 0
    """The 1-based line of the step's heading in the Markdown."""
    lines: dict[str, int] = field(default_factory=dict)
    """Where things are in the Markdown, for lint messages (`docker#0`, `hints`...)."""

    def body_for(self, engine: str) -> str:
        """The body as Markdown for ENGINE: the other engine's command blocks left out."""
        from tutor.core.lessons.prose import keep_engine

        return keep_engine(self.body, engine)


@record
class Lesson:
    """A whole lesson in one language."""

    id: str
    """The lesson's folder name under lessons/."""
    title: str
    """The lesson's title in this language (the Markdown's `# heading`)."""
    lang: str
    """The language of the prose."""
    intro: str
    """Everything before the first step, shown on the first screen."""
    steps: tuple[Step, ...]
    """The steps in order."""
    registries: tuple[str, ...] = REGISTRY_KINDS
    """The registry kinds the lesson suits."""
    order: int = 100
    """Where the lesson comes in lists and the welcome form (smaller first)."""
    files: str = ""
    """A folder under assets/ copied where the learner can edit it ({build_dir}); empty for none."""
    prepare: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """What earlier labs leave behind, per engine: `lessons test` runs it before the first step."""
    terminal_prepare: frozenset[str] = frozenset()
    """The prepare commands meant for the learner's own terminal (the test carries them out itself)."""
    path: Path = Path()
    """The Markdown file the prose came from."""
    metadata_path: Path = Path()
    """The lesson.toml the steps came from."""

    def step(self, step_id: str) -> Step:
        """The step called STEP_ID; KeyError if the lesson has none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"lesson '{self.id}' has no step '{step_id}'")


@record
class StepMeta:
    """One step as lesson.toml gives it, before it meets a language's prose."""

    id: str
    """The step's id."""
    check: str
    """The check's id ('' when lesson.toml names none: lint reports it)."""
    short: Mapping[str, str]
    """Short titles per language."""
    solution: dict[str, tuple[str, ...]]
    """Reference solution per engine."""
    terminal: frozenset[str]
    """Solution commands for the learner's own terminal."""
    mistakes: tuple[WrongAttempt, ...]
    """Known wrong attempts."""
    check_after: str | None
    """An earlier step whose solution already makes the check pass."""
    creates: tuple[Created, ...]
    """What the step leaves behind, for reset."""
    offers: tuple[str, ...]
    """The offers' ids."""
    flags: Mapping[str, bool]
    """registry_view, opens_registry_view, confirmed_later, exports_user."""
    line: int
    """The line of its [[steps]] in lesson.toml."""


@record
class LessonMeta:
    """A lesson.toml, read and validated."""

    id: str
    """The lesson's id (its folder's name)."""
    order: int
    """Its place among the lessons."""
    registries: tuple[str, ...]
    """The registry kinds it suits."""
    files: str
    """The asset folder copied for the learner, or ''."""
    prepare: dict[str, tuple[str, ...]]
    """What `lessons test` runs first, per engine."""
    prepare_terminal: frozenset[str]
    """The prepare commands for the learner's own terminal."""
    steps: tuple[StepMeta, ...]
    """The steps in order."""
    path: Path
    """The lesson.toml itself."""


def lessons_root() -> Path:
    """The folder holding lessons/ID/, installed or in a checkout."""
    return data_dir("lessons")


def lesson_folder(lesson_id: str = DEFAULT_LESSON, root: Path | None = None) -> Path:
    """Where LESSON_ID's files live (the folder may not exist)."""
    return (root or lessons_root()) / lesson_id


def lesson_path(lesson_id: str = DEFAULT_LESSON, lang: str = "en", root: Path | None = None) -> Path:
    """The Markdown of LESSON_ID in LANG (the file may not exist)."""
    return lesson_folder(lesson_id, root) / f"{lang}.md"


def lesson_ids(root: Path | None = None) -> list[str]:
    """Every lesson's id (a folder with a lesson.toml), in the lessons' order."""
    folder = root or lessons_root()
    ids = [path.parent.name for path in folder.glob(f"*/{METADATA}")]
    return sorted(ids, key=lambda lesson_id: (_order_of(folder / lesson_id / METADATA), lesson_id))


def _order_of(path: Path) -> int:
    try:
        return read_metadata(path).order
    except (LessonError, OSError):
        return 1000


def load_metadata(lesson_id: str = DEFAULT_LESSON, root: Path | None = None) -> LessonMeta:
    """LESSON_ID's lesson.toml alone (its steps and checks, no prose: what `check` needs)."""
    folder = lesson_folder(lesson_id, root)
    if not (folder / METADATA).exists():
        known = ", ".join(lesson_ids(root)) or "none"
        raise FileNotFoundError(f"no lesson '{lesson_id}' (no {folder / METADATA}); the lessons are: {known}")
    return read_metadata(folder / METADATA)


def load_lesson(lesson_id: str = DEFAULT_LESSON, lang: str = "en", root: Path | None = None) -> Lesson:
    """Load LESSON_ID in LANG, falling back to English when it is not translated."""
    from tutor.core.lessons.prose import parse_prose_file

    meta = load_metadata(lesson_id, root)
    path = lesson_path(lesson_id, lang, root)
    if not path.exists():
        path = lesson_path(lesson_id, "en", root)
    return join(meta, parse_prose_file(path), path.stem)


def list_lessons(lang: str = "en", root: Path | None = None) -> list[Lesson]:
    """Every lesson in LANG (English where untranslated), in the lessons' order."""
    return [load_lesson(lesson_id, lang, root) for lesson_id in lesson_ids(root)]


def join(meta: LessonMeta, prose: LessonProse, lang: str) -> Lesson:
    """One language's lesson: metadata and prose must name the same steps in the same order."""
    have, wanted = [s.id for s in prose.steps], [s.id for s in meta.steps]
    if have != wanted:
        raise LessonError(prose.path, 1, f"the steps are {', '.join(have)} but {meta.path.name} has "
                          f"{', '.join(wanted)}; both must name the same steps in the same order")
    steps = tuple(_step(step_meta, step_prose, lang) for step_meta, step_prose in zip(
        meta.steps, prose.steps, strict=True))
    return Lesson(meta.id, prose.title, lang, prose.intro, steps, meta.registries, meta.order, meta.files,
                  meta.prepare, meta.prepare_terminal, prose.path, meta.path)


def _step(meta: StepMeta, prose: StepProse, lang: str) -> Step:
    short = meta.short.get(lang) or meta.short.get("en") or prose.title
    return Step(meta.id, prose.title, prose.body, meta.check, short, prose.commands, prose.hints,
                meta.solution, meta.mistakes, prose.terminal_only | meta.terminal, meta.check_after,
                meta.creates, meta.offers, line=prose.line, lines=prose.lines, **meta.flags)


# -- lesson.toml ------------------------------------------------------------------------------
def read_metadata(path: Path) -> LessonMeta:
    """Read and validate a lesson.toml; LessonError (file:line: message) for a wrong shape."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _decode_line(str(error))
        raise LessonError(path, line, f"not valid TOML: {error}") from None
    reader = _Reader(path, text)
    reader.keys(data, _LESSON_KEYS, "the lesson", 1)
    lesson_id = reader.text(data, "id", 1, path.parent.name)
    if lesson_id != path.parent.name:
        raise LessonError(path, reader.line_of("id ="), f"id '{lesson_id}' differs from the folder name "
                          f"'{path.parent.name}'; they must be the same")
    prepare_line = reader.line_of("[prepare]")
    prepare, prepare_terminal = reader.commands(data.get("prepare", {}), "prepare", prepare_line)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError(path, 1, "a lesson needs [[steps]]")
    return LessonMeta(lesson_id, reader.integer(data, "order", 100), reader.strings(data, "registries", 1)
                      or REGISTRY_KINDS, reader.text(data, "files", 1, ""), prepare, prepare_terminal,
                      tuple(reader.step(raw, index) for index, raw in enumerate(steps)), path)


def _decode_line(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1


class _Reader:
    """Typed access to lesson.toml's values; each wrong value is a LessonError with its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()
        self.step_lines = [n for n, line in enumerate(self.lines, 1) if line.strip() == "[[steps]]"]
        self.mistake_lines = [n for n, line in enumerate(self.lines, 1)
                              if line.strip() == "[[steps.mistakes]]"]

    def line_of(self, start: str, after: int = 0) -> int:
        """The first line from AFTER on that starts with START (1 when there is none)."""
        for number, line in enumerate(self.lines[after:], after + 1):
            if line.strip().startswith(start):
                return number
        return after or 1

    def fail(self, line: int, message: str) -> LessonError:
        return LessonError(self.path, line, message)

    def keys(self, table: Mapping[str, Any], allowed: set[str], where: str, line: int) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(self.line_of(f"{key} ", line - 1) if line else 1,
                                f"unknown key '{key}' in {where} (known: {', '.join(sorted(allowed))})")

    def text(self, table: Mapping[str, Any], key: str, line: int, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or (default is None and not value):
            raise self.fail(line, f"'{key}' must be a text" + ("" if default is not None else " (required)"))
        return value

    def integer(self, table: Mapping[str, Any], key: str, default: int) -> int:
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(self.line_of(f"{key} "), f"'{key}' must be a whole number")
        return value

    def flag(self, table: Mapping[str, Any], key: str, line: int) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(line, f"'{key}' must be true or false")
        return value

    def strings(self, table: Mapping[str, Any], key: str, line: int) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(line, f"'{key}' must be a list of texts")
        return tuple(value)

    def commands(self, table: Any, where: str,
                 line: int) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
        if not isinstance(table, dict):
            raise self.fail(line, f"[{where}] must be a table of docker = [...], podman = [...]")
        self.keys(table, {*ENGINES, "terminal"}, f"[{where}]", line)
        found = {engine: self.strings(table, engine, line) for engine in ENGINES if engine in table}
        return found, frozenset(self.strings(table, "terminal", line))

    def step(self, raw: Any, index: int) -> StepMeta:
        line = self.step_lines[index] if index < len(self.step_lines) else 1
        if not isinstance(raw, dict):
            raise self.fail(line, "each [[steps]] is a table")
        self.keys(raw, _STEP_KEYS, "a step", line)
        step_id = self.text(raw, "id", line)
        short = raw.get("short", {})
        if not isinstance(short, dict) or not all(isinstance(v, str) for v in short.values()):
            raise self.fail(line, f"step '{step_id}': 'short' is a table of language = \"text\"")
        solution, terminal = self.commands(raw.get("solution", {}), f"steps.solution of '{step_id}'", line)
        after = raw.get("check_after")
        if after is not None and not isinstance(after, str):
            raise self.fail(line, f"step '{step_id}': 'check_after' names a step")
        flags = {name: self.flag(raw, name, line) for name in
                 ("registry_view", "opens_registry_view", "confirmed_later", "exports_user")}
        return StepMeta(step_id, self.text(raw, "check", line, ""), dict(short), solution, terminal,
                        self.mistakes(raw.get("mistakes", []), step_id, line), after,
                        self.created(raw.get("creates", []), step_id, line),
                        self.strings(raw, "offers", line), flags, line)

    def mistakes(self, raw: Any, step_id: str, line: int) -> tuple[WrongAttempt, ...]:
        if not isinstance(raw, list):
            raise self.fail(line, f"step '{step_id}': mistakes are [[steps.mistakes]] tables")
        later = [n for n in self.mistake_lines if n > line]
        found = []
        for number, item in enumerate(raw):
            where = later[number] if number < len(later) else line
            if not isinstance(item, dict):
                raise self.fail(where, "a mistake is a table with commands = [...] and expect = \"key\"")
            self.keys(item, {"commands", "expect"}, "a mistake", where)
            commands = self.strings(item, "commands", where)
            if not commands:
                raise self.fail(where, f"a mistake of step '{step_id}' needs its commands")
            found.append(WrongAttempt(commands, self.text(item, "expect", where), where))
        return tuple(found)

    def created(self, raw: Any, step_id: str, line: int) -> tuple[Created, ...]:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise self.fail(line, f"step '{step_id}': creates = [{{ kind = \"tag\", name = \"...\" }}, ...]")
        found = []
        for item in raw:
            self.keys(item, {"kind", "name"}, "creates", line)
            found.append(Created(self.text(item, "kind", line), self.text(item, "name", line, "")))
        return tuple(found)


# -- placeholders -------------------------------------------------------------------------------
def placeholders_in(text: str) -> list[str]:
    """The placeholder names used in TEXT, in order ({{name}} is a literal, not a placeholder)."""
    return [match.group(2) for match in _PLACEHOLDER.finditer(text) if match.group(2)]


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace {name} placeholders from VALUES; unknown ones stay visible; {{name}} shows {name}."""

    def replace(match: re.Match[str]) -> str:
        literal, name = match.group(1), match.group(2)
        if literal is not None:
            return "{" + literal + "}"
        return values.get(name, match.group(0))

    return _PLACEHOLDER.sub(replace, text)


def lesson_values(target: Target, engine_kind: str, build_dir: Path | str = "",
                  facts: Mapping[str, object] | None = None) -> dict[str, str]:
    """The placeholder values for TARGET and ENGINE_KIND ('docker' or 'podman'), and FACTS found so far."""
    found = {name: str(value) for name, value in (facts or {}).items() if name in FACT_PLACEHOLDERS and value}
    names = learner_names(target, engine_kind) | found
    names |= {"image_name": target.image_name, "build_dir": str(build_dir)}
    return {name: names[name] for name in PLACEHOLDERS if name in names}
