"""`registry-tutor lessons lint`: find mistakes in lessons without running anything.

In the spirit of `rustlings dev check`: every lesson folder has a valid lesson.toml and a Markdown
file per language; step ids are unique and the same everywhere; checks, explainer keys, offers and
placeholders are known; code fences are closed; and every command parses with the interpreter.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path

from markdown_it import MarkdownIt

from tutor.core.explainer import CATALOGUE
from tutor.core.lab.check_table import known_checks
from tutor.core.lessons.model import (
    CREATED_KINDS,
    ENGINES,
    LANGUAGES,
    METADATA,
    OFFERS,
    PLACEHOLDERS,
    REGISTRY_KINDS,
    Lesson,
    LessonError,
    LessonMeta,
    StepMeta,
    fill,
    join,
    lesson_values,
    placeholders_in,
    read_metadata,
)
from tutor.core.lessons.prose import LessonProse, parse_prose_file
from tutor.core.records import record
from tutor.core.resources import data_dir
from tutor.core.shell.interpreter import CommandError, parse_command
from tutor.core.target import Target

SAMPLE_VALUES = lesson_values(Target("localhost:5000", "alice"), "docker", "/home/alice/registry-tutor/lab",
                              {"v1_digest": "sha256:" + "1" * 64, "v2_digest": "sha256:" + "2" * 64})


@record(order=True)
class Problem:
    """One finding, printed as file:line: message."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def lesson_folders(paths: Iterable[Path]) -> list[Path]:
    """The lesson folders under PATHS (a folder with lesson.toml, or a file inside one); all when empty."""
    roots = list(paths) or [data_dir("lessons")]
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root.parent)
        elif (root / METADATA).exists():
            found.append(root)
        else:
            found.extend(sorted(path.parent for path in root.glob(f"*/{METADATA}")))
    return list(dict.fromkeys(found))


def lint(paths: Iterable[Path]) -> tuple[list[Problem], list[Lesson]]:
    """Every problem in the lessons under PATHS, and the lessons (one per language) that joined."""
    problems: list[Problem] = []
    parsed: list[Lesson] = []
    folders = lesson_folders(paths)
    for root in (path for path in (list(paths) or []) if path.is_dir() and path not in folders):
        if not any(folder.is_relative_to(root) for folder in folders):
            problems.append(Problem(str(root), 1, f"no lesson here: a lesson is a folder with {METADATA}"))
    for folder in folders:
        found, lessons = lint_folder(folder)
        problems.extend(found)
        parsed.extend(lessons)
    return sorted(set(problems)), parsed


def lint_folder(folder: Path) -> tuple[list[Problem], list[Lesson]]:
    """Every problem of one lesson folder, and its languages that joined."""
    path = folder / METADATA
    try:
        meta = read_metadata(path)
    except LessonError as error:
        return [Problem(str(path), error.line, error.message)], []
    except (OSError, UnicodeDecodeError) as error:
        return [Problem(str(path), 1, f"cannot read the file: {error}")], []
    problems = list(metadata_problems(meta)) + list(_text_problems(path, fences=False))
    lessons = []
    for lang in LANGUAGES:
        prose_path = folder / f"{lang}.md"
        if not prose_path.exists():
            problems.append(Problem(str(prose_path), 1, f"lesson '{meta.id}' has no {lang} text: "
                                    f"write {prose_path.name} (every lesson has {', '.join(LANGUAGES)})"))
            continue
        problems.extend(_text_problems(prose_path))
        try:
            prose = parse_prose_file(prose_path)
        except LessonError as error:
            problems.append(Problem(str(prose_path), error.line, error.message))
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(prose_path), 1, f"cannot read the file: {error}"))
            continue
        mismatch = list(_step_mismatch(meta, prose))
        problems.extend(mismatch)
        if not mismatch:
            lesson = join(meta, prose, lang)
            lessons.append(lesson)
            problems.extend(command_problems(lesson, meta))
    for extra in sorted(folder.glob("*.md")):
        if extra.stem not in LANGUAGES and extra.name.lower() != "readme.md":
            problems.append(Problem(str(extra), 1, f"'{extra.stem}' is not a language the tutor speaks "
                                    f"({', '.join(LANGUAGES)})"))
    return problems, lessons


