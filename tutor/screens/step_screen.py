"""One data-driven screen for every step: lesson text, command box, live output and the step's check.

Longer than 400 lines on purpose: Textual's workers are methods of the screen that owns their
results, so the command, check, re-check and offer workers (build, list images, add account) live
here with the handlers of the messages they post. The widgets (StepList, Offers, CommandBox,
OutputLog, PushProgress) hold their own look and messages; step_actions.py holds the offers' table.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.actions import SkipAction
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key
from textual.message import Message
from textual.reactive import var
from textual.widgets import Header, Markdown, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tutor.core import events
from tutor.core.events import CheckResult, Status
from tutor.core.i18n import N_, _
from tutor.core.lab.session import FINISHED, SIGNS, Lab, StepState, short_title, state_word
from tutor.core.lessons.model import fill
from tutor.core.records import replace
from tutor.core.resources import data_dir
from tutor.screens import step_actions
from tutor.screens.base import TutorScreen
from tutor.screens.messages import (
    CheckFinished,
    CommandFinished,
    CommandOutput,
    LayerNews,
    LayersProgressed,
    StepRequested,
    StepsDoneAhead,
)
from tutor.screens.verdict import confirmed_later, is_transfer, mask_secrets, stopped_text, verdict_text
from tutor.widgets.command_box import CommandBox
from tutor.widgets.keys_footer import KeysFooter
from tutor.widgets.offers import Offers
from tutor.widgets.output_log import OutputLog
from tutor.widgets.pacing import REDRAW_SECONDS
from tutor.widgets.push_progress import PushProgress
from tutor.widgets.step_list import StepList

if TYPE_CHECKING:  # the dialogs load when they open, not with the step's first draw
    from tutor.screens.account_modal import NewAccount

_NEED_ENGINE = frozenset({"check", "registry", "offer"})
"""The step's keys that run something on the engine or the registry: off until the lab is connected."""


