"""`registry-tutor demo`: the presenter mode, the tutor playing the lab itself in front of a room.

Exit codes: 0 done, 1 the demo could not log in, 2 wrong options.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tutor.commands import command_parser, target_parent
from tutor.core.i18n import _, set_language
from tutor.core.lab.demo import DEFAULT_TYPING_SPEED, DEMO_USER, Demo
from tutor.core.records import replace
from tutor.core.target import PRACTICE

BAD_OPTIONS = 2


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register `demo` (it takes the target options: --registry, --user, --engine, --lang, ...)."""
    demo = command_parser(
        sub, "demo", parents=[target_parent()],
        help="presenter mode: the tutor plays the lab itself, step by step",
        description="The tutor types each step's command at a human pace, runs it for real and waits: "
                    "Space or Right next, Left back, R replay, P pause typing, Esc take over. On the "
                    f"practice registry it uses its own account, {DEMO_USER}, with a new random password "
                    "that is never shown; on another registry it asks for the password once.",
        exit_codes="0 done, 1 the demo could not log in, 2 wrong options.",
        example="registry-tutor demo --registry practice --lang de --show-mistakes")
    demo.add_argument("--typing-speed", type=float, default=DEFAULT_TYPING_SPEED, metavar="CPS",
                      help=f"characters per second (default {DEFAULT_TYPING_SPEED:g})")
    demo.add_argument("--autoplay", type=float, default=None, metavar="SECONDS",
                      help="move on by itself this many seconds after a step is done")
    demo.add_argument("--show-mistakes", action="store_true",
                      help="first play a typical wrong command where the lesson lists one")
    return demo


def _problem(args: argparse.Namespace) -> str | None:
    if args.typing_speed <= 0:
        return _("--typing-speed must be above 0 characters per second, such as 12.")
    if args.autoplay is not None and args.autoplay <= 0:
        return _("--autoplay must be a number of seconds above 0, such as 5.")
    from tutor.core.lessons.model import DEFAULT_LESSON

    lesson = getattr(args, "lesson", None)
    if lesson and lesson != DEFAULT_LESSON and _starts_later(lesson):
        return _("The demo plays a lab from its very start; {lesson} starts where {first} ends (an "
                 "image pushed, a login), which a fresh demo account does not have. Play {first} with "
                 "registry-tutor demo, then show {lesson} with registry-tutor --lesson {lesson}.").format(
                     lesson=lesson, first=DEFAULT_LESSON)
    if args.registry not in (None, PRACTICE) and not args.user:
        return _("On {registry} the demo needs your account: add --user NAME (the password is asked "
                 "once, masked).").format(registry=args.registry)
    return None


def _starts_later(lesson: str) -> bool:
    """True when LESSON needs what an earlier lab leaves behind (its lesson.toml has [prepare])."""
    from tutor.core.lessons.model import LessonError, load_metadata

    try:
        return any(load_metadata(lesson).prepare.values())
    except (LessonError, OSError):
        return False  # an unknown lesson is reported by the tutor's own option check


def run(args: argparse.Namespace) -> int:
    """Start the presenter mode; returns the process exit code."""
    from tutor.app import options_from_args

    options = options_from_args(args)
    set_language(options.lang or "en")
    problem = _problem(args)
    if problem is not None:
        print(problem, file=sys.stderr)
        return BAD_OPTIONS
    if options.registry in (None, PRACTICE):
        options = replace(options, registry=None, user=options.user or DEMO_USER)
    from tutor.presenter_app import PresenterApp

    demo = Demo(typing_speed=args.typing_speed, autoplay=args.autoplay, show_mistakes=args.show_mistakes)
    return PresenterApp(options, demo).run() or 0
