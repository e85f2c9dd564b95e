"""Entry point: parse the command line and hand over to the app or a headless command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tutor import __version__


def _target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registry", help="docker.io, quay.io, practice (offline) or HOST[:PORT]")
    parser.add_argument("--user", help="your account name on the registry")
    parser.add_argument("--image", help="the local image to push (default: python-hello-world)")
    parser.add_argument("--engine", choices=["auto", "docker", "podman"],
                        help="which container engine to use (default: auto)")
    parser.add_argument("--lang", choices=["en", "de"], help="language of lessons and screens")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the tutor itself and its headless subcommands."""
    parser = argparse.ArgumentParser(
        prog="registry-tutor",
        description="Learn to push your image to a container registry, step by step.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _target_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="run every step's check without the screen")
    _target_options(check)
    check.add_argument("--json", action="store_true", help="print JSON instead of a table")

    reset = sub.add_parser("reset", help="undo what the lab created (asks first)")
    _target_options(reset)
    reset.add_argument("--yes", action="store_true", help="do not ask before undoing")

    from tutor.commands import demo, lessons_cli, practice_cli, serve

    practice_cli.add_parser(sub)
    lessons_cli.add_parser(sub)
    _target_options(serve.add_parser(sub))
    _target_options(demo.add_parser(sub))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run registry-tutor; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            from tutor.commands import check_cli

            return check_cli.run(args)
        if args.command == "reset":
            from tutor.commands import reset_cli

            return reset_cli.run(args)
        if args.command == "practice":
            from tutor.commands import practice_cli

            return practice_cli.run(args)
        if args.command == "lessons":
            from tutor.commands import lessons_cli

            return lessons_cli.run(args)
        if args.command == "demo":
            from tutor.commands import demo

            return demo.run(args)
        if args.command == "serve":
            from tutor.commands import serve

            return serve.run(args)
        from tutor.app import run_app

        return run_app(args)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
