"""`registry-tutor lessons list|lint|test`: the lessons, and proof that they are well formed and work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.commands import command_parser

if TYPE_CHECKING:
    from tutor.core.lessons.tester import LessonTestOptions


def add_parser(sub: Any) -> None:
    """Register `lessons` and its actions."""
    lessons = command_parser(sub, "lessons", help="list, lint or test lessons",
                             exit_codes="0 the lessons are fine, 1 a problem was found, 2 the command "
                                        "cannot run (a missing file or option).",
                             example="registry-tutor lessons lint")
    actions = lessons.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = command_parser(actions, "list", help="the lessons and their steps",
                             exit_codes="0 listed, 1 a lesson cannot be read (run lessons lint).",
                             example="registry-tutor lessons list --lang de")
    listing.add_argument("--lang", choices=["en", "de"], help="the language of the titles")
    listing.add_argument("--lessons-dir", help="the lessons folder (default: the shipped lessons)")
    lint = command_parser(actions, "lint", help="check lesson files for mistakes",
                          exit_codes="0 well formed, 1 problems (each printed as file:line: message), "
                                     "2 a path does not exist.",
                          example="registry-tutor lessons lint lessons/deploy-a-change")
    lint.add_argument("paths", nargs="*")
    test = command_parser(actions, "test", help="run each step's solution against a real registry",
                          exit_codes="0 every check failed before and passed after its solution, "
                                     "1 a check or solution misbehaved, 2 the options are incomplete.",
                          example="registry-tutor lessons test deploy-a-change --registry practice")
    test.add_argument("lesson", nargs="?", help="a lesson id (default: every lesson)")
    test.add_argument("--registry", required=True,
                      help="HOST:PORT of a registry, or 'practice' (started if needed)")
    test.add_argument("--user", help="an existing account (else a fresh one is created)")
    test.add_argument("--password-stdin", action="store_true", help="read --user's password from stdin")
    test.add_argument("--htpasswd", help="the registry's htpasswd file, to create a fresh account in")
    test.add_argument("--engine", choices=["docker", "podman"], default="docker")
    test.add_argument("--engine-url", help="the engine's socket URL (default: found automatically)")
    test.add_argument("--lang", action="append", choices=["en", "de"], help="default: every language")
    test.add_argument("--source-image", default="python-hello-world",
                      help="a local image the lab's image step may copy (default: python-hello-world)")
    test.add_argument("--lessons-dir", help="the lessons folder (default: the shipped lessons)")


def run(args: argparse.Namespace) -> int:
    """Carry out one lessons action."""
    if args.action == "lint":
        return run_lint([Path(path) for path in args.paths])
    if args.action == "list":
        return run_list(args)
    return run_test(args)


def run_list(args: argparse.Namespace) -> int:
    """Print each lesson's id and title, then its steps (id, short title, check)."""
    from tutor.core.i18n import current_language
    from tutor.core.lessons.model import LessonError, list_lessons

    root = Path(args.lessons_dir) if args.lessons_dir else None
    try:
        lessons = list_lessons(args.lang or current_language(), root)
    except (LessonError, OSError) as error:
        print(f"{error}\nrun: registry-tutor lessons lint", file=sys.stderr)
        return 1
    for lesson in lessons:
        print(f"{lesson.id}: {lesson.title}")
        for number, step in enumerate(lesson.steps, 1):
            print(f"  {number}. {step.id:<12} {step.short_title:<14} check: {step.check}")
    return 0


def run_lint(paths: list[Path], quiet: bool = False) -> int:
    """Print every problem as file:line: message; 1 when there is any."""
    from tutor.core.lessons.lint import lint, summary

    missing = [path for path in paths if not path.exists()]
    if missing:
        print("\n".join(f"{path}: no such file or folder" for path in missing), file=sys.stderr)
        return 2
    problems, lessons = lint(paths)
    if problems:
        print("\n".join(str(problem) for problem in problems))
        print(f"{len(problems)} problem(s) in the lessons", file=sys.stderr)
        return 1
    if not lessons:
        print("no lesson files found", file=sys.stderr)
        return 1
    if not quiet:
        print(summary(lessons))
        print("OK: lessons are well formed")
    return 0


def run_test(args: argparse.Namespace) -> int:
    """Lint the lesson(s), then run each step's solution against a real engine and registry."""
    from tutor.core.lessons.model import lesson_ids
    from tutor.core.lessons.tester import run_lesson_test
    from tutor.core.records import replace

    options = _test_options(args)
    if isinstance(options, str):
        print(options, file=sys.stderr)
        return 2
    root = options.lessons_root
    chosen = [args.lesson] if args.lesson else lesson_ids(root)
    unknown = [lesson_id for lesson_id in chosen if lesson_id not in lesson_ids(root)]
    if unknown:
        print(f"no lesson '{unknown[0]}'; the lessons are: {', '.join(lesson_ids(root))}", file=sys.stderr)
        return 2
    if run_lint(_lesson_folders(chosen, root), quiet=True) != 0:
        return 1
    failures = 0
    for lesson_id in chosen:
        report = run_lesson_test(replace(options, lesson_id=lesson_id))
        print("\n".join(report.lines))
        if report.failures:
            print(f"\n{len(report.failures)} failure(s) in {lesson_id}:", file=sys.stderr)
            print("\n".join(report.failures), file=sys.stderr)
            failures += len(report.failures)
        else:
            print(f"OK: {lesson_id} works in {', '.join(options.langs)} on {options.engine_kind}")
    return 1 if failures else 0


def _lesson_folders(lesson_ids: list[str], root: Path | None) -> list[Path]:
    from tutor.core.lessons.model import lesson_folder

    return [lesson_folder(lesson_id, root) for lesson_id in lesson_ids]


def _test_options(args: argparse.Namespace) -> LessonTestOptions | str:
    """The options, or a message saying what is missing."""
    from tutor.core.lessons.tester import HtpasswdAccounts, LessonTestOptions

    langs = tuple(dict.fromkeys(args.lang or ["en", "de"]))
    options = LessonTestOptions(args.registry, args.lesson or "", langs, args.engine, args.engine_url,
                                args.source_image,
                                lessons_root=Path(args.lessons_dir) if args.lessons_dir else None)
    if args.user:
        if not args.password_stdin:
            return "--user needs --password-stdin (the password is never taken on the command line)"
        options.user, options.password = args.user, sys.stdin.readline().rstrip("\n")
    elif args.htpasswd:
        options.accounts = HtpasswdAccounts(Path(args.htpasswd))
    if args.registry == "practice":
        from tutor.core.lab.resolve import TargetError, resolve_place

        try:
            place = resolve_place(args.registry)
        except TargetError as error:
            return str(error)
        options.registry, options.ca_file = place.registry, place.ca_file
        options.accounts = None if args.user else place.accounts
    elif options.accounts is None and options.user is None:
        return ("give an account: --user NAME --password-stdin, or --htpasswd FILE so that a fresh "
                "account can be created (with --registry practice the tutor creates it)")
    return options