class StepScreen(TutorScreen[None]):
    """Shows one step of the lesson and runs the learner's commands for it."""

    running: var[bool] = var(False, init=False)
    """A command or an offer (build, account, pull) runs: another waits."""
    stoppable: var[bool] = var(False, init=False)
    """A command from the box runs, so Escape/Ctrl+C stop it (the command box's border says so)."""
    checking: var[bool] = var(False, init=False)
    """The step's check runs: watch mode waits for it."""
    offer_open: var[bool] = var(False, init=False, bindings=True)
    """The step's main offer is on F7 (until the step is done)."""
    progress_shown: var[bool] = var(False, init=False)
    """The layers panel shows a transfer (hidden again when one fails)."""

    @dataclass
    class ImagesListed(Message):
        """The engine's local image names, for the image picker."""

        names: list[str]

    KEYS: ClassVar[list[Binding]] = [
        # Most needed first: at 80 columns the footer's tail is cut (F1 is also on "?" and the palette).
        # Priority because the command box copies on Ctrl+C; idle, action_stop skips so the keys do
        # their other jobs. Never in the footer: rebuilding it twice per command cost ~130 ms, so the
        # command box's border says how to stop while a command runs.
        Binding("escape,ctrl+c", "stop", N_("Stop"), priority=True, show=False),
        Binding("f2", "check", N_("Check")),
        Binding("ctrl+n", "next", N_("Next")),
        Binding("f3", "hint", N_("Hint")),
        Binding("f4", "solution", N_("Solution")),
        Binding("f5", "registry", N_("Registry")),
        Binding("f6", "skip", N_("Skip")),
        Binding("f1", "app.help", N_("Help")),
        Binding("ctrl+q", "app.quit", N_("Quit"), show=False),
        Binding("pageup", "scroll_lesson(-1)", N_("Scroll the lesson up"), show=False),
        Binding("pagedown", "scroll_lesson(1)", N_("Scroll the lesson down"), show=False),
    ]

    def __init__(self, lab: Lab, index: int) -> None:
        super().__init__()
        self.lab = lab
        self.index = index
        self.step = lab.steps[index]
        lab.visit(index)
        self.hints_shown = 0
        self.carried = ""  # a command typed on the step before and not run: shown in the box
        self.failure: events.Explanation | None = None
        self.stop_requested = threading.Event()
        self.recheck_wanted = False
        self._check_running: Worker[None] | None = None  # the newest check: an older one's verdict is late
        offer = step_actions.main_offer(self.step, lab.target)
        self.set_reactive(StepScreen.offer_open, offer is not None)
        self.relocalize()

    def footer_keys(self) -> list[Binding]:
        """The step's main offer (if any) comes first, on F7, under its short name."""
        offer = step_actions.main_offer(self.step, self.lab.target) if hasattr(self, "step") else None
        if offer is None:
            return self.KEYS
        return [Binding(step_actions.OFFER_KEY, "offer", step_actions.MAIN_OFFERS[offer]), *self.KEYS]

    @property
    def values(self) -> dict[str, str]:
        """The learner's names that fill the lesson's placeholders."""
        return self.lab.values()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="step-body"):
            with Vertical(id="side"):
                yield StepList([short_title(step) for step in self.lab.steps], self._states(), self.index,
                               full_titles=[step.title for step in self.lab.steps], id="step-list")
                yield Static("\n".join(f"{SIGNS[s]} {state_word(s)}" for s in StepState), id="legend")
            with Vertical(id="step-main"):
                yield CommandBox(self.lab.history, self._complete, self.lab.engine.kind, id="command")
                with VerticalScroll(id="lesson"):
                    yield Markdown(self._lesson_markdown(), id="lesson-text")
                with VerticalScroll(id="verdict-box"):
                    yield Static(_("… checking this step"), id="verdict", markup=False)
                    yield Static("", id="hints", markup=False)
                yield Offers(step_actions.offers_for(self.step, self.lab.target), id="step-actions")
                yield PushProgress(id="push-progress")
                yield OutputLog(id="output")
        yield KeysFooter()

    def _lesson_markdown(self) -> str:
        body = fill(self.step.body_for(self.lab.engine.kind), self.values)
        return f"## {self.index + 1}. {self.step.title}\n\n{body}"

    def _step_names(self) -> dict[str, str]:
        return {step.id: f"{i + 1}. {step.title}" for i, step in enumerate(self.lab.steps)}

    def _states(self) -> list[StepState]:
        return [self.lab.state(i) for i in range(len(self.lab.steps))]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The registry view key shows from the lesson's first step with something to see on."""
        if action == "registry":
            first = next((i for i, step in enumerate(self.lab.steps) if step.registry_view), None)
            return first is None or first <= self.index
        if action in _NEED_ENGINE and not self.lab.connected:
            return False  # drawn before the engine connected: these wait for it
        if action == "offer":
            return self.offer_open
        return True

    def on_mount(self) -> None:
        """Focus the command box and check right after the first draw (the step may already be done)."""
        self.sub_title = self.lab.target.remote_ref
        self.query_one(PushProgress).display = False
        self.query_one("#hints", Static).display = False
        box = self.query_one(CommandBox)
        box.value, box.cursor_position = self.carried, len(self.carried)
        box.focus()
        log = self.query_one(OutputLog)
        log.step_names, log.current_step = self._step_names(), self.step.id
        self.call_after_refresh(self.show_notes)
        # Checked once the screen is drawn: the check's thread would slow the first draw down. While the
        # app re-checks every step after connecting, resumed() checks instead, once that round is back.
        if not getattr(self.app, "resuming", False):
            self.call_after_refresh(self.action_check)

    def resumed(self) -> None:
        """Every step was re-checked (the app resumed the lab): show their states, check this one."""
        self.query_one(StepList).show_states(self._states(), self.index)
        self.refresh_bindings()  # drawn before the engine connected: its keys are on from now on
        self.action_check()

    def show_notes(self) -> None:
        """The lab's notes, said once, in the output where the learner looks for results (laid out by now)."""
        for note in self.lab.notes:
            self.query_one(OutputLog).show_event(events.Notice(note))
        self.lab.notes.clear()

    def draft(self) -> str:
        """What the learner has typed into the command box and not run yet."""
        return "" if self.running else self.query_one(CommandBox).value

    def on_key(self, event: Key) -> None:
        """A printable key no widget took goes into the command box.

        That is a key typed while this step opened, before the box had its focus (the app handed
        it to the screen), or one typed while the step list has the focus. Keys bound to an action
        ("?" for help) are left to their binding.
        """
        if event.is_printable and event.character and event.key not in self.app.active_bindings:
            event.stop()
            box = self.query_one(CommandBox)
            box.insert_text_at_cursor(event.character)
            box.focus()

    # -- completion ---------------------------------------------------------------------------
    def _complete(self, prefix: str) -> list[str]:
        from tutor.core.shell.interpreter import complete

        try:
            return list(complete(prefix, self.lab.session))
        except Exception:  # completion must never break typing
            return []

    # -- commands -----------------------------------------------------------------------------
    def on_input_submitted(self, event: CommandBox.Submitted) -> None:
        """Enter runs the command; on an empty box after a done step it moves on."""
        if event.input.id != "command":
            return
        event.stop()
        line = event.value.strip()
        box = self.query_one(CommandBox)
        if not line:
            result = self.lab.results.get(self.step.check)
            current = self.lab.state(self.index)
            if result is not None and confirmed_later(result, self.step) and current is StepState.CURRENT:
                self.action_next()
            elif current in FINISHED:
                self.jump_to_open()
            return
        if self.running:
            self.notify(_("A command is still running; wait for it to finish."), severity="warning")
            return
        if self._waiting_for_engine(_("press Enter again in a moment (your command stays in the box)")):
            return
        if mask_secrets(line) == line:
            box.remember(line)
        box.value = ""
        self.run_line(line)

    def run_line(self, line: str) -> None:
        """Run one command line through the core's interpreter."""
        self.run_lines([line])

    def run_lines(self, lines: list[str]) -> None:
        """Run command lines one after another, as if typed (used by offers like "pull it back")."""
        self.running = self.stoppable = True
        self.failure = None
        self.stop_requested.clear()
        if any(is_transfer(line) for line in lines):
            self.query_one(PushProgress).start(indeterminate=self.lab.engine.kind == "podman")
            # Shown with Enter: one layout of the screen (the scrollbars it resizes ask for no second one:
            # widgets/scrollbars.py); the panel keeps its height through the transfer, so no news lays the
            # screen out again.
            self.progress_shown = True
        self.run_command_worker(lines)

    @work(thread=True, exclusive=True, group="command", exit_on_error=False)
    def run_command_worker(self, lines: list[str]) -> None:
        """Run the lines (blocking engine and registry calls) and post each event as it comes."""
        from tutor.core.shell.interpreter import run_command

        failed = False
        try:
            for line in lines:
                if self.stop_requested.is_set():
                    break
                self.post_message(CommandOutput(events.OutputLine(f"$ {mask_secrets(line)}")))
                failed = self._run_one(run_command(line, self.lab.session)) or failed
        finally:
            stopped = self.stop_requested.is_set()
            self.post_message(CommandFinished(mask_secrets(" && ".join(lines)), failed or stopped, stopped))

    def _run_one(self, stream: Generator[events.Event, None, None]) -> bool:
        """Post one command's events until it ends or Stop is pressed; True when it failed.

        Closing the stream closes the engine's HTTP response, so the engine ends the transfer too.
        """
        failed = False
        news = LayerNews(REDRAW_SECONDS)  # the panel redraws no more often than that anyway
        try:
            for event in stream:
                if self.stop_requested.is_set():
                    break
                if isinstance(event, events.LayerProgressed):
                    if news.add(event):
                        self._post_news(news)
                    continue
                if isinstance(event, events.OutputLine) and news.transferring:  # a layer's status line
                    if news.add_output(event):
                        self._post_news(news)
                    continue
                self._post_news(news)  # the transfer's news first: output stays in the engine's order
                failed = failed or isinstance(event, events.CommandFailed)
                self.post_message(CommandOutput(event))
        finally:
            self._post_news(news)
            stream.close()
        return failed

    def _post_news(self, news: LayerNews) -> None:
        if (batch := news.take()) is not None:
            self.post_message(batch)

    def action_stop(self) -> None:
        """Stop the running command (Escape or Ctrl+C); without one, the key does what it did before."""
        if not self.stoppable:
            raise SkipAction()
        if not self.stop_requested.is_set():
            self.stop_requested.set()
            self.query_one(OutputLog).write_line(_("Stopping…"))

    def watch_running(self, running: bool) -> None:
        """Once nothing runs, nothing can be stopped. While a command runs the cursor holds still: its
        blink, far above the progress and output, made every frame repaint the screen in between."""
        self.query_one(CommandBox).cursor_blink = not running
        if not running:
            self.stoppable = False

    def watch_stoppable(self, stoppable: bool) -> None:
        """The command box says how to stop a command only while one runs (the footer never changes)."""
        self.query_one(CommandBox).border_subtitle = _("Esc/Ctrl+C: stop") if stoppable else ""

    def watch_progress_shown(self, shown: bool) -> None:
        """Show or hide the layers panel."""
        self.query_one(PushProgress).display = shown

    def on_command_output(self, message: CommandOutput) -> None:
        """Show a command's event; a failure's explanation also goes into the verdict."""
        self._show_output(message.event)

    def _show_output(self, event: events.Event) -> None:
        self.query_one(OutputLog).show_event(event)
        if isinstance(event, (events.PushFinished, events.PullFinished)):
            self.query_one(PushProgress).finish()
        if isinstance(event, events.CommandFailed) and event.explanation is not None:
            self.failure = event.explanation

    def on_layers_progressed(self, message: LayersProgressed) -> None:
        """Move the bars of the layers that moved and show the lines that came with them (the worker
        batches their news)."""
        if message.layers:
            self.progress_shown = True
        panel = self.query_one(PushProgress)
        for layer in message.layers:
            panel.update_layer(layer)
        for line in message.output:
            self._show_output(line)

    def on_command_finished(self, message: CommandFinished) -> None:
        """After every command, check the step against the real state."""
        self.running = False
        if message.failed:
            self.progress_shown = False
        if message.stopped:
            self.failure = None
            self.query_one(OutputLog).write_line(stopped_text(message.line))
            self.notify(stopped_text(message.line), severity="warning")
        self.action_check()

    # -- checks -------------------------------------------------------------------------------
    def _waiting_for_engine(self, then: str) -> bool:
        """True (and say so, with what to do THEN) while the lab is drawn but its engine not connected."""
        if self.lab.connected:
            return False
        self.notify(_("The tutor is still connecting to the engine; {then}.").format(then=then),
                    severity="warning")
        return True

    def action_check(self) -> None:
        """Check this step now against the real engine and registry (once connected: resumed() checks)."""
        if not self.lab.connected:
            return
        self.checking = True
        self._check_running = self.check_worker()

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def check_worker(self) -> None:
        """Run the step's check (it blocks on the engine and the registry)."""
        from tutor.core.lab.check_table import run_check

        result = run_check(self.step.check, self.lab.context())
        self.post_message(CheckFinished(result, get_current_worker()))

    def outdated(self, message: CheckFinished) -> bool:
        """True for the verdict of a check older than the newest one started (a worker replaced by
        a newer one still ends, and may end last: its view of the state is older)."""
        return message.worker is not None and message.worker is not self._check_running

    def on_check_finished(self, message: CheckFinished) -> None:
        """Show the verdict; a passed check marks the step done and unlocks the next one."""
        if self.outdated(message):
            return
        result = message.result
        if result.step != self.step.check:  # a skipped step re-checked after progress elsewhere
            if self.lab.record(result):
                self.query_one(StepList).show_states(self._states(), self.index)
            return
        self.checking = False
        if self.recheck_wanted:
            self.recheck_wanted = False
            self.action_check()
        newly_done = self.lab.record(result)
        self._show_verdict(result)
        verdict = self.query_one("#verdict", Static)
        verdict.set_class(result.status is Status.DONE, "-done")
        verdict.set_class(result.status is Status.TODO, "-todo")
        if newly_done:
            self.query_one(StepList).show_states(self._states(), self.index)
            self.notify(_("Step done: {title}").format(title=self.step.title), title="✓")
            self.recheck_skipped()
        self._after_check(result)

    def _after_check(self, result: CheckResult) -> None:
        """Hide offers once the step is done; open the registry view where the lesson says, the first time."""
        done = result.status is Status.DONE
        self.query_one(Offers).done = done
        self.offer_open = step_actions.main_offer(self.step, self.lab.target) is not None and not done
        if done and self.step.opens_registry_view and not self.lab.registry_shown:
            self.lab.registry_shown = True
            self.action_registry()

    @work(thread=True, exclusive=True, group="recheck", exit_on_error=False)
    def recheck_skipped(self) -> None:
        """Skipped steps may hold now (a login proves the account): check them again."""
        from tutor.core.lab.check_table import run_check

        for index, step in enumerate(self.lab.steps):
            if index != self.index and self.lab.state(index) is StepState.SKIPPED:
                result = run_check(step.check, self.lab.context())
                if result.status is Status.DONE:
                    self.post_message(CheckFinished(result))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A command or check that failed or was cancelled must not leave the screen busy."""
        super().on_worker_state_changed(event)
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            if event.worker is self._check_running:  # a check replaced by a newer one leaves it busy
                self.checking = False
            elif event.worker.group == "command":
                self.running = False
                self.progress_shown = False

    def lab_changed(self) -> None:
        """Watch mode: something changed outside the tutor; check this step again now, or once the check
        running ends (it may have looked before the change), and the later ones; a running command is
        checked when it ends anyway."""
        if self.checking:
            self.recheck_wanted = True
        elif not self.running:
            self.action_check()
        if not self.running:
            self.check_ahead_worker()

    @work(thread=True, exclusive=True, group="ahead", exit_on_error=False)
    def check_ahead_worker(self) -> None:
        """Check every later step not done yet: the learner may be ahead in their own terminal."""
        from tutor.core.lab.checks import run_check

        later = [step for index, step in enumerate(self.lab.steps)
                 if index > self.index and self.lab.state(index) not in FINISHED]
        passed = [result for result in (run_check(step.check, self.lab.context()) for step in later)
                  if result.status is Status.DONE]
        if passed:
            self.post_message(StepsDoneAhead(passed))

    def on_steps_done_ahead(self, message: StepsDoneAhead) -> None:
        """Mark later steps whose check passed as done ahead (never one whose check failed)."""
        newly = [result for result in message.results if self.lab.mark_ahead(result)]
        if not newly or self not in self.app.screen_stack:  # the learner moved on meanwhile
            return
        self.query_one(StepList).show_states(self._states(), self.index)
        self.notify(self._ahead_text(), title="»", timeout=10)
        shown = self.lab.results.get(self.step.check)
        if shown is not None and not self.checking:
            self._show_verdict(shown)

    def _show_verdict(self, result: events.CheckResult) -> None:
        """The verdict; on a done step with later steps done ahead, it says where Enter jumps."""
        titles = [step.title for step in self.lab.steps]
        next_title = titles[self.index + 1] if self.index + 1 < len(titles) else None
        offer = step_actions.offer_line(self.step, self.lab.target)
        text = verdict_text(result, next_title, self.failure, offer, self._step_names(),
                            confirmed_later(result, self.step))
        if result.status is Status.DONE and self._enter_target() > self.index + 1:
            text = text.split("\n", 1)[0] + "\n" + self._ahead_text()
        verdict = self.query_one("#verdict", Static)
        if verdict.content != text:  # the same verdict again (after each command) lays nothing out
            verdict.update(text)

    def _ahead_text(self) -> str:
        """Which steps are done ahead, and where Enter goes."""
        ahead = [f"{i + 1}. {step.title}" for i, step in enumerate(self.lab.steps)
                 if self.lab.state(i) is StepState.AHEAD]
        parts = [_("Done ahead: {steps}.").format(steps=", ".join(ahead))] if ahead else []
        if self.lab.state(self.index) in FINISHED:
            target = self._enter_target()
            where = (f"{target + 1}. {self.lab.steps[target].title}" if target < len(self.lab.steps)
                     else _("the summary"))
            parts.append(_("Enter jumps to {where}; Ctrl+N shows the next step's explanation.").format(
                where=where))
        return " ".join(parts)

    # -- hints, solution, skip, next ----------------------------------------------------------
    def action_hint(self) -> None:
        """Show the next hint (one at a time)."""
        hints = self.step.hints
        if not hints:
            self.notify(_("This step has no hints; the solution is on F4."))
            return
        shown = min(self.hints_shown + 1, len(hints))
        self.hints_shown = shown
        lines = [_("Hint {n} of {total}: {text}").format(n=i + 1, total=len(hints),
                                                         text=fill(hints[i], self.values))
                 for i in range(shown)]
        self._show_hints("\n".join(lines))

    def action_solution(self) -> None:
        """Reveal the solution and put its first command in the box (not run)."""
        commands = self.step.solution.get(self.lab.engine.kind) or self.step.solution.get("docker") or ()
        filled = [fill(command, self.values) for command in commands]
        typed = [command for command in filled if not command.lstrip().startswith("#")]
        self._show_hints(_("Solution:") + "\n" + "\n".join(f"  {command}" for command in filled))
        if typed:
            box = self.query_one(CommandBox)
            box.value = typed[0]
            box.cursor_position = len(box.value)
            box.focus()

    def _show_hints(self, text: str) -> None:
        hints = self.query_one("#hints", Static)
        hints.update(text)
        hints.display = True
        self.call_after_refresh(hints.scroll_visible, animate=False)

    def action_skip(self) -> None:
        """Skip only after a visible warning; the step stays marked skipped."""
        if self.lab.state(self.index) is StepState.DONE:
            self.action_next()
            return
        question = _("Skip the step “{title}”?").format(title=self.step.title)
        details = [_("The tutor has not seen this step done. Later steps may fail because of it."),
                   _("It stays marked “! skipped” in the list, and you can come back to it.")]
        from tutor.screens.confirm_modal import ConfirmModal

        self.app.push_screen(ConfirmModal(question, details, _("Skip it"), _("Stay")), self._skip_answered)

    def _skip_answered(self, skip: bool | None) -> None:
        if skip:
            self.lab.skip(self.index)
            self.notify(_("Skipped: {title}").format(title=self.step.title), severity="warning")
            self.action_next()

    def action_next(self) -> None:
        """Go to the next step once this one is done or skipped."""
        result = self.lab.results.get(self.step.check)
        later = result is not None and confirmed_later(result, self.step)
        if later and self.lab.state(self.index) is StepState.CURRENT:
            self.lab.skip(self.index)  # marked "! skipped" until the login proves it, then ✓
        if self.lab.state(self.index) not in (StepState.DONE, StepState.SKIPPED):
            self.notify(_("Finish this step first (F2 checks it), or skip it with F6."), severity="warning")
            return
        self.post_message(StepRequested(self.index + 1))

    def jump_to_open(self) -> None:
        """Enter on a finished step: to the first step not done (each one done ahead stays a Ctrl+N away)."""
        self.post_message(StepRequested(self._enter_target()))

    def _enter_target(self) -> int:
        """Where Enter goes from a finished step: the next step when its check passes because of this
        one (verify after push: what to look at next, not work done ahead), else the first step not
        done."""
        following = self.index + 1
        if (following < len(self.lab.steps) and self.lab.steps[following].check_after == self.step.id
                and self.lab.state(following) is StepState.AHEAD):
            return following
        return self.lab.first_open()

    def action_scroll_lesson(self, direction: int) -> None:
        """Page through the lesson text without leaving the command box."""
        lesson = self.query_one("#lesson", VerticalScroll)
        if direction < 0:
            lesson.scroll_page_up()
        else:
            lesson.scroll_page_down()

    def action_registry(self) -> None:
        """Open the registry view."""
        if self._waiting_for_engine(_("open the registry view in a moment")):
            return
        from tutor.screens.registry_screen import RegistryScreen

        self.app.push_screen(RegistryScreen(self.lab))

    def on_step_list_chosen(self, message: StepList.Chosen) -> None:
        """Jump to a step that is not locked."""
        message.stop()
        if message.index != self.index and self.lab.state(message.index) is not StepState.LOCKED:
            self.post_message(StepRequested(message.index))

    # -- the step's offers ----------------------------------------------------------------------
    def action_offer(self) -> None:
        """F7: carry out the step's main offer (create the account, build the app, pull it back)."""
        offer = step_actions.main_offer(self.step, self.lab.target)
        if offer is not None and self.offer_open:
            self.carry_out(offer)

    def on_offers_chosen(self, message: Offers.Chosen) -> None:
        """The learner pressed one of the step's offers."""
        self.carry_out(message.offer)

    def carry_out(self, offer: str) -> None:
        """Do what an offer promises."""
        if self._waiting_for_engine(_("try it again in a moment")):
            return
        if offer == "build-app":
            self.build_app()
        elif offer == "pick-image":
            self.list_images_worker()
        elif offer == "create-account":
            from tutor.screens.account_modal import AccountModal

            self.app.push_screen(AccountModal(self.lab.target.user), self._account_chosen)
        elif offer == "sign-up":
            self.open_sign_up_page()
        elif offer == "registry-view":
            self.action_registry()
        elif offer == "run-pull" and not self.running:
            cli, ref = self.lab.engine.kind, self.lab.target.remote_ref
            self.run_lines([f"{cli} rmi {ref}", f"{cli} pull {ref}"])

    def build_app(self) -> None:
        """Build assets/python-hello-world under the source image's name, streaming the build."""
        if self.running:
            return
        self.running = True
        tag, folder = self.lab.target.image, str(data_dir("assets") / step_actions.APP_FOLDER)
        self.query_one(OutputLog).write_line(f"$ {self.lab.engine.kind} build -t {tag} {folder}")
        self.build_worker(folder, tag)

    @work(thread=True, exclusive=True, group="command", exit_on_error=False)
    def build_worker(self, folder: str, tag: str) -> None:
        """Run the build (it blocks on the engine) and post its events."""
        failed = False
        try:
            for event in self.lab.engine.build(folder, tag):
                failed = failed or isinstance(event, events.CommandFailed)
                self.post_message(CommandOutput(event))
        except Exception as error:  # the engine's own words, then the offer below
            failed = True
            self.post_message(CommandOutput(events.CommandFailed(str(error))))
        if failed:
            self.post_message(CommandOutput(events.Notice(_(
                "The build could not finish. It fetches a Python base image, which needs the "
                "internet. No network? Use any local image instead: press “Use another local image…”."),
                "warning")))
        self.post_message(CommandFinished("build", failed))

    @work(thread=True, exclusive=True, group="images", exit_on_error=False)
    def list_images_worker(self) -> None:
        """List the engine's local images for the picker."""
        names = sorted({tag for image in self.lab.engine.images() for tag in image.tags
                        if tag and "<none>" not in tag})
        self.post_message(self.ImagesListed(names))

    def on_step_screen_images_listed(self, message: StepScreen.ImagesListed) -> None:
        """Let the learner choose one; it becomes the lab's source image."""
        from tutor.screens.image_picker_modal import ImagePickerModal

        self.app.push_screen(ImagePickerModal(message.names), self._image_chosen)

    def _image_chosen(self, name: str | None) -> None:
        if name:
            self.lab.retarget(replace(self.lab.target, image=name))
            self.notify(_("The lab now pushes {image}.").format(image=name))
            self.post_message(StepRequested(self.index))

    def _account_chosen(self, account: NewAccount | None) -> None:
        if account is not None and self.lab.practice is not None:  # offered only where the tutor has them
            self.add_account_worker(account)

    @work(thread=True, exclusive=True, group="command", exit_on_error=False)
    def add_account_worker(self, account: NewAccount) -> None:
        """Create the account on the practice registry, for real."""
        try:
            if self.lab.practice is not None:
                self.lab.practice.add_user(account.user, account.password)
            self.post_message(CommandOutput(events.OutputLine(
                _("✓ Account {user} created on the practice registry.").format(user=account.user))))
        except Exception as error:
            self.post_message(CommandOutput(events.CommandFailed(str(error))))
        self.post_message(CommandFinished("create-account"))

    def open_sign_up_page(self) -> None:
        """Open Docker Hub's or Quay's sign-up page in the browser."""
        url = step_actions.SIGN_UP_PAGES[self.lab.target.kind]
        if webbrowser.open(url):
            self.notify(_("Opened {url}. Come back when your account exists.").format(url=url))
        else:
            self.notify(_("No browser found; open {url} yourself.").format(url=url), severity="warning")

    def palette_commands(self) -> Iterator[SystemCommand]:
        """The step's own commands in the palette: check, hint, solution, skip, registry view."""
        yield SystemCommand(_("Check this step"), _("Run the step's check against the real state"),
                            self.action_check)
        yield SystemCommand(_("Show a hint"), _("The next hint for this step"), self.action_hint)
        yield SystemCommand(_("Show the solution"), _("The commands that solve this step"),
                            self.action_solution)
        yield SystemCommand(_("Skip this step"), _("Move on without it (asks first)"), self.action_skip)
        yield SystemCommand(_("Open the registry view"), _("What the registry holds for your image"),
                            self.action_registry)
