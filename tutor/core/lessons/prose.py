"""A lesson's prose in one language: lessons/ID/LANG.md, parsed with markdown-it-py.

The Markdown holds what a learner reads and nothing the tutor decides by: a `# title`, an intro,
then one `## Step: <id> — <title>` section per step with its text, its ```docker / ```podman
command blocks and a `### Hints` list. Checks, solutions and mistakes live in lesson.toml.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.core.lessons.shared import ENGINES, LessonError
from tutor.core.records import field, record

if TYPE_CHECKING:  # markdown-it loads with the first parse: `check` reads lesson.toml alone
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

HINT_HEADINGS = ("hints", "tipps", "hinweise")
MOVED_HEADINGS = ("solution", "lösung", "mistakes", "fehler", "typische fehler")

_STEP_HEADING = re.compile(r"^(?:Step|Schritt):\s*([A-Za-z0-9_-]+)\s*(?:[—–-]+\s*(.*))?$")
_CHECK_LINE = re.compile(r"^check:\s*\S")


@record
class StepProse:
    """One step's text in one language."""

    id: str
    """The step id from the heading; it must match a step of lesson.toml."""
    title: str
    """The step's title from its heading, shown above its text."""
    body: str
    """The step's Markdown, command blocks of both engines included."""
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The commands of the body's ```docker / ```podman blocks, per engine."""
    hints: tuple[str, ...] = ()
    """The `### Hints` list, shown one at a time."""
    terminal_only: frozenset[str] = frozenset()
    """Body commands in blocks marked `terminal`: for the learner's own terminal."""
    line: int = 0
    """The 1-based line of the step's heading."""
    lines: dict[str, int] = field(default_factory=dict)
    """Where things are, for messages: `docker#0` (first docker command), `hints`..."""


@record
class LessonProse:
    """A lesson's prose in one language."""

    title: str
    """The `# heading`."""
    intro: str
    """Everything before the first step."""
    steps: tuple[StepProse, ...]
    """The steps' text in order."""
    path: Path
    """The Markdown file."""


def parse_prose_file(path: Path) -> LessonProse:
    """Parse one LANG.md file; LessonError (file:line: message) when its shape is wrong."""
    return parse_prose(path.read_text(encoding="utf-8"), path)


def parse_prose(text: str, path: Path) -> LessonProse:
    """Parse lesson prose TEXT read from PATH."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        raise LessonError(path, 1, "front matter moved to lesson.toml; the Markdown starts with '# Title'")
    tokens = _markdown().parse(text)
    headings = _step_headings(tokens)
    if not headings:
        raise LessonError(path, 1, "no '## Step: <id> — <title>' heading; a lesson needs steps")
    steps = []
    for index, (start, step_id, title) in enumerate(headings):
        end = headings[index + 1][0] if index + 1 < len(headings) else len(lines)
        steps.append(_parse_step(lines, start, end, step_id, title, path))
    intro = "\n".join(lines[:headings[0][0]]).strip()
    return LessonProse(_first_title(tokens) or path.parent.name, _strip_title(intro), tuple(steps), path)


def _step_headings(tokens: list[Token]) -> list[tuple[int, str, str]]:
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2" and token.map:
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



@functools.cache
def _markdown() -> MarkdownIt:
    """One CommonMark parser for every lesson part (building one costs more than parsing a step)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")

@record(frozen=False)
class _Section:
    """A run of a step's source lines and the 1-based number of its first line."""

    source: list[str]
    first_line: int

    @property
    def tokens(self) -> list[Token]:
        return _markdown().parse("\n".join(self.source))


def _parse_step(lines: list[str], start: int, end: int, step_id: str, title: str, path: Path) -> StepProse:
    """Parse lines[start:end] (the heading included); line numbers are 1-based."""
    body, hints = _split_hints(_Section(lines[start + 1:end], start + 2), path)
    for number, line in enumerate(body.source):
        if _CHECK_LINE.match(line.strip()):
            raise LessonError(path, number + body.first_line,
                              "'check:' moved to lesson.toml (the step's `check = \"...\"`)")
    commands, locations, terminal = _fences(body)
    locations.update(heading=start + 1, hints=hints.first_line - 1 if hints.source else 0)
    return StepProse(step_id, title, "\n".join(body.source).strip(), commands, _list_items(hints),
                     frozenset(terminal), start + 1, locations)


def _split_hints(step: _Section, path: Path) -> tuple[_Section, _Section]:
    """The body before the `### Hints` heading, and the hints after it."""
    tokens = step.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h3" or not token.map:
            continue
        title = tokens[index + 1].content.strip()
        line = token.map[0]
        if title.lower() in MOVED_HEADINGS:
            raise LessonError(path, line + step.first_line,
                              f"'{title}' moved to lesson.toml (the step's solution and mistakes)")
        if title.lower() not in HINT_HEADINGS:
            raise LessonError(path, line + step.first_line, f"unknown section '{title}'; a step has "
                              "only '### Hints' (German: '### Tipps')")
        after = _Section(step.source[line + 1:], step.first_line + line + 1)
        return _Section(step.source[:line], step.first_line), after
    return step, _Section([], 0)


def command_lines(fence_text: str) -> tuple[str, ...]:
    """The commands in a fenced block: one per line, `\\` continues a line, `#` comments dropped."""
    return tuple(command for command, _line in _commands_with_lines(fence_text))


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


def keep_engine(markdown: str, engine: str) -> str:
    """MARKDOWN with the other engine's command blocks left out (and ours shown as `sh`)."""
    lines = markdown.splitlines()
    drop: set[int] = set()
    for token in _markdown().parse(markdown):
        info = token.info.split()[0] if token.type == "fence" and token.info.split() else ""
        if token.map and info in ENGINES:
            if info != engine:
                drop.update(range(*token.map))
            else:
                lines[token.map[0]] = lines[token.map[0]].replace(token.info.strip(), "sh", 1)
    kept = "\n".join(line for number, line in enumerate(lines) if number not in drop)
    return re.sub(r"\n{3,}", "\n\n", kept).strip()
