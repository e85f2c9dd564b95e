"""Lessons as data: Markdown files under lessons/<lang>/, parsed with markdown-it-py.

The format is described for authors in lessons/README.md. In short: front matter (id, title,
registries), an intro, then one `## Step: <id> — <title>` section per step with a `check: NAME`
line, fenced ```docker / ```podman commands, and `### Hints`, `### Solution`, `### Mistakes`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tutor.core.resources import data_dir
from tutor.core.target import Target, learner_names

DEFAULT_LESSON = "push-to-registry"
ENGINES = ("docker", "podman")
PLACEHOLDERS = ("user", "registry", "image", "tag", "repository", "remote_ref", "engine", "login_registry")
REGISTRY_KINDS = ("practice", "docker-hub", "quay", "other")
SECTIONS = {"hints": "hints", "tipps": "hints", "hinweise": "hints", "solution": "solution",
            "lösung": "solution", "mistakes": "mistakes", "fehler": "mistakes", "typische fehler": "mistakes"}

_PLACEHOLDER = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}|\{([a-z][a-z0-9_]*)\}")
_STEP_HEADING = re.compile(r"^(?:Step|Schritt):\s*([A-Za-z0-9_-]+)\s*(?:[—–-]+\s*(.*))?$")
_CHECK_LINE = re.compile(r"^check:\s*([A-Za-z0-9_-]+)(?:\s+after\s+([A-Za-z0-9_-]+))?\s*$")
_MISTAKE = re.compile(r"^`([^`]+)`\s*(?:->|→)\s*`?([A-Za-z0-9_.-]+)`?\s*$")


class LessonError(ValueError):
    """A lesson file that cannot be read; str() is `file:line: message`."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class WrongAttempt:
    """A typical mistake the lesson lists, and the explainer entry it must produce."""

    command: str
    expect: str
    line: int = 0


@dataclass(frozen=True)
class Step:
    """One step of a lesson: its text, the commands to type, hints, solution and its check."""

    id: str
    title: str
    body: str
    check: str
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hints: tuple[str, ...] = ()
    solution: dict[str, tuple[str, ...]] = field(default_factory=dict)
    wrong_attempts: tuple[WrongAttempt, ...] = ()
    line: int = 0
    lines: dict[str, int] = field(default_factory=dict)
    terminal_only: frozenset[str] = frozenset()
    check_after: str | None = None

    def body_for(self, engine: str) -> str:
        """The body as Markdown for ENGINE: the other engine's command blocks left out."""
        return _keep_engine(self.body, engine)


