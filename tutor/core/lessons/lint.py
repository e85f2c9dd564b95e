"""`registry-tutor lessons lint`: find mistakes in lesson files without running anything.

In the spirit of `rustlings dev check`: unique step ids, known checks and explainer keys, the
same steps in every language, known placeholders, closed code fences, and commands the core's
interpreter can parse.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from tutor.core.lab.checks import CHECK_IDS
from tutor.core.lessons.model import (
    ENGINES,
    PLACEHOLDERS,
    REGISTRY_KINDS,
    Lesson,
    LessonError,
    Step,
    fill,
    lesson_values,
    parse_lesson_file,
    placeholders_in,
)
from tutor.core.resources import data_dir
from tutor.core.target import Target

SAMPLE_VALUES = lesson_values(Target("localhost:5000", "alice"), "docker")


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, printed as file:line: message."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def lesson_files(paths: Iterable[Path]) -> list[Path]:
    """The .md lesson files under PATHS (all shipped lessons when PATHS is empty); README skipped."""
    roots = list(paths) or [data_dir("lessons")]
    found: list[Path] = []
    for root in roots:
        candidates = [root] if root.is_file() else sorted(root.rglob("*.md"))
        found.extend(path for path in candidates if path.name.lower() != "readme.md")
    return found


def lint(paths: Iterable[Path]) -> tuple[list[Problem], list[Lesson]]:
    """Every problem in the lesson files under PATHS, and the lessons that parsed."""
    problems: list[Problem] = []
    parsed: list[Lesson] = []
    for path in lesson_files(paths):
        problems.extend(_file_problems(path))
        try:
            lesson = parse_lesson_file(path)
        except LessonError as error:
            problems.append(Problem(str(path), error.line, error.message))
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(path), 1, f"cannot read the file: {error}"))
            continue
        parsed.append(lesson)
        problems.extend(lesson_problems(lesson))
    problems.extend(language_problems(parsed))
    return sorted(set(problems)), parsed


def _file_problems(path: Path) -> Iterator[Problem]:
    """Placeholders and fences, found in the raw text so each has its exact line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    for number, line in enumerate(text.splitlines(), start=1):
        for name in placeholders_in(line):
            if name not in PLACEHOLDERS:
                yield Problem(str(path), number, f"unknown placeholder {{{name}}} (known: "
                              f"{', '.join(PLACEHOLDERS)}; write {{{{{name}}}}} for literal braces)")
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


def lesson_problems(lesson: Lesson) -> Iterator[Problem]:
    """What is wrong inside one lesson file."""
    where = str(lesson.path)
    if lesson.id != lesson.path.stem:
        yield Problem(where, 1, f"the lesson id '{lesson.id}' differs from the file name "
                      f"'{lesson.path.name}'; name the file {lesson.id}.md")
    for kind in lesson.registries:
        if kind not in REGISTRY_KINDS:
            yield Problem(where, 1, f"unknown registry kind '{kind}' (known: {', '.join(REGISTRY_KINDS)})")
    seen: dict[str, int] = {}
    for step in lesson.steps:
        if step.check_after is not None and step.check_after not in seen:
            yield Problem(where, step.lines.get("check", step.line), f"'after {step.check_after}' must "
                          "name an earlier step of this lesson")
        if step.id in seen:
            first = seen[step.id]
            yield Problem(where, step.line, f"step id '{step.id}' is used twice (first on line {first})")
        seen.setdefault(step.id, step.line)
        yield from step_problems(where, step)
    yield from command_problems(lesson)


def step_problems(where: str, step: Step) -> Iterator[Problem]:
    """Missing or unknown check, solutions and explainer keys of one step."""
    if not step.check:
        yield Problem(where, step.line, f"step '{step.id}' has no 'check: NAME' line")
    elif step.check not in CHECK_IDS:
        yield Problem(where, step.lines.get("check", step.line),
                      f"unknown check '{step.check}' (known: {', '.join(CHECK_IDS)})")
    for engine in ENGINES:
        if engine not in step.solution:
            yield Problem(where, step.lines.get("solution", step.line),
                          f"step '{step.id}' has no ```{engine} block under its Solution")
    keys = _explainer_keys()
    for attempt in step.wrong_attempts:
        if keys and attempt.expect not in keys:
            yield Problem(where, attempt.line, f"unknown explainer key '{attempt.expect}' "
                          f"(known: {', '.join(sorted(keys))})")
        if attempt.command.split(" ", 1)[0] not in ENGINES:
            yield Problem(where, attempt.line, "a mistake's command starts with docker or podman "
                          "(it runs only on that engine)")


