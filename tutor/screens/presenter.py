"""The presenter mode's step screen: the real StepScreen, played by the demo at a human pace.

The demo types each planned command into the real command box, one visible keystroke at a time,
and submits it as Enter would: the real interpreter runs it and the step's real check decides.
Then it waits for the presenter. What to type comes from the core (tutor/core/lab/demo.py).

| key       | what it does                                                   |
| --------- | -------------------------------------------------------------- |
| Space, →  | next: the right command after a mistake, else the next step    |
| ←         | back one step (shown as it is, not played again)               |
| R         | replay this step's commands                                    |
| P         | pause or resume the typing                                     |
| Esc       | take over: type yourself; the demo resumes at the next step    |
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any, ClassVar

from textual.actions import SkipAction
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Input, Static

from tutor.core.events import Status
from tutor.core.i18n import N_, _
from tutor.core.lab.demo import DemoCommand, DemoCursor, DemoStep, Phase, keystroke_delays
from tutor.core.lab.session import SIGNS, short_title
from tutor.screens.messages import CheckFinished, CommandFinished, StepRequested
from tutor.screens.password_modal import PasswordModal
from tutor.screens.step_screen import StepScreen
from tutor.screens.verdict import advice, confirmed_later
from tutor.widgets.command_box import CommandBox

# Time for the audience to read a command's output before the next one is typed.
READ_PAUSE = 1.2


class PresenterStepScreen(StepScreen):
    """A StepScreen that the demo plays: visible typing, real runs, real checks, presenter's keys."""

    KEYS: ClassVar[list[Binding]] = [
        Binding("space,right", "demo_next", N_("Next")),
        Binding("left", "demo_back", N_("Back")),
        Binding("r", "demo_replay", N_("Replay")),
        Binding("p", "demo_pause", N_("Pause")),
        Binding("escape", "demo_take_over", N_("Take over"), priority=True),
        Binding("ctrl+c", "stop", N_("Stop"), priority=True, show=False),
        # The learner's keys still work, out of the presenter's way in the footer.
        *[replace(binding, show=False) for binding in StepScreen.KEYS if "escape" not in binding.key],
    ]

    # Nothing takes the focus by itself: a focused scroll area would eat ← and →.
    AUTO_FOCUS = None

    def __init__(self, lab: Any, index: int) -> None:
        super().__init__(lab, index)
        demo = self.demo
        self.cursor = DemoCursor(demo.plan[index])
        self.phase = Phase.STARTING
        self.paused = False
        self.typed = ""
        self.pending: list[float] = []
        self.current: DemoCommand | None = None
        self.timer: Timer | None = None
        self.last_failed = False

    @property
    def demo(self) -> Any:
        """The app's demo: plan, typing speed, autoplay, and whether this step is to be played."""
        return self.app.demo  # type: ignore[attr-defined]

    @property
    def plan(self) -> DemoStep:
        """What the demo types at this step."""
        return self.cursor.plan

    def on_mount(self) -> None:
        """The step as usual; the presenter line on top; then the demo plays (unless come back to)."""
        # No super() call: Textual runs StepScreen.on_mount right after this handler by itself.
        # While the demo plays, the command box cannot take the focus: the keys are the presenter's.
        self.query_one(CommandBox).can_focus = False
        self.query_one("#step-main").mount(Static(self._strip(), id="presenter-steps", markup=False),
                                           before="#lesson")
        self.add_class("-presenter")
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        self.set_focus(None)
        if self.demo.take_play(self.index):
            self._type_next()
        else:
            self._wait()

    def _strip(self) -> str:
        """The step list on one line: sign and number of each step, the title of the one on screen."""
        parts = [f"{SIGNS[self.lab.state(i)]}{i + 1}" + (f" {short_title(step)}" if i == self.index else "")
                 for i, step in enumerate(self.lab.steps)]
        return " ".join(parts)

    def _status(self, text: str) -> None:
        self.query_one("#presenter-steps", Static).update(self._strip() + "   │ " + text)

    # -- typing ---------------------------------------------------------------------------------
    def _type_next(self) -> None:
        """Type the plan's next command, or wait for the presenter when the plan is played."""
        command = self.cursor.next_command()
        if command is None:
            self._wait()
            return
        self.current, self.typed = command, ""
        self.pending = keystroke_delays(command.line, self.demo.typing_speed)
        self.phase = Phase.TYPING
        box = self.query_one(CommandBox)
        box.value = ""
        self._status(_("typing… P pauses"))
        self._schedule()

    def _schedule(self) -> None:
        if self.paused or self.phase is not Phase.TYPING:
            return
        delay = self.pending[len(self.typed)] if len(self.typed) < len(self.pending) else READ_PAUSE / 3
        self.timer = self.set_timer(delay, self._keystroke)

    def _keystroke(self) -> None:
        """One visible keystroke; after the last one, Enter."""
        if self.phase is not Phase.TYPING or self.paused or self.current is None:
            return
        box = self.query_one(CommandBox)
        line = self.current.line
        if len(self.typed) < len(line):
            self.typed = line[: len(self.typed) + 1]
            box.value = self.typed
            box.cursor_position = len(self.typed)
            self._schedule()
            return
        self.phase = Phase.RUNNING
        self._status(_("running…"))
        box.post_message(Input.Submitted(box, box.value))  # what Enter sends

    # -- after each command ------------------------------------------------------------------
    def on_command_finished(self, message: CommandFinished) -> None:
        """Remember whether the command failed; the screen then checks the step as always."""
        message.prevent_default()  # the base handler runs here, before ours, and only once
        self.last_failed = message.failed
        super().on_command_finished(message)

    def on_check_finished(self, message: CheckFinished) -> None:
        """The real check decided: go on with the plan, stop at a surprise, or wait for the presenter."""
        message.prevent_default()  # the base handler runs here, before ours, and only once
        super().on_check_finished(message)
        if message.result.step != self.step.check or self.outdated(message):
            return
        self.query_one("#presenter-steps", Static).update(self._strip())
        if self.phase is not Phase.RUNNING or self.running:
            if self.phase is Phase.WAITING:
                self._wait()
            return
        command = self.current
        if command is not None and command.mistake:
            self.phase = Phase.WAITING
            self._show_diagnosis()
            self._status(_("✗ on purpose · Space: the right command"))
            return
        if self.last_failed and message.result.status is not Status.DONE:
            self._wait()  # an unplanned failure: the presenter decides (R replays, Esc takes over)
            return
        self.timer = self.set_timer(READ_PAUSE, self._type_next)

    def _show_diagnosis(self) -> None:
        """The explainer's diagnosis of the wrong attempt in the verdict, even where the step holds."""
        if self.failure is None:
            return
        lines = [f"✗ {self.failure.what}", *advice(self.failure, self.step.id, self._step_names())]
        verdict = self.query_one("#verdict", Static)
        verdict.update("\n".join(lines))
        verdict.set_class(False, "-done")
        verdict.set_class(True, "-todo")

    def _wait(self) -> None:
        """The step is played: say which keys do what; autoplay moves on by itself."""
        self.phase = Phase.WAITING
        result = self.lab.results.get(self.step.check)
        done = self.lab.state(self.index).value in ("done", "skipped") or (
            result is not None and confirmed_later(result, self.step))  # a login later proves the account
        self._status(_("✓ Space: next step") if done
                     else _("not done · R: again, Esc: type yourself"))
        if done and self.cursor.finished and self.demo.autoplay:
            self.timer = self.set_timer(self.demo.autoplay, self.action_demo_next)

    # -- the presenter's keys -------------------------------------------------------------------
    def _busy(self) -> bool:
        if self.phase in (Phase.STARTING, Phase.TYPING, Phase.RUNNING) or self.running or self.checking:
            self.notify(_("The demo is still playing this step; P pauses the typing, Esc takes over."))
            return True
        return False

    def action_demo_next(self) -> None:
        """Space or →: after a mistake the right command, else the next step (once this one is done)."""
        if self.phase is Phase.TAKEN_OVER:
            self.action_next()
            return
        if self._busy():
            return
        if not self.cursor.finished:
            self._type_next()
            return
        self.action_next()

    def action_demo_back(self) -> None:
        """←: the previous step, shown as it is."""
        if self._busy() or self.index == 0:
            return
        self._cancel_timer()
        self.post_message(StepRequested(self.index - 1))

    def action_demo_replay(self) -> None:
        """R: type this step's commands again (each one is safe to repeat)."""
        if self._busy():
            return
        self.cursor.replay()
        self._type_next()

    def action_demo_pause(self) -> None:
        """P: hold the typing, and go on from the same keystroke."""
        if self.phase is not Phase.TYPING:
            return
        self.paused = not self.paused
        if self.paused:
            self._cancel_timer()
            self._status(_("paused · P: go on"))
        else:
            self._status(_("typing… P pauses"))
            self._schedule()

    def action_demo_take_over(self) -> None:
        """Esc: stop the demo's typing (and a running command); the keyboard is the presenter's."""
        if self.phase is Phase.TAKEN_OVER:
            with contextlib.suppress(SkipAction):  # nothing runs: Esc has nothing more to do
                self.action_stop()
            return
        self._cancel_timer()
        if self.stoppable:
            self.action_stop()
        self.phase = Phase.TAKEN_OVER
        box = self.query_one(CommandBox)
        box.can_focus = True
        box.focus()
        box.cursor_position = len(box.value)
        self._status(_("your keyboard · Ctrl+N: next step"))

    def action_next(self) -> None:
        """The learner's Ctrl+N also hands the next step back to the demo."""
        self.demo.play_from(self.index + 1)
        super().action_next()

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None


class FilledPasswordModal(PasswordModal):
    """The masked prompt, filled in by the demo keystroke by keystroke; the secret stays masked."""

    def __init__(self, prompt: str, secret: str, speed: float) -> None:
        super().__init__(prompt)
        self._secret = secret
        self._delays = keystroke_delays(secret, speed)
        self._typed = 0

    def on_mount(self) -> None:
        """Start typing once the dialog is drawn."""
        self.set_focus(None)
        self.call_after_refresh(self._keystroke)

    def _keystroke(self) -> None:
        field = self.query_one("#password-input", Input)
        if self._typed < len(self._secret):
            self._typed += 1
            field.value = self._secret[: self._typed]
            delay = self._delays[self._typed] if self._typed < len(self._delays) else READ_PAUSE / 3
            self.set_timer(delay, self._keystroke)
            return
        self.dismiss(field.value)