def metadata_problems(meta: LessonMeta) -> Iterator[Problem]:
    """What is wrong in a lesson.toml beyond its shape."""
    where = str(meta.path)
    for kind in meta.registries:
        if kind not in REGISTRY_KINDS:
            yield Problem(where, 1, f"unknown registry kind '{kind}' (known: {', '.join(REGISTRY_KINDS)})")
    if meta.files and not (data_dir("assets") / meta.files).is_dir():
        yield Problem(where, 1, f"files = '{meta.files}' names no folder in assets/")
    seen: dict[str, int] = {}
    for step in meta.steps:
        if step.check_after is not None and step.check_after not in seen:
            yield Problem(where, step.line, f"check_after = '{step.check_after}' must name an earlier step")
        if step.id in seen:
            first = seen[step.id]
            yield Problem(where, step.line, f"step id '{step.id}' is used twice (first on line {first})")
        seen.setdefault(step.id, step.line)
        yield from step_problems(where, step)


def step_problems(where: str, step: StepMeta) -> Iterator[Problem]:
    """A step's check, short titles, solutions, offers, creates and mistakes."""
    checks = known_checks()
    if not step.check:
        yield Problem(where, step.line, f"step '{step.id}' has no check = \"NAME\"")
    elif step.check not in checks:
        yield Problem(where, step.line, f"step '{step.id}': unknown check '{step.check}' (known: "
                      f"{', '.join(checks)})")
    for lang in LANGUAGES:
        if not step.short.get(lang):
            yield Problem(where, step.line, f"step '{step.id}' has no short title in {lang} (short = "
                          "{ en = \"...\", de = \"...\" })")
    for engine in ENGINES:
        if not step.solution.get(engine):
            yield Problem(where, step.line, f"step '{step.id}' has no {engine} solution "
                          f"([steps.solution] {engine} = [...])")
    for offer in step.offers:
        if offer not in OFFERS:
            yield Problem(where, step.line, f"step '{step.id}': unknown offer '{offer}' "
                          f"(known: {', '.join(OFFERS)})")
    for created in step.creates:
        if created.kind not in CREATED_KINDS:
            yield Problem(where, step.line, f"step '{step.id}': creates an unknown kind '{created.kind}' "
                          f"(known: {', '.join(CREATED_KINDS)})")
        elif created.kind != "login" and not created.name:
            yield Problem(where, step.line, f"step '{step.id}': a created {created.kind} needs its name")
    keys = _explainer_keys()
    for attempt in step.mistakes:
        if attempt.expect not in keys:
            yield Problem(where, attempt.line, f"unknown explainer key '{attempt.expect}' "
                          f"(known: {', '.join(sorted(keys))})")
        engines = {command.split(" ", 1)[0] for command in attempt.commands}
        if attempt.engine not in ENGINES or len(engines) > 1:
            yield Problem(where, attempt.line, "a mistake's commands all start with docker, or all with "
                          "podman (it is tried on that engine only)")


def _explainer_keys() -> set[str]:
    return {entry.key for entry in CATALOGUE}


def _step_mismatch(meta: LessonMeta, prose: LessonProse) -> Iterator[Problem]:
    where = str(prose.path)
    wanted = [step.id for step in meta.steps]
    have = [step.id for step in prose.steps]
    for step_id in wanted:
        if step_id not in have:
            yield Problem(where, 1, f"step '{step_id}' of {meta.path} is missing here")
    for step in prose.steps:
        if step.id not in wanted:
            yield Problem(where, step.line, f"step '{step.id}' is not in {meta.path}")
        elif have.count(step.id) > 1 and have.index(step.id) != prose.steps.index(step):
            yield Problem(where, step.line, f"step id '{step.id}' is used twice")
    common = [step_id for step_id in have if step_id in wanted]
    if common == [step_id for step_id in wanted if step_id in have] or len(set(common)) != len(common):
        return
    yield Problem(where, 1, f"steps are in another order than in {meta.path}: "
                  f"{', '.join(have)} instead of {', '.join(wanted)}")


