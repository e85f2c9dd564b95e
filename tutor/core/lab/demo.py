"""The presenter mode's plan: what the demo types at each step, how fast, and what it cleans first.

No Textual here: the UI (tutor/screens/presenter.py) types the plan's commands into the real
command box and the real interpreter runs them; this module only decides what and when. A demo
works under an account of its own (on the practice registry `tutor-demo`, with a new random
password every run, never shown), so cleaning up before a run touches only what the last demo
created, through the same reset a learner uses.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from tutor.core.lessons.model import Step, fill, lesson_values
from tutor.core.records import field, record
from tutor.core.target import Target

if TYPE_CHECKING:  # `registry-tutor --help` reads this module's defaults without the engine's code
    from tutor.core.lab.progress import LessonProgress, ProgressStore
    from tutor.core.lab.reset import ResetResult

DEMO_USER = "tutor-demo"
DEFAULT_TYPING_SPEED = 12.0  # characters per second: a calm typist, readable from the back row
# A typist pauses a little longer after a word or an option than inside one.
_PAUSE_AFTER = {" ": 2.0, "/": 1.4, ":": 1.4, "-": 1.2, "=": 1.2}


@record
class DemoCommand:
    """One command line the demo types; `mistake` names the explainer key of a planned wrong attempt."""

    line: str
    mistake: str | None = None


@record
class DemoStep:
    """What the demo plays at one step of the lesson, in order."""

    index: int
    step_id: str
    commands: tuple[DemoCommand, ...]

    @property
    def has_mistake(self) -> bool:
        """True when the step starts with a wrong attempt on purpose."""
        return any(command.mistake for command in self.commands)


def runnable_commands(step: Step, engine_kind: str) -> tuple[str, ...]:
    """The step's solution as the command box runs it; the step's shown commands when the solution
    is for the learner's own terminal only (such as building the image)."""
    for source in (step.solution, step.commands):
        commands = tuple(line for line in source.get(engine_kind, ()) if line not in step.terminal_only)
        if commands:
            return commands
    return ()


def first_mistake(step: Step, engine_kind: str) -> tuple[str, str] | None:
    """The first wrong attempt the lesson lists for this engine: (command, explainer key)."""
    for attempt in step.wrong_attempts:
        if attempt.command.split(maxsplit=1)[0] == engine_kind:
            return attempt.command, attempt.expect
    return None


def plan_step(index: int, step: Step, values: dict[str, str], engine_kind: str,
              show_mistakes: bool = False) -> DemoStep:
    """The commands for one step, filled with the demo's names (a wrong attempt first if asked)."""
    commands = [DemoCommand(fill(line, values)) for line in runnable_commands(step, engine_kind)]
    mistake = first_mistake(step, engine_kind) if show_mistakes else None
    if mistake is not None:
        commands.insert(0, DemoCommand(fill(mistake[0], values), mistake=mistake[1]))
    return DemoStep(index, step.id, tuple(commands))


def plan_demo(steps: Sequence[Step], target: Target, engine_kind: str,
              show_mistakes: bool = False) -> list[DemoStep]:
    """Every step's plan for this target and engine."""
    values = lesson_values(target, engine_kind)
    return [plan_step(i, step, values, engine_kind, show_mistakes) for i, step in enumerate(steps)]


def keystroke_delays(line: str, speed: float = DEFAULT_TYPING_SPEED) -> list[float]:
    """Seconds to wait before each character of LINE at SPEED characters per second.

    The rhythm is fixed (no randomness), so every rehearsal looks the same: a small pause at word
    boundaries and separators, none inside a word.
    """
    if speed <= 0:
        raise ValueError("the typing speed must be above 0 characters per second")
    base = 1.0 / speed
    delays, previous = [], ""
    for char in line:
        delays.append(base * _PAUSE_AFTER.get(previous, 1.0))
        previous = char
    return delays


def new_demo_password() -> str:
    """A fresh random password for the demo account: in memory and the login's store only."""
    return "demo-" + secrets.token_urlsafe(18)


class Phase(Enum):
    """Where the demo stands at the step on screen."""

    STARTING = "starting"  # the step is being drawn and checked for the first time
    TYPING = "typing"      # keystrokes go into the command box
    RUNNING = "running"    # the command runs and the step's check follows
    WAITING = "waiting"    # the step is played: the presenter decides what comes next
    TAKEN_OVER = "taken over"  # the presenter types; the demo resumes at the next step


@record(frozen=False)
class DemoCursor:
    """Which command of the step's plan comes next; replay starts the step's plan again."""

    plan: DemoStep
    position: int = 0

    def next_command(self) -> DemoCommand | None:
        """The command to type now, or None when the step's plan is played."""
        if self.position >= len(self.plan.commands):
            return None
        command = self.plan.commands[self.position]
        self.position += 1
        return command

    def replay(self) -> None:
        """Start the step's commands again from the first."""
        self.position = 0

    @property
    def finished(self) -> bool:
        """True when every command of the step was typed."""
        return self.position >= len(self.plan.commands)


def clean_last_demo(engine: Any, target: Target, credentials: Any, store: ProgressStore,
                    lesson_id: str) -> tuple[LessonProgress, list[ResetResult]]:
    """Undo what the last demo under TARGET recorded (its tags, login, pushed image, progress).

    Only the demo account's own progress entry is read, so a learner's lab on the same machine is
    never touched. Returns the fresh progress entry and what was undone.
    """
    from tutor.core.lab.progress import ProgressKey
    from tutor.core.lab.reset import apply_reset, plan_reset

    progress = store.load(ProgressKey(target.registry, target.user, lesson_id))
    plan = plan_reset(engine, target, credentials, progress)
    results = apply_reset(plan, engine, target, credentials, store) if not plan.is_empty else []
    return store.load(ProgressKey(target.registry, target.user, lesson_id)), results


@record(frozen=False)
class Demo:
    """One presenter session: how to play, the plan once the lab is ready, which step plays next."""

    typing_speed: float = DEFAULT_TYPING_SPEED
    autoplay: float | None = None
    show_mistakes: bool = False
    plan: list[DemoStep] = field(default_factory=list)
    _play_next: int | None = None

    def play_from(self, index: int) -> None:
        """The step at INDEX is to be played when it is shown next (moving on, or the first step)."""
        self._play_next = index

    def take_play(self, index: int) -> bool:
        """True once for the step that is to be played; a step come back to is only shown."""
        play, self._play_next = self._play_next == index, None
        return play


def recreate_account(practice: Any, user: str, password: str) -> None:
    """The demo account on the practice registry, anew with this run's password."""
    if practice.has_user(user):
        remove = getattr(practice, "remove_user", None)  # the practice registry refuses to overwrite
        if remove is not None:
            remove(user)
    practice.add_user(user, password)