@dataclass(frozen=True)
class Lesson:
    """A whole lesson in one language."""

    id: str
    title: str
    lang: str
    intro: str
    steps: tuple[Step, ...]
    registries: tuple[str, ...] = REGISTRY_KINDS
    path: Path = Path()

    def step(self, step_id: str) -> Step:
        """The step called STEP_ID; KeyError if the lesson has none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"lesson '{self.id}' has no step '{step_id}'")


def lessons_root() -> Path:
    """The folder holding lessons/<lang>/*.md, installed or in a checkout."""
    return data_dir("lessons")


def lesson_path(lesson_id: str = DEFAULT_LESSON, lang: str = "en", root: Path | None = None) -> Path:
    """Where LESSON_ID in LANG lives (the file may not exist)."""
    return (root or lessons_root()) / lang / f"{lesson_id}.md"


def load_lesson(lesson_id: str = DEFAULT_LESSON, lang: str = "en", root: Path | None = None) -> Lesson:
    """Load LESSON_ID in LANG, falling back to English when it is not translated."""
    path = lesson_path(lesson_id, lang, root)
    if not path.exists() and lang != "en":
        path = lesson_path(lesson_id, "en", root)
    if not path.exists():
        raise FileNotFoundError(f"no lesson '{lesson_id}' in {path.parent}")
    return parse_lesson_file(path)


def list_lessons(lang: str = "en", root: Path | None = None) -> list[Lesson]:
    """Every lesson available in LANG, sorted by id."""
    folder = (root or lessons_root()) / lang
    return [parse_lesson_file(path) for path in sorted(folder.glob("*.md"))]


def parse_lesson_file(path: Path) -> Lesson:
    """Parse one lesson file; raise LessonError (file:line: message) when its shape is wrong."""
    return parse_lesson(path.read_text(encoding="utf-8"), path)


def parse_lesson(text: str, path: Path) -> Lesson:
    """Parse lesson TEXT read from PATH (the language is PATH's folder unless the front matter says)."""
    lines = text.splitlines()
    meta, body_start = _front_matter(lines, path)
    tokens = MarkdownIt("commonmark").parse(text)
    headings = _step_headings(tokens, body_start)
    if not headings:
        raise LessonError(path, 1, "no '## Step: <id> — <title>' heading; a lesson needs steps")
    first = headings[0][0]
    steps = []
    for index, (start, step_id, title) in enumerate(headings):
        end = headings[index + 1][0] if index + 1 < len(headings) else len(lines)
        steps.append(_parse_step(lines, start, end, step_id, title, path))
    intro = "\n".join(lines[body_start:first]).strip()
    return Lesson(
        id=meta.get("id", path.stem),
        title=meta.get("title", _first_title(tokens) or path.stem),
        lang=meta.get("lang", path.parent.name),
        intro=_strip_title(intro),
        steps=tuple(steps),
        registries=tuple(k.strip() for k in meta.get("registries", ",".join(REGISTRY_KINDS)).split(",")),
        path=path,
    )


def _front_matter(lines: list[str], path: Path) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, number + 1
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            raise LessonError(path, number + 1, f"front matter lines are 'key: value', not {line!r}")
        meta[key.strip().lower()] = value.strip()
    raise LessonError(path, 1, "the front matter opened with '---' is never closed")


def _step_headings(tokens: list[Token], body_start: int) -> list[tuple[int, str, str]]:
    found = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h2" or not token.map:
            continue
        if token.map[0] < body_start:
            continue
        match = _STEP_HEADING.match(tokens[index + 1].content.strip())
        if match:
            found.append((token.map[0], match.group(1), (match.group(2) or match.group(1)).strip()))
    return found


def _first_title(tokens: list[Token]) -> str | None:
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[index + 1].content.strip()
    return None


def _strip_title(intro: str) -> str:
    lines = intro.splitlines()
    if lines and lines[0].startswith("# "):
        return "\n".join(lines[1:]).strip()
    return intro


@dataclass
class _Section:
    """A run of a step's source lines: its text, its tokens and the 1-based number of its first line."""

    source: list[str]
    first_line: int

    @property
    def tokens(self) -> list[Token]:
        return MarkdownIt("commonmark").parse("\n".join(self.source))


def _parse_step(lines: list[str], start: int, end: int, step_id: str, title: str, path: Path) -> Step:
    """Parse lines[start:end] (the heading included) into a Step; line numbers are 1-based."""
    parts = _split_sections(_Section(lines[start + 1:end], start + 2), path)
    body = parts["body"]
    check, check_after, check_line = _take_check(body)
    commands, locations, terminal = _fences(body)
    solution, solution_lines, terminal_solution = _fences(parts.get("solution", _Section([], 0)))
    locations.update({f"solution.{k}": v for k, v in solution_lines.items()})
    locations.update({name: part.first_line - 1 for name, part in parts.items() if name != "body"})
    locations.update(heading=start + 1, check=check_line)
    hints = _list_items(parts.get("hints", _Section([], 0)))
    mistakes = _mistakes(parts.get("mistakes", _Section([], 0)), path)
    return Step(step_id, title, "\n".join(body.source).strip(), check, commands, hints, solution,
                mistakes, start + 1, locations, frozenset(terminal | terminal_solution), check_after)


def _split_sections(step: _Section, path: Path) -> dict[str, _Section]:
    """Cut the step's lines at its `### Hints/Solution/Mistakes` headings."""
    cuts: list[tuple[int, str]] = []
    tokens = step.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h3" and token.map:
            title = tokens[index + 1].content.strip()
            name = SECTIONS.get(title.lower())
            if name is None:
                raise LessonError(path, token.map[0] + step.first_line,
                                  f"unknown section '{title}'; use Hints, Solution or Mistakes")
            cuts.append((token.map[0], name))
    first_cut = cuts[0][0] if cuts else len(step.source)
    parts = {"body": _Section(step.source[:first_cut], step.first_line)}
    for index, (line, name) in enumerate(cuts):
        end = cuts[index + 1][0] if index + 1 < len(cuts) else len(step.source)
        parts[name] = _Section(step.source[line + 1:end], step.first_line + line + 1)
    return parts


def _take_check(body: _Section) -> tuple[str, str | None, int]:
    """Find the `check: NAME [after STEP]` line and blank it out of the body."""
    for number, line in enumerate(body.source):
        match = _CHECK_LINE.match(line.strip())
        if match:
            body.source[number] = ""
            return match.group(1), match.group(2), number + body.first_line
    return "", None, 0


def _commands_with_lines(fence_text: str) -> list[tuple[str, int]]:
    """Each command with the 0-based line in the block where it starts."""
    commands: list[tuple[str, int]] = []
    pending, start = "", 0
    for number, raw in enumerate(fence_text.splitlines()):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        commands.append(((pending + line).strip(), start))
        pending = ""
    if pending.strip():
        commands.append((pending.strip(), start))
    return commands


def _fences(section: _Section) -> tuple[dict[str, tuple[str, ...]], dict[str, int], set[str]]:
    """Commands per engine from ```docker / ```podman fences, their lines (`docker#0`) and the
    commands of fences marked `terminal` (the tutor cannot run them)."""
    found: dict[str, tuple[str, ...]] = {}
    lines: dict[str, int] = {}
    terminal: set[str] = set()
    for token in section.tokens:
        info = token.info.split() if token.type == "fence" else []
        if info and info[0] in ENGINES:
            fence_line = (token.map[0] if token.map else 0) + section.first_line
            lines.setdefault(info[0], fence_line)
            for command, offset in _commands_with_lines(token.content):
                lines[f"{info[0]}#{len(found.get(info[0], ()))}"] = fence_line + 1 + offset
                found[info[0]] = (*found.get(info[0], ()), command)
                if "terminal" in info[1:]:
                    terminal.add(command)
    return found, lines, terminal


def _list_items(section: _Section) -> tuple[str, ...]:
    items = []
    for token in section.tokens:
        if token.type == "list_item_open" and token.map and token.level == 1:
            text = "\n".join(section.source[token.map[0]:token.map[1]]).strip()
            items.append(re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", text).strip())
    return tuple(items)


def _mistakes(section: _Section, path: Path) -> tuple[WrongAttempt, ...]:
    attempts = []
    for token in section.tokens:
        if token.type != "list_item_open" or not token.map or token.level != 1:
            continue
        text = " ".join(section.source[token.map[0]:token.map[1]]).strip()
        text = re.sub(r"^[-*+]\s+", "", text)
        match = _MISTAKE.match(text)
        line = token.map[0] + section.first_line
        if not match:
            raise LessonError(path, line, f"a mistake is written `command` -> explainer-key, not {text!r}")
        attempts.append(WrongAttempt(match.group(1).strip(), match.group(2), line))
    return tuple(attempts)


def _keep_engine(markdown: str, engine: str) -> str:
    lines = markdown.splitlines()
    drop: set[int] = set()
    for token in MarkdownIt("commonmark").parse(markdown):
        info = token.info.split()[0] if token.type == "fence" and token.info.split() else ""
        if token.map and info in ENGINES:
            if info != engine:
                drop.update(range(*token.map))
            else:
                lines[token.map[0]] = lines[token.map[0]].replace(token.info.strip(), "sh", 1)
    kept = "\n".join(line for number, line in enumerate(lines) if number not in drop)
    return re.sub(r"\n{3,}", "\n\n", kept).strip()


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


def lesson_values(target: Target, engine_kind: str) -> dict[str, str]:
    """The placeholder values for TARGET and ENGINE_KIND ('docker' or 'podman')."""
    names = learner_names(target, engine_kind)
    return {name: names[name] for name in PLACEHOLDERS}
