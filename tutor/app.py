"""TutorApp: wiring and global bindings."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingsMap
from textual.command import CommandPalette
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Markdown, Static
from textual.worker import Worker, get_current_worker

from tutor.core.i18n import N_, _, current_language, detect_language, set_language
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import CHOSEN, Lab, LabOptions
from tutor.core.records import replace
from tutor.screens.base import localized, notify_failed_worker
from tutor.screens.messages import (
    ConnectRequested,
    EngineMissing,
    LabChanged,
    LabFailed,
    LabReady,
    LabResumed,
    StepRequested,
)
from tutor.screens.no_engine_screen import NoEngineScreen
from tutor.screens.step_screen import StepScreen
from tutor.screens.welcome_screen import WelcomeScreen
from tutor.widgets.keys_footer import KeysFooter
from tutor.widgets.scrollbars import quiet_scrollbars

if TYPE_CHECKING:
    from tutor.core.engine.credentials import CredentialStore
    from tutor.core.lab.resolve import Accounts


CONNECT_AFTER_DRAW_SECONDS = 0.5
"""A drafted lab connects once its lesson is drawn, and at the latest after this long."""


class TutorApp(App[int]):
    """The registry lab: welcome, one screen per step, finish; the core does the real work."""

    CSS_PATH = "app.tcss"
    TITLE = "registry-tutor"
    # The screen that shows a step (the presenter mode shows its own kind of StepScreen).
    step_screen_class: ClassVar[type[StepScreen]] = StepScreen
    # The step is drawn from the lesson and the progress file before the engine connects (the presenter
    # mode starts its demo from a cleaned lab instead).
    draws_first: ClassVar[bool] = True
    KEYS: ClassVar[list[Binding]] = [
        Binding("f1,question_mark", "help", N_("Help"), show=False),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
        # Replaces Textual's own palette key so its footer label is translated too.
        Binding("ctrl+p", "command_palette", N_("commands"), show=False, priority=True,
                tooltip=N_("Open the command palette")),
    ]

    def __init__(self, options: LabOptions | None = None, *, watch: bool = True,
                 practice: Accounts | None = None, store: ProgressStore | None = None,
                 credentials: CredentialStore | None = None, lab: Lab | None = None) -> None:
        """Options as the welcome screen or command line give them; the rest lets tests aim the app."""
        quiet_scrollbars()  # before any screen is built: widgets/scrollbars.py
        super().__init__()
        self.ready_lab = lab
        self.options = options or LabOptions()
        self.watch_enabled = watch
        self.practice = practice
        self.store = store
        self.credentials = credentials
        self.lab: Lab | None = None
        self.draft: Lab | None = None
        """The lab drawn before its engine connected (setup.draft_lab), until the connect worker is back."""
        self.resuming = False
        """The step shown waits to check itself: its lab is drawn and connecting, or connected and every
        step being re-checked."""
        self._landed: int | None = None  # the step shown from the saved progress while resuming
        self._connect_timer: Timer | None = None  # set while a drafted lab waits to connect
        self._bindings = localized(self._bindings, self.KEYS)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Looking for Docker or Podman…"), id="connecting")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Ask what is missing (the last lab filled in), or go straight on when the command line said all."""
        labs: list[Any] = []
        last = None
        ask = self.ready_lab is None and not self.options.complete
        if ask:
            from tutor.core.lab.resume import prefill

            labs = (self.store or ProgressStore()).recent()
            self.options, last = prefill(self.options, labs)
            labs = [last, *(lab for lab in labs if lab is not last)] if last is not None else labs
        if self.options.lang:
            set_language(self.options.lang)
            self.localize_bindings()
        if self.ready_lab is not None:
            self.post_message(LabReady(self.ready_lab))
        elif not ask:
            self.draw_then_connect()
        else:
            self.push_screen(WelcomeScreen(self.options, labs=labs, continues=last is not None),
                             self._welcome_done)

    def _welcome_done(self, options: LabOptions | None) -> None:
        if options is not None:
            self.options = options
            self.draw_then_connect()

    def change_settings(self) -> None:
        """Back to the welcome form (registry, user, image, engine, language); Escape keeps the lab."""
        if not isinstance(self.screen, WelcomeScreen):
            form = WelcomeScreen(self.options, can_cancel=self.lab is not None)
            self.push_screen(form, self._settings_changed)

    def _settings_changed(self, options: LabOptions | None) -> None:
        if options is not None and options != self.options:
            self.options = options
            if self.lab is not None:
                self.lab.save()
            self.draw_then_connect()

    # -- connecting -----------------------------------------------------------------------------
    def draw_then_connect(self) -> None:
        """Show the step the saved progress says at once, then connect behind it.

        The docker SDK, the engine's answer and the resume checks all come after the first draw; the
        step waits for them (its check, F5 and the offers are off, Enter keeps the line) until then.
        """
        from tutor.core.lab.setup import draft_lab

        self.draft = draft_lab(self.options, self.ask_password, practice=self.practice,
                               credentials=self.credentials, store=self.store) if self.draws_first else None
        if self.draft is None:
            self.action_connect()
            return
        self.lab, self.resuming = self.draft, True
        self._landed = self.draft.first_open()
        self.show_step(self._landed)
        # Connecting starts once the lesson is on screen (below), or after a moment whatever happens.
        self._connect_timer = self.set_timer(CONNECT_AFTER_DRAW_SECONDS, self._connect_drafted)

    def on_markdown_table_of_contents_updated(self, message: Markdown.TableOfContentsUpdated) -> None:
        """A Markdown widget finished drawing its blocks: the drafted step's lesson (or the finished lab's
        summary) is on screen."""
        if self.draft is not None and getattr(message.markdown.screen, "lab", None) is self.draft:
            self.call_after_refresh(self._connect_drafted)

    def _connect_drafted(self) -> None:
        """Connect the drafted lab, once (the lesson drew, or the timer ran out first)."""
        if self._connect_timer is not None:
            self._connect_timer.stop()
            self._connect_timer = None
            self.action_connect()

    def action_connect(self) -> None:
        """Connect to the engine and set up the lab (again, from the missing-engine screen)."""
        self.connect_worker()

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def connect_worker(self) -> None:
        """Connect, start the practice registry when chosen, load lesson and progress."""
        from tutor.core.engine.gateway import Engine, EngineUnavailable
        from tutor.core.lab.setup import SetupFailed, build_lab

        try:
            engine = Engine.connect(self.options.engine, base_url=self.options.engine_url)  # type: ignore[arg-type]
        except EngineUnavailable as error:
            self.post_message(EngineMissing(str(error)))
            return
        if engine.notice:  # e.g. the Podman service the tutor started: say so in one line
            self.call_from_thread(self.notify, engine.notice, timeout=10)
        try:
            lab = build_lab(self.options, engine, self.ask_password, practice=self.practice,
                            credentials=self.credentials, store=self.store, draft=self.draft)
        except SetupFailed as error:
            self.post_message(LabFailed(str(error)))
            return
        self.post_message(LabReady(lab, resume=True))

    def _drop_draft(self) -> None:
        """Connecting failed: the drafted lab cannot run (the screen that says why replaces its step)."""
        if self.draft is not None and self.lab is self.draft:
            self.lab = None
        self.draft, self.resuming = None, False

    def on_engine_missing(self, message: EngineMissing) -> None:
        """Show how to start an engine (or update the message when already shown)."""
        self._drop_draft()
        if isinstance(self.screen, NoEngineScreen):
            self.screen.show_message(message.message)
        else:
            self._show(NoEngineScreen(message.message))

    def on_lab_failed(self, message: LabFailed) -> None:
        """Setting up failed for a reason the learner can fix: say it, back to the welcome screen."""
        self._drop_draft()
        self.notify(message.message, title=_("The lab cannot start"), severity="error", timeout=20)
        self._show(WelcomeScreen(self.options), self._welcome_done)

    def on_lab_ready(self, message: LabReady) -> None:
        """Show the step the saved progress says, then re-check every step (resume) and watch the engine."""
        # Everything loaded so far (Textual, the docker SDK, the lab) lives as long as the app: kept out
        # of the collector's full passes, which otherwise stall the screen for 30-90 ms during a push.
        gc.freeze()
        drawn = self._step_screen()
        if drawn is not None and (message.lab is not self.draft or drawn.lab is not message.lab):
            drawn = None  # a step of another lab: this lab's own step is shown below
        self.draft = None
        self.lab = message.lab
        self.lab.on_save_error = lambda text: self.notify(text, severity="warning", timeout=15)
        restored = self.lab.restore_variables()
        if restored:
            self.lab.notes.append(_("Welcome back! ${name} is {user} again, as you set it before.").format(
                name=restored, user=self.lab.target.user))
        self.resuming = message.resume
        if drawn is not None:  # the draft's step is on screen already (draw_then_connect)
            drawn.show_notes()
        else:
            self._landed = self.lab.first_open()
            # Drawn from the lesson and the progress file first; the checks that may move it come after.
            self.show_step(self._landed)
        if message.resume:
            self.call_after_refresh(self.resume_worker, self.lab)
        else:
            self._start_watching(self.lab)

    @work(thread=True, exclusive=True, group="resume", exit_on_error=False)
    def resume_worker(self, lab: Lab) -> None:
        """Re-check every step quietly and settle each (resume.py); a failed round still ends resuming."""
        from tutor.core.lab.resume import Resumed, resume_lab

        resumed: Resumed | None = None
        try:
            resumed = resume_lab(lab, self.options)
        finally:
            self.post_message(LabResumed(lab, resumed))

    def on_lab_resumed(self, message: LabResumed) -> None:
        """Land on the first step not done; only contradictions speak (a notice per step taken back)."""
        self.resuming = False
        if message.lab is not self.lab:
            return
        self._start_watching(message.lab)
        resumed = message.resumed
        for revocation in resumed.revoked if resumed is not None else []:
            self.notify(revocation.text, title=_("Check again"), severity="warning", timeout=20)
        shown = self.screen.index if isinstance(self.screen, StepScreen) else None
        if resumed is not None and resumed.landing != self._landed and shown in (self._landed, None):
            self.show_step(resumed.landing)
            return
        step_screen = self._step_screen()
        if step_screen is not None:
            step_screen.resumed()

    def _start_watching(self, lab: Lab) -> None:
        if self.watch_enabled:  # started once the step is drawn, like the step's own check
            self.call_after_refresh(self.watch_worker, lab)

    # -- screens --------------------------------------------------------------------------------
    def _show(self, screen: Screen[Any], callback: Any = None) -> None:
        """Replace the screen on top (never stacking steps), keeping a result callback if any."""
        if len(self.screen_stack) > 1 and callback is None:
            self.switch_screen(screen)
            return
        if len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen, callback)

    def show_step(self, index: int) -> None:
        """Show a step (or the finish screen after the last one)."""
        if self.lab is None:
            return
        if index >= len(self.lab.steps):
            from tutor.screens.finish_screen import FinishScreen

            self._show(FinishScreen(self.lab))
            return
        screen = self.step_screen_class(self.lab, index)
        # What the learner had typed (and not run) goes along to the next step: nothing typed is lost.
        leaving = self._step_screen()
        screen.carried = leaving.draft() if leaving is not None else ""
        self._show(screen)

    def _step_screen(self) -> StepScreen | None:
        """The step screen on the stack (under a modal, if one is open), or None."""
        steps = [screen for screen in self.screen_stack if isinstance(screen, StepScreen)]
        return steps[-1] if steps else None

    def on_step_requested(self, message: StepRequested) -> None:
        """A screen asked for another step (or the same one again, e.g. with another image)."""
        self.show_step(message.index)

    def on_connect_requested(self, message: ConnectRequested) -> None:
        """A screen asked to connect again (the missing-engine screen's re-check)."""
        self.action_connect()

    def action_command_palette(self) -> None:
        """Textual's command palette, with its search prompt in the learner's language."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    def action_help(self) -> None:
        """Show the help page."""
        from tutor.screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- watch mode -----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_worker(self, lab: Lab) -> None:
        """Post LabChanged whenever the engine reports an image event or the login file changes."""
        from tutor.core.engine.watcher import watch_changes

        stop = get_current_worker().cancelled_event
        for change in watch_changes(lab.engine, [lab.credentials.path], stop):
            self.post_message(LabChanged(change.detail))

    def on_lab_changed(self, message: LabChanged) -> None:
        """Re-check the step on screen (even under a dialog): work in their own terminal unlocks it."""
        step_screen = self._step_screen()
        if step_screen is not None:
            step_screen.lab_changed()

    # -- the masked password prompt, asked from the interpreter's worker thread ------------------
    def ask_password(self, prompt: str) -> str | None:
        """Show the password modal and wait for it (called from a worker thread, never the UI's)."""
        answer: Future[str | None] = Future()
        worker = get_current_worker()
        self.call_from_thread(self.push_screen, self.password_modal(prompt), answer.set_result)
        while True:
            try:
                return answer.result(timeout=0.2)
            except FutureTimeout:
                if worker.is_cancelled:
                    return None

    def password_modal(self, prompt: str) -> Screen[str | None]:
        """The masked prompt to show (the presenter mode fills its own in, still masked)."""
        from tutor.screens.password_modal import PasswordModal

        return PasswordModal(prompt)

    # -- the command palette ---------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands, the step's (check, hint, ...), then reset, settings, language, help."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, StepScreen):
            yield from screen.palette_commands()
        if self.lab is not None:
            yield SystemCommand(_("Reset the lab…"), _("Shows what it will undo, then asks"),
                                self.action_reset)
        yield SystemCommand(_("Change registry / user…"),
                            _("Back to the welcome form; your progress is kept"), self.change_settings)
        yield SystemCommand(_("Switch language (English/Deutsch)"),
                            _("Lesson and screens in the other language"), self.switch_language)
        yield SystemCommand(_("Help"), _("Keys and how the tutor works"), self.action_help)

    def action_reset(self) -> None:
        """Show what a reset would undo; the modal asks, undoes and starts the lab again."""
        from tutor.screens.reset_modal import ResetModal

        if self.lab is not None and not self.lab.connected:
            self.notify(_("The tutor is still connecting to the engine; reset the lab in a moment."))
        elif self.lab is not None and self.lab.progress is not None:
            self.push_screen(ResetModal(self.lab), lambda reset: self.show_step(0) if reset else None)

    def localize_bindings(self) -> None:
        """The app's own key labels in the current language."""
        self._bindings = localized(self._merged_bindings or BindingsMap(), self.KEYS)

    def switch_language(self) -> None:
        """English ⇄ German: the lesson and every screen string, at once."""
        set_language("de" if current_language() == "en" else "en")
        self.options = replace(self.options, lang=current_language())
        self.localize_bindings()
        if self.lab is not None:
            from tutor.core.lessons.model import load_lesson

            self.lab.lesson = load_lesson(self.lab.lesson.id, current_language())
            self.lab.session.lang = current_language()
            index = self.screen.index if isinstance(self.screen, StepScreen) else self.lab.first_open()
            self.show_step(index)
        elif isinstance(self.screen, WelcomeScreen):
            self.screen.relocalize()
            self.screen.refresh(recompose=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers fail readably too."""
        notify_failed_worker(self.screen, event)


def options_from_args(args: argparse.Namespace) -> LabOptions:
    """The command line's --registry/--user/--image/--engine/--lang as the lab's options."""
    given = frozenset(name for name in CHOSEN if getattr(args, name, None))
    return LabOptions(registry=getattr(args, "registry", None), user=getattr(args, "user", None),
                      image=getattr(args, "image", None) or "python-hello-world",
                      engine=getattr(args, "engine", None) or "auto",
                      lang=detect_language(getattr(args, "lang", None)),
                      lesson=getattr(args, "lesson", None) or LabOptions.lesson, given=given)


def run_app(args: argparse.Namespace) -> int:
    """Open the tutor; returns the process exit code."""
    from tutor.core.lessons.model import lesson_ids

    options = options_from_args(args)
    if options.lesson not in lesson_ids():
        print(_("There is no lesson '{lesson}'. The lessons are: {known} (registry-tutor lessons list "
                "shows their steps).").format(lesson=options.lesson, known=", ".join(lesson_ids())),
              file=sys.stderr)
        return 2
    set_language(options.lang or "en")
    return TutorApp(options).run() or 0
