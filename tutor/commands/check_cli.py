"""`registry-tutor check`: every step's check without the screen, as a table or JSON.

Exit codes: 0 every step is done, 1 some are not, 2 the engine or the registry cannot be reached
(or the options are wrong); the message then says what to do, never a traceback.

Each step is settled against the learner's progress by the rule the tutor uses (verdicts.py), and
the progress is saved, so the tutor and `check` never disagree on a step.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tutor.commands import command_parser, target_parent
from tutor.core.events import CheckResult, Status
from tutor.core.lab.resolve import Accounts, TargetError, resolve_target
from tutor.core.target import Target

if TYPE_CHECKING:
    from tutor.core.engine.gateway import Engine

UNREACHABLE = frozenset({"engine_down", "registry_down", "no_such_host", "tls_unknown_ca", "http_registry"})
_MARKS = {Status.DONE: "[x] done", Status.TODO: "[ ] todo", Status.UNKNOWN: "[?] unknown"}


def add_parser(sub: Any) -> None:
    """Register `check`."""
    check = command_parser(
        sub, "check", parents=[target_parent()], help="run every step's check without the screen",
        exit_codes="0 every step is done, 1 some are not, 2 the engine or the registry cannot be "
                   "reached or the options are wrong.",
        example="registry-tutor check --registry practice --user alice --json")
    check.add_argument("--json", action="store_true", help="print JSON instead of a table")


class CheckFailed(Exception):
    """The checks cannot run; the message says why and what to do."""


def make_target(args: argparse.Namespace) -> tuple[Target, Accounts | None]:
    """The lab's target from --registry/--user/--image (the practice registry must be running)."""
    if not args.registry or not args.user:
        raise CheckFailed("Say which lab to check: registry-tutor check --registry REGISTRY --user USER")
    try:
        return resolve_target(args.registry, args.user, args.image, when_stopped="refuse")
    except TargetError as error:
        raise CheckFailed(str(error)) from error


def check(args: argparse.Namespace) -> list[CheckResult]:
    """Connect, run every check and return the results; CheckFailed when nothing can run."""
    # The engine and the checks load when the check runs, not when the parser is built.
    from tutor.core.engine import probe

    probe.start(args.engine or "auto")  # the engine answers while the docker SDK loads
    from tutor.core.engine.gateway import Engine

    target, practice = make_target(args)
    # While the engine answers (its /version), the checks' modules load.
    connecting = _Connecting(lambda: Engine.connect(args.engine or "auto"))
    from tutor.core.engine.credentials import CredentialsError, CredentialStore
    from tutor.core.lab.checks import LabContext
    from tutor.core.lab.progress import ProgressError, ProgressKey, ProgressStore
    from tutor.core.lab.verdicts import check_lab
    from tutor.core.lessons.model import DEFAULT_LESSON

    engine = connecting.engine()
    if engine.notice:
        print(engine.notice, file=sys.stderr)
    try:
        ctx = LabContext(engine, target, CredentialStore(engine.kind), practice, lang=args.lang or "en")
        lesson_id = getattr(args, "lesson", None) or DEFAULT_LESSON
        steps = lesson_steps(lesson_id)
        store = ProgressStore()
        progress = store.load(ProgressKey(target.registry, target.user, lesson_id))
        verdicts = check_lab(progress, ctx, steps)
    except CredentialsError as error:
        raise CheckFailed(str(error)) from error
    finally:
        engine.close()
    progress.remember_choice({"registry": args.registry, "user": args.user, "image": args.image or "",
                              "engine": args.engine or "", "lang": args.lang or ""})
    try:
        store.save(progress)
    except ProgressError as error:
        print(str(error), file=sys.stderr)
    for notice in store.notices:
        print(notice, file=sys.stderr)
    return [verdict.reported for verdict in verdicts]


class _Connecting:
    """Engine.connect in a thread of its own; engine() waits for it (CheckFailed when none answers)."""

    def __init__(self, connect: Callable[[], Engine]) -> None:
        self._connect = connect
        self._answer: Engine | BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="check-connect", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._answer = self._connect()
        except BaseException as error:  # handed to the caller's thread by engine()
            self._answer = error

    def engine(self) -> Engine:
        from tutor.core.engine.gateway import EngineUnavailable

        self._thread.join()
        answer = self._answer
        if isinstance(answer, EngineUnavailable):
            raise CheckFailed(str(answer)) from answer
        if isinstance(answer, BaseException):
            raise answer
        assert answer is not None
        return answer


def lesson_steps(lesson_id: str | None) -> tuple[Any, ...]:
    """The steps of the lab to check (push-to-registry unless --lesson names another)."""
    from tutor.core.lessons.model import DEFAULT_LESSON, LessonError, load_metadata

    try:
        return load_metadata(lesson_id or DEFAULT_LESSON).steps  # ids and checks: no prose to parse
    except (LessonError, FileNotFoundError) as error:
        raise CheckFailed(str(error)) from error


def exit_code(results: list[CheckResult]) -> int:
    """0 all done, 2 when the engine or registry could not be reached, else 1."""
    if any(r.explanation is not None and r.explanation.key in UNREACHABLE for r in results):
        return 2
    return 0 if all(r.status is Status.DONE for r in results) else 1


def as_json(results: list[CheckResult]) -> str:
    """The JSON graders read: {"steps": [{"id", "status", "detail", "hint"}]} (id: the lesson's step id)."""
    steps = [{"id": r.step, "status": r.status.value, "detail": r.detail, "hint": r.hint} for r in results]
    return json.dumps({"steps": steps}, indent=2)


def as_table(results: list[CheckResult]) -> str:
    """A plain table that reads at 80 columns; the status has a word, not only a colour."""
    from tutor.core.shell.actions import format_table

    rows = [("STEP", "STATUS", "DETAIL")]
    rows += [(r.step, _MARKS[r.status], r.detail) for r in results]
    lines = format_table(rows)
    lines += [f"  {r.step}: {r.hint}" for r in results if r.hint and r.status is not Status.DONE]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run `registry-tutor check` and return its exit code."""
    try:
        results = check(args)
    except CheckFailed as error:
        _print_failure(str(error), args)
        return 2
    print(as_json(results) if args.json else as_table(results))
    code = exit_code(results)
    if code == 2 and not args.json:
        print("\nThe engine or the registry could not be reached; see the hints above.", file=sys.stderr)
    return code


def _print_failure(message: str, args: argparse.Namespace) -> None:
    from tutor.core.explainer import explain

    kind = args.engine if args.engine in ("docker", "podman") else "docker"
    explained = explain(message, None, kind, args.lang or "en")
    print(message, file=sys.stderr)
    if explained is not None and explained.fix and explained.fix not in message:
        print(f"Try: {explained.fix}", file=sys.stderr)
