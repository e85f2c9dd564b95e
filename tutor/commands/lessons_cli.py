"""`registry-tutor lessons lint|test`: prove that lessons are well formed and their checks work."""

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
    lessons = command_parser(sub, "lessons", help="lint or test lessons",
                             exit_codes="0 the lessons are fine, 1 a problem was found, 2 the command "
                                        "cannot run (a missing file or option).",
                             example="registry-tutor lessons lint")
    actions = lessons.add_subparsers(dest="action", metavar="ACTION", required=True)
    lint = command_parser(actions, "lint", help="check lesson files for mistakes",
                          exit_codes="0 well formed, 1 problems (each printed as file:line: message), "
                                     "2 a path does not exist.",
                          example="registry-tutor lessons lint")
    lint.add_argument("paths", nargs="*")
    test = command_parser(actions, "test", help="run each step's solution against a real registry",
                          exit_codes="0 every check failed before and passed after its solution, "
                                     "1 a check or solution misbehaved, 2 the options are incomplete.",
                          example="registry-tutor lessons test --registry practice")
    test.add_argument("lesson", nargs="?", default="push-to-registry")
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
    return run_test(args)


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
    """Lint the lesson, then run each step's solution against a real engine and registry."""
    from tutor.core.lessons.tester import run_lesson_test

    options = _test_options(args)
    if isinstance(options, str):
        print(options, file=sys.stderr)
        return 2
    if run_lint(_lesson_files(args, options.langs), quiet=True) != 0:
        return 1
    report = run_lesson_test(options)
    print("\n".join(report.lines))
    if report.failures:
        print(f"\n{len(report.failures)} failure(s):", file=sys.stderr)
        print("\n".join(report.failures), file=sys.stderr)
        return 1
    print(f"OK: {options.lesson_id} works in {', '.join(options.langs)} on {options.engine_kind}")
    return 0


def _lesson_files(args: argparse.Namespace, langs: tuple[str, ...]) -> list[Path]:
    from tutor.core.lessons.model import lesson_path

    root = Path(args.lessons_dir) if args.lessons_dir else None
    return [lesson_path(args.lesson, lang, root) for lang in langs]


def _test_options(args: argparse.Namespace) -> LessonTestOptions | str:
    """The options, or a message saying what is missing."""
    from tutor.core.lessons.tester import HtpasswdAccounts, LessonTestOptions

    langs = tuple(dict.fromkeys(args.lang or ["en", "de"]))
    options = LessonTestOptions(args.registry, args.lesson, langs, args.engine, args.engine_url,
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
