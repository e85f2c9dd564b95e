"""`registry-tutor practice ...`: run and look after the offline practice registry.

Exit codes: 0 done, 1 refused or failed, 2 the practice registry cannot be reached.
"""

from __future__ import annotations

import argparse
import getpass
import json
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.commands import command_parser
from tutor.core.records import asdict

# The core's practice modules load only when an action runs, so `registry-tutor` starts fast.
if TYPE_CHECKING:
    from tutor.core.registry.practice import PracticeRegistry, PracticeStatus

OK, FAILED, UNREACHABLE = 0, 1, 2


_EXIT_CODES = "0 done, 1 refused or failed, 2 the practice registry cannot be reached."
_ACTION_HELP = {  # action: (help, example)
    "start": ("start the practice registry in the background", "registry-tutor practice start --port 5000"),
    "stop": ("stop it", "registry-tutor practice stop"),
    "status": ("show address, accounts, repositories", "registry-tutor practice status"),
    "users": ("list the accounts", "registry-tutor practice users"),
    "add-user": ("create an account", "registry-tutor practice add-user alice --generate"),
    "remove-user": ("delete an account", "registry-tutor practice remove-user alice"),
    "reset": ("delete what the lab pushed", "registry-tutor practice reset --user alice --yes"),
    "board": ("a live table of every account's progress", "registry-tutor practice board --json"),
    "seed": ("copy local images (e.g. python:3.12-slim) into the practice registry",
             "registry-tutor practice seed python:3.12-slim python-hello-world"),
}


