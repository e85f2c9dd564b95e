"""Headless subcommands: they use the core and print; none of them imports Textual.

Each command module has `add_parser(sub)` (registering its argparse parser) and `run(args)`
(returning the exit code); tutor/__main__.py lists them. A module's heavy imports wait for `run`,
so that building the parser (and so starting the tutor) loads nothing it does not need.
"""

from __future__ import annotations

import argparse

TARGET_OPTIONS = ("registry", "user", "image", "engine", "lang", "lesson")
"""The options of the tutor itself that a subcommand may take too, meaning the same there."""


def add_target_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """--registry, --user, --image, --engine, --lang, --lesson: for the tutor and its subcommands."""
    parser.add_argument("--registry", default=default,
                        help="docker.io, quay.io, practice (offline) or HOST[:PORT]")
    parser.add_argument("--user", default=default, help="your account name on the registry")
    parser.add_argument("--image", default=default,
                        help="the local image to push (default: python-hello-world)")
    parser.add_argument("--engine", choices=["auto", "docker", "podman"], default=default,
                        help="which container engine to use (default: auto)")
    parser.add_argument("--lang", choices=["en", "de"], default=default,
                        help="language of lessons and screens")
    parser.add_argument("--lesson", metavar="ID", default=default,
                        help="which lab (default: push-to-registry; see: registry-tutor lessons list)")


def target_parent() -> argparse.ArgumentParser:
    """A parent parser for subcommands that take the target options (given before or after them).

    Its options are left out of the result unless given after the subcommand, so that the same
    option given before it (to the tutor itself) is kept rather than overwritten by a default.
    """
    parent = argparse.ArgumentParser(add_help=False)
    add_target_options(parent, default=argparse.SUPPRESS)
    parent.set_defaults(takes_target_options=True)
    return parent


def epilog(exit_codes: str, example: str) -> str:
    """The end of a subcommand's --help: its exit codes and one example."""
    return f"Exit codes: {exit_codes}\n\nExample:\n  {example}"


class HelpFormatter(argparse.HelpFormatter):
    """Wraps each line of a description or epilog on its own, keeping lines that start indented."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = [line if not line or line.startswith(" ") else super(HelpFormatter, self)._fill_text(
            line, width, indent) for line in text.splitlines()]
        return "\n".join(lines)


def command_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, *,
                   help: str, exit_codes: str, example: str,
                   parents: list[argparse.ArgumentParser] | None = None,
                   description: str | None = None) -> argparse.ArgumentParser:
    """Add one subcommand whose --help ends with its exit codes and an example."""
    return sub.add_parser(name, help=help, description=description or help, parents=parents or [],
                          epilog=epilog(exit_codes, example),
                          formatter_class=HelpFormatter)