def _explainer_keys() -> set[str]:
    try:
        from tutor.core.explainer import CATALOGUE
    except ImportError:
        return set()
    return {entry.key for entry in CATALOGUE}


def command_problems(lesson: Lesson) -> Iterator[Problem]:
    """Every command the tutor would run must parse, with the variables earlier steps export."""
    for engine in ENGINES:
        variables: dict[str, str] = {}
        for step in lesson.steps:
            for section, commands in (("", step.commands), ("solution.", step.solution)):
                for index, command in enumerate(commands.get(engine, ())):
                    line = step.lines.get(f"{section}{engine}#{index}", step.line)
                    if any(name not in PLACEHOLDERS for name in placeholders_in(command)):
                        continue  # reported as an unknown placeholder already
                    message = _parse_problem(fill(command, SAMPLE_VALUES), variables,
                                             command in step.terminal_only)
                    if message:
                        yield Problem(str(lesson.path), line, f"`{command}`: {message}")
            for attempt in step.wrong_attempts:
                message = _shlex_problem(fill(attempt.command, SAMPLE_VALUES))
                if message:
                    yield Problem(str(lesson.path), attempt.line, f"`{attempt.command}`: {message}")


def _parse_problem(command: str, variables: dict[str, str], terminal_only: bool) -> str | None:
    if terminal_only:
        return _shlex_problem(command)
    try:
        from tutor.core.shell.interpreter import CommandError, parse_command
    except ImportError:
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


def language_problems(parsed: Iterable[Lesson]) -> Iterator[Problem]:
    """Every language of a lesson has the same steps, in the same order, with the same checks."""
    by_id: dict[str, list[Lesson]] = {}
    for lesson in parsed:
        by_id.setdefault(lesson.id, []).append(lesson)
    for versions in by_id.values():
        reference = next((v for v in versions if v.lang == "en"), versions[0])
        for other in versions:
            if other is not reference:
                yield from _compare_steps(reference, other)


def _compare_steps(reference: Lesson, other: Lesson) -> Iterator[Problem]:
    where = str(other.path)
    wanted = [step.id for step in reference.steps]
    have = [step.id for step in other.steps]
    for step_id in wanted:
        if step_id not in have:
            yield Problem(where, 1, f"step '{step_id}' of {reference.path} is missing in {other.lang}")
    for step in other.steps:
        if step.id not in wanted:
            yield Problem(where, step.line, f"step '{step.id}' is not in {reference.path}")
    common = [step_id for step_id in have if step_id in wanted]
    if common != [step_id for step_id in wanted if step_id in have]:
        yield Problem(where, 1, f"steps are in another order than in {reference.path}: "
                      f"{', '.join(have)} instead of {', '.join(wanted)}")
    for step in other.steps:
        if step.id not in wanted:
            continue
        model = reference.step(step.id)
        if (step.check, step.check_after) != (model.check, model.check_after):
            yield Problem(where, step.lines.get("check", step.line),
                          f"step '{step.id}' says '{_check_text(step)}' but {reference.lang} says "
                          f"'{_check_text(model)}'")


def _check_text(step: Step) -> str:
    return f"check: {step.check}" + (f" after {step.check_after}" if step.check_after else "")


def summary(lessons: list[Lesson]) -> str:
    """One line per lesson id: its languages and step count."""
    by_id: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        by_id.setdefault(lesson.id, []).append(lesson)
    lines = [f"{lesson_id}: {len(versions[0].steps)} steps in {', '.join(sorted(v.lang for v in versions))}"
             for lesson_id, versions in sorted(by_id.items())]
    return "\n".join(lines)
