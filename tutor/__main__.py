"""Entry point: parse the command line and hand over to the app or a headless command."""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import os
import sys
from collections.abc import Sequence
from typing import Any

from tutor import __version__
from tutor.commands import TARGET_OPTIONS, add_target_options

COMMANDS = {
    "check": "tutor.commands.check_cli",
    "reset": "tutor.commands.reset_cli",
    "practice": "tutor.commands.practice_cli",
    "lessons": "tutor.commands.lessons_cli",
    "serve": "tutor.commands.serve",
    "demo": "tutor.commands.demo",
}
"""Each subcommand's module: `add_parser(sub)` registers it, `run(args)` carries it out."""

_BEFORE = "before_"


class _Parser(argparse.ArgumentParser):
    """The tutor's parser: options given before the subcommand mean what they mean after it."""

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        _merge_target_options(self, parsed)
        return parsed, extra


def _merge_target_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Move --registry etc. given before the subcommand to where the subcommand reads them."""
    takes_them = args.command is None or getattr(args, "takes_target_options", False)
    for name in TARGET_OPTIONS:
        before = getattr(args, _BEFORE + name)
        delattr(args, _BEFORE + name)
        if before is not None and not takes_them:
            parser.error(f"--{name} is no option of '{args.command}'; give it after the subcommand "
                         "if it has one (see its --help)")
        if not hasattr(args, name):
            setattr(args, name, before)


# The tutor's own options that take a value (--user anna): that value is no subcommand.
_TAKES_VALUE = frozenset(f"--{name}" for name in TARGET_OPTIONS)


def named_command(argv: Sequence[str]) -> str | None:
    """The subcommand ARGV names (skipping the values of the tutor's own options), or None."""
    words = iter(argv)
    for word in words:
        if word in _TAKES_VALUE:
            next(words, None)
        elif word in COMMANDS:
            return word
        elif not word.startswith("-"):
            return None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line: the tutor itself and its headless subcommands (with ONLY, just that
    one: `check` need not import what `serve` or `demo` need to describe their options; with "",
    none: opening the tutor need not import any of them)."""
    parser = _Parser(prog="registry-tutor",
                     description="Learn to push your image to a container registry, step by step.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    before = argparse.ArgumentParser(add_help=False)
    add_target_options(before)
    for action in before._actions:
        if action.choices is None:
            action.metavar = action.dest.upper()
        action.dest = _BEFORE + action.dest
        parser._add_action(action)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=argparse.ArgumentParser)
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module).add_parser(sub)
    return parser


def _has_terminal() -> bool:
    """Both ends are a terminal (or the tutor runs in a browser, through textual-serve)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def _no_terminal(args: argparse.Namespace) -> int:
    from tutor.core.i18n import _, detect_language, set_language

    set_language(detect_language(args.lang))
    print(_("registry-tutor needs a terminal to show its screens (stdin and stdout here are not one); "
            "in a script, run the checks with: registry-tutor check --registry REGISTRY --user USER"),
          file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> Any:
    if args.command is not None:
        return importlib.import_module(COMMANDS[args.command]).run(args)
    if not _has_terminal():
        return _no_terminal(args)
    from tutor.app import run_app

    return run_app(args)


def parse_command_line(words: Sequence[str]) -> argparse.Namespace:
    """WORDS parsed by a parser that knows just the subcommand they name; one that opens the tutor
    (options only) needs none, while help or a word that is no command gets them all."""
    named = named_command(words)
    only_options = named is None and all(word.startswith("-") or word in _values(words) for word in words)
    asks_help = any(word in ("-h", "--help") for word in words)
    return build_parser("" if only_options and not asks_help else named).parse_args(words)


def _values(words: Sequence[str]) -> set[str]:
    """The words that are the values of the tutor's own options (--user anna: anna)."""
    return {value for option, value in itertools.pairwise(words) if option in _TAKES_VALUE}


def main(argv: Sequence[str] | None = None) -> int:
    """Run registry-tutor; returns the process exit code."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = parse_command_line(words)
    try:
        return int(_run(args))
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130


def entry() -> None:
    """The `registry-tutor` program (and `python -m tutor`): main(), then the exit.

    The work is done and saved when main() returns; what is left is the interpreter's teardown,
    whose last garbage collection walks every object of every module loaded (the docker SDK's
    alone: ~15 ms, a tenth of a `check`). Frozen first, it skips them; files and sockets are closed
    by then, and the standard streams are flushed as always.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
