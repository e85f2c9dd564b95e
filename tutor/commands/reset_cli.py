"""`registry-tutor reset`: show what the lab created, ask, then undo exactly that.

Exit codes: 0 everything undone (or nothing to undo), 1 declined or something could not be
undone, 2 the command cannot run (bad names, no answer to the question without --yes).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Literal

from tutor.commands import command_parser, target_parent
from tutor.core.lab.progress import LessonProgress, ProgressStore
from tutor.core.lab.resolve import TargetError, resolve_target
from tutor.core.target import Target

# The engine and the reset plan load when a reset runs, not when the parser is built.
if TYPE_CHECKING:
    from tutor.core.engine.gateway import Engine
    from tutor.core.lab.reset import ResetPlan

OK, FAILED, UNUSABLE = 0, 1, 2
_EXIT_CODES = ("0 everything undone (or nothing to undo), 1 declined or something could not be undone, "
               "2 the command cannot run (bad names, no answer to the question without --yes).")


def add_parser(sub: Any) -> None:
    """Register `reset`."""
    example = "registry-tutor reset --registry practice --user alice --yes"
    reset = command_parser(sub, "reset", help="undo what the lab created (asks first)",
                           parents=[target_parent()], exit_codes=_EXIT_CODES, example=example)
    reset.add_argument("--yes", action="store_true", help="do not ask before undoing")


def run(args: argparse.Namespace) -> int:
    """Plan the reset for one registry and account, confirm, apply, and print the results."""
    if not args.user or not args.registry:
        return _fail("say whose lab to reset: registry-tutor reset --registry REGISTRY --user NAME")
    try:
        target = _target(args)
    except TargetError as error:
        return _fail(str(error))
    store = ProgressStore()
    lesson = getattr(args, "lesson", None)  # one lab's progress with --lesson, else every lab's
    progresses = [store.load(key) for key in store.saved_keys()
                  if key.registry == target.registry and key.user == target.user
                  and lesson in (None, key.lesson)]
    for notice in store.notices:
        print(notice, file=sys.stderr)
    if not progresses:
        print(f"Nothing to reset: the tutor has no record of {target.user} at {target.registry}.")
        return OK
    engine = _engine(args)
    try:
        return _reset(args, target, engine, store, progresses)
    finally:
        if engine is not None:
            engine.close()


def _reset(args: argparse.Namespace, target: Target, engine: Engine | None, store: ProgressStore,
           progresses: list[LessonProgress]) -> int:
    from tutor.core.engine.credentials import CredentialStore
    from tutor.core.lab.reset import apply_reset, plan_reset

    credentials = CredentialStore(engine.kind if engine else _flavour(args))
    plans = [plan_reset(engine, target, credentials, progress) for progress in progresses]
    _print_plans(plans)
    if all(plan.is_empty for plan in plans):
        print("Nothing to undo.")
        return OK
    answer = _confirmed(args)
    if answer is not True:
        return answer
    ok = True
    for plan in plans:
        for result in apply_reset(plan, engine, target, credentials, store):
            print(f"{'✓ done' if result.ok else '✗ not done'}: {result.message}")
            ok = ok and result.ok
    return OK if ok else FAILED


def _target(args: argparse.Namespace) -> Target:
    # A stopped practice registry still has local tags and logins to undo: its last address names them.
    target, _accounts = resolve_target(args.registry, args.user, args.image, when_stopped="last-address")
    return target


def _engine(args: argparse.Namespace) -> Engine | None:
    from tutor.core.engine.gateway import Engine, EngineUnavailable

    try:
        return Engine.connect(args.engine or "auto")
    except EngineUnavailable as error:
        print(f"{error}\nLocal tags are left alone until an engine answers.", file=sys.stderr)
        return None


def _flavour(args: argparse.Namespace) -> Literal["docker", "podman"]:
    return "podman" if args.engine == "podman" else "docker"


def _print_plans(plans: list[ResetPlan]) -> None:
    for plan in plans:
        print(f"Reset of {plan.progress.key}:")
        for line in plan.lines() or ["  (nothing the lab created is left)"]:
            print(line)


def _confirmed(args: argparse.Namespace) -> Literal[True] | int:
    if args.yes:
        return True
    if sys.stdin is None or not sys.stdin.isatty():
        return _fail("there is no terminal to ask for confirmation; "
                     "run it again with --yes to undo the items above without asking")
    try:
        reply = input("Undo these? [y/N] ")
    except EOFError:
        reply = ""
    if reply.strip().lower() in ("y", "yes", "j", "ja"):
        return True
    print("Nothing was changed.")
    return FAILED


def _fail(message: str) -> int:
    print(f"registry-tutor reset: {message}", file=sys.stderr)
    return UNUSABLE