def add_parser(sub: Any) -> None:
    """Register `practice` and its actions."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", help="where it keeps images and accounts "
                                       "(default: your user data dir, practice-registry)")
    practice = command_parser(
        sub, "practice", help="run the offline practice registry",
        description="Run a real registry on this machine for the lab: offline, with its own accounts. "
                    "Status, board and reset read the registry through a hidden account, tutor-admin, "
                    "whose password is kept (mode 0600) in the data dir's admin-password file.",
        exit_codes=_EXIT_CODES, example="registry-tutor practice start")
    actions = practice.add_subparsers(dest="action", metavar="ACTION", required=True)
    parsers = {name: command_parser(actions, name, parents=[common], help=text, exit_codes=_EXIT_CODES,
                                    example=example)
               for name, (text, example) in _ACTION_HELP.items()}
    start = parsers["start"]
    start.add_argument("--port", type=int, default=None,
                       help="TCP port (default: the last one used, else 5000, else any free port)")
    start.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; any other needs --tls)")
    start.add_argument("--tls", action="store_true",
                       help="serve HTTPS with a certificate from the tutor's own small CA")
    start.add_argument("--web-port", type=int, default=None,
                       help="TCP port of the web pages (default: the last one, else the registry's + 1)")
    add_user = parsers["add-user"]
    add_user.add_argument("name")
    secret = add_user.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    secret.add_argument("--generate", action="store_true", help="make up a password and print it")
    parsers["remove-user"].add_argument("name")
    parsers["reset"].add_argument("--user", help="only this account's images")
    parsers["reset"].add_argument("--yes", action="store_true", help="do not ask before deleting")
    parsers["board"].add_argument("--json", action="store_true", help="print the board once as JSON")
    seed = parsers["seed"]
    seed.add_argument("images", nargs="+", metavar="IMAGE", help="a local image, e.g. python:3.12-slim")
    seed.add_argument("--engine", choices=["auto", "docker", "podman"], default="auto",
                      help="where the images are (default: the engine the tutor finds)")


def run(args: argparse.Namespace) -> int:
    """Carry out one practice action."""
    from tutor.core.registry.api import RegistryError
    from tutor.core.registry.practice import PracticeError, PracticeRegistry, PracticeUnreachable

    registry = PracticeRegistry(Path(args.data).expanduser() if args.data else None)
    action = _ACTIONS[args.action]
    try:
        return action(registry, args)
    except PracticeUnreachable as error:
        return _fail(str(error), UNREACHABLE)
    except PracticeError as error:
        return _fail(str(error), FAILED)
    except RegistryError as error:
        return _fail(f"the practice registry answered with an error: {error}", UNREACHABLE)


def _fail(message: str, code: int) -> int:
    print(f"registry-tutor practice: {message}", file=sys.stderr)
    return code


# -- actions ---------------------------------------------------------------------------------
def _start(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    from tutor.core.i18n import detect_language
    from tutor.core.registry.practice import DEFAULT_PORT

    before, wanted = registry.status(), registry.last_port() or DEFAULT_PORT
    status = registry.start(host=args.host, port=args.port, tls=args.tls, web_port=args.web_port,
                            lang=detect_language(getattr(args, "lang", None)))
    if before.running:
        print(f"The practice registry is already running at {status.address} ({status.runner}).")
        if (args.port not in (None, status.port)) or args.host != status.host or args.tls != status.tls:
            print("It keeps its address: stop it first to change --host, --port or --tls.")
    else:
        if before.stale:
            print(f"The previous registry ({before.runner}) had died; started a new one.")
        print(f"Practice registry running at {status.address} ({status.runner}).")
        if args.port is None and status.port != wanted:
            print(f"Port {wanted} was taken, so it uses port {status.port}.")
    if status.web_url:
        print(f"Web pages: {status.web_url}/ (class board: {status.web_url}/board)")
    _print_next_steps(registry, status)
    return OK


def _print_next_steps(registry: PracticeRegistry, status: PracticeStatus) -> None:
    from tutor.core.registry.tls import trust_commands
    from tutor.core.target import is_loopback

    if not registry.users():
        print("No accounts yet: registry-tutor practice add-user NAME")
    if not (status.tls and status.ca_file and status.address):
        return
    if status.host and is_loopback(status.host):
        print(f"It serves HTTPS with the tutor's own CA: {status.ca_file}")
        return
    print(f"Give each student the CA certificate {status.ca_file}; with it in the current folder,")
    print("each student runs once (the Docker line, the Podman line, or both):")
    for line in trust_commands(status.address, Path(status.ca_file).name):
        print(f"  {line}")


def _stop(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    before = registry.status()
    if registry.stop():
        print(f"Stopped the practice registry at {before.address}.")
    elif before.stale:
        print(f"The practice registry ({before.runner}) had already died; cleared its state.")
    else:
        print("The practice registry is not running.")
    return OK


def _status(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    status = registry.status()
    if status.running:
        print(f"Practice registry: running at {status.address} ({status.runner}"
              f"{', TLS' if status.tls else ''})")
    elif status.stale:
        print(f"Practice registry: NOT RUNNING - it died ({status.runner} is gone).")
        print("Start it again with: registry-tutor practice start")
    else:
        print("Practice registry: stopped. Start it with: registry-tutor practice start")
    if status.web_url and (status.running or status.web_running):
        state = "running" if status.web_running else "NOT RUNNING (start again to restart it)"
        print(f"  web pages:    {status.web_url}/ ({state}; class board: {status.web_url}/board)")
    print(f"  data:         {status.data_dir}")
    print(f"  storage:      {status.storage_bytes / 1e6:.1f} MB")
    print(f"  accounts:     {len(status.users)}" + (f" ({', '.join(status.users)})" if status.users else ""))
    if status.running:
        shown = ", ".join(status.repositories[:5]) + (", ..." if len(status.repositories) > 5 else "")
        print(f"  repositories: {len(status.repositories)}" + (f" ({shown})" if shown else ""))
    return OK if status.running else (UNREACHABLE if status.stale else FAILED)


def _users(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    names = registry.users()
    for name in names:
        print(name)
    if not names:
        print("No accounts yet: registry-tutor practice add-user NAME", file=sys.stderr)
    return OK


def _read_password(args: argparse.Namespace) -> str:
    from tutor.core.registry.practice import PracticeError

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if args.generate:
        return secrets.token_urlsafe(12)
    if not sys.stdin.isatty():
        raise PracticeError("no terminal to ask for a password: use --password-stdin or --generate")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Type it again: ") != first:
        raise PracticeError("the two passwords differ; nothing was created, try again")
    return first


def _add_user(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    password = _read_password(args)
    registry.add_user(args.name, password)
    status = registry.status()
    where = status.address or "the practice registry"
    print(f"Account '{args.name}' created on {where}.")
    if args.generate:
        print(f"Password: {password}")
    if status.running:
        print(f"Log in with: docker login {status.address} -u {args.name}")
    else:
        print("Start the registry to use it: registry-tutor practice start")
    return OK


def _remove_user(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    registry.remove_user(args.name)
    print(f"Account '{args.name}' removed (its images stay until: registry-tutor practice reset "
          f"--user {args.name}).")
    return OK


def _confirm(refs: list[str]) -> bool:
    from tutor.core.registry.practice import PracticeError

    print(f"This deletes {len(refs)} image tag(s) from the practice registry:")
    for ref in refs[:20]:
        print(f"  {ref}")
    if len(refs) > 20:
        print(f"  ... and {len(refs) - 20} more")
    if not sys.stdin.isatty():
        raise PracticeError("no terminal to ask for confirmation; add --yes to delete without asking")
    return input("Delete them? [y/N] ").strip().lower() in ("y", "yes")


def _reset(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    refs = registry.pushed(args.user)
    if not refs:
        print("Nothing to delete: no images pushed" + (f" by {args.user}." if args.user else "."))
        return OK
    if not args.yes and not _confirm(refs):
        print("Nothing deleted.")
        return FAILED
    deleted = registry.reset(args.user)
    print(f"Deleted {len(deleted)} image tag(s); the accounts stay.")
    return OK


def _board(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    from tutor.commands.board_text import plain_board

    if args.json or not sys.stdout.isatty():
        status = registry.status()
        images = [asdict(row) for row in registry.board()]
        rows = registry.class_board()
        if args.json:
            print(json.dumps({"address": status.address, "web_url": status.web_url, "images": images,
                              "rows": [{**asdict(row), "current_step": row.current_step, "since": row.since}
                                       for row in rows]}, indent=2))
        else:
            print(plain_board(rows))
        return OK
    from tutor.commands.board import run_board

    return run_board(registry)


def _seed(registry: PracticeRegistry, args: argparse.Namespace) -> int:
    from tutor.core.engine.gateway import Engine, EngineUnavailable
    from tutor.core.registry.practice_seed import SeedFailed, seed

    status = registry.status()
    if not status.running or not status.address:
        return _fail("the practice registry is not running; start it with: registry-tutor practice start",
                     UNREACHABLE)
    try:
        engine = Engine.connect(args.engine)
    except EngineUnavailable as error:
        return _fail(str(error), FAILED)
    try:
        user, password = registry.seed_account()
        seeded = seed(engine, status.address, list(args.images), user, password)
    except SeedFailed as error:
        return _fail(str(error), FAILED)
    finally:
        engine.close()
    for item in seeded:
        print(f"Copied {item.source} to {item.remote}" + (f" ({item.digest})" if item.digest else ""))
    print("Students pull it with: docker pull " + seeded[0].remote)
    return OK


_ACTIONS = {"start": _start, "stop": _stop, "status": _status, "users": _users, "add-user": _add_user,
            "remove-user": _remove_user, "reset": _reset, "board": _board, "seed": _seed}