def _text_problems(path: Path, fences: bool = True) -> Iterator[Problem]:
    """Placeholders (and in Markdown the fences), found in the raw text so each has its exact line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    for number, line in enumerate(text.splitlines(), start=1):
        for name in placeholders_in(line):
            if name not in PLACEHOLDERS:
                yield Problem(str(path), number, f"unknown placeholder {{{name}}} (known: "
                              f"{', '.join(PLACEHOLDERS)}; write {{{{{name}}}}} for literal braces)")
    if fences:
        yield from _fence_problems(path, text)


def _fence_problems(path: Path, text: str) -> Iterator[Problem]:
    lines = text.splitlines()
    for token in MarkdownIt("commonmark").parse(text):
        if token.type != "fence" or not token.map:
            continue
        last = lines[token.map[1] - 1].strip() if token.map[1] - 1 < len(lines) else ""
        span = token.map[1] - token.map[0]
        closed = span >= 2 and last.startswith(token.markup) and not last.strip(token.markup[0])
        if not closed:
            message = f"code block opened with {token.markup} is never closed"
            yield Problem(str(path), token.map[0] + 1, message)


def command_problems(lesson: Lesson, meta: LessonMeta) -> Iterator[Problem]:
    """Every command the tutor would run must parse, with the variables earlier steps export."""
    for engine in ENGINES:
        variables: dict[str, str] = {}
        for command in lesson.prepare.get(engine, ()):
            message = _parse_problem(command, variables, command in meta.prepare_terminal)
            if message:
                yield Problem(str(meta.path), 1, f"[prepare] `{command}`: {message}")
        for step, step_meta in zip(lesson.steps, meta.steps, strict=True):
            for index, command in enumerate(step.commands.get(engine, ())):
                line = step.lines.get(f"{engine}#{index}", step.line)
                message = _parse_problem(command, variables, command in step.terminal_only)
                if message:
                    yield Problem(str(lesson.path), line, f"`{command}`: {message}")
            for command in step.solution.get(engine, ()):
                message = _parse_problem(command, variables, command in step.terminal_only)
                if message:
                    yield Problem(str(meta.path), step_meta.line, f"solution `{command}`: {message}")
            for attempt in step.wrong_attempts:
                for command in attempt.commands:
                    message = _shlex_problem(fill(command, SAMPLE_VALUES))
                    if message:
                        yield Problem(str(meta.path), attempt.line, f"`{command}`: {message}")


def _parse_problem(command: str, variables: dict[str, str], terminal_only: bool) -> str | None:
    if any(name not in PLACEHOLDERS for name in placeholders_in(command)):
        return None  # reported as an unknown placeholder already
    command = fill(command, SAMPLE_VALUES)
    if terminal_only:
        return _shlex_problem(command)
    try:
        parsed = parse_command(command, variables)
    except CommandError as error:
        return f"the tutor's interpreter refuses it: {error.message}"
    variables.update(parsed.assignments)
    return None


def _shlex_problem(command: str) -> str | None:
    try:
        shlex.split(command)
    except ValueError as error:
        return f"cannot be split into words ({error})"
    return None


def summary(lessons: list[Lesson]) -> str:
    """One line per lesson id: its languages and step count."""
    by_id: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        by_id.setdefault(lesson.id, []).append(lesson)
    lines = [f"{lesson_id}: {len(versions[0].steps)} steps in {', '.join(sorted(v.lang for v in versions))}"
             for lesson_id, versions in by_id.items()]
    return "\n".join(lines)
