"""The presenter mode's app: the tutor, aimed at the demo account, playing the lab by itself.

It sits on top of the UI's layers (app, screens, widgets) like the entry point: a TutorApp with
the presenter's step screen and the demo's preparation. `registry-tutor demo` starts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.message import Message
from textual.screen import Screen

from tutor import app as app_module
from tutor.app import TutorApp
from tutor.core.explainer import USER_VARIABLE
from tutor.core.i18n import _
from tutor.core.lab.demo import Demo, clean_last_demo, new_demo_password, plan_demo, recreate_account
from tutor.core.lab.progress import LessonProgress
from tutor.core.lab.session import Lab, LabOptions
from tutor.screens.messages import LabReady
from tutor.screens.password_modal import PasswordModal
from tutor.screens.presenter import FilledPasswordModal, PresenterStepScreen
from tutor.screens.step_screen import StepScreen


@dataclass
class DemoPrepared(Message):
    """The last demo's leftovers are cleaned (and the demo account exists): the demo can start."""

    progress: LessonProgress
    problems: list[str]


class PresenterApp(TutorApp):
    """TutorApp whose steps the demo plays; the demo's password is filled in masked, never shown."""

    # Textual reads CSS_PATH beside the module of the class: the tutor's one stylesheet is in tutor/.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))
    step_screen_class: ClassVar[type[StepScreen]] = PresenterStepScreen
    draws_first: ClassVar[bool] = False  # the demo starts from a cleaned lab, at its first step

    def __init__(self, options: LabOptions, demo: Demo, **kwargs: Any) -> None:
        kwargs.setdefault("watch", False)  # the demo's own commands would only re-check twice
        super().__init__(options, **kwargs)
        self.demo = demo
        self._secret: str | None = None  # in memory only: the prompt is filled from it, masked

    def password_modal(self, prompt: str) -> Screen[str | None]:
        """The login's prompt, filled in by the demo once it knows the password."""
        if self._secret is None:
            return super().password_modal(prompt)
        return FilledPasswordModal(prompt, self._secret, self.demo.typing_speed)

    def on_lab_ready(self, message: LabReady) -> None:
        """Clean what the last demo made, get the password (new account or asked once), then play."""
        message.prevent_default()  # instead of TutorApp's: the demo starts at the first step, fresh
        lab = self.lab = message.lab
        lab.on_save_error = lambda text: self.notify(text, severity="warning", timeout=15)
        lab.registry_shown = True  # the registry view would cover the demo; F5 still opens it
        if lab.target.practice and lab.practice is not None:
            self.prepare_worker(lab, create_account=True)
            return
        prompt = _("Password or token for {user} on {registry}, asked once and kept in memory for "
                   "this demo only:").format(user=lab.target.user, registry=lab.target.registry)
        self.push_screen(PasswordModal(prompt), self._password_given)

    def _password_given(self, secret: str | None) -> None:
        if not secret or self.lab is None:
            self.notify(_("The demo needs the account's password to log in; start it again."),
                        severity="error", timeout=15)
            self.exit(1)
            return
        self._secret = secret
        self.prepare_worker(self.lab, create_account=False)

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def prepare_worker(self, lab: Lab, create_account: bool) -> None:
        """Undo the last demo (its own progress entry only), then make the account anew if ours."""
        assert lab.store is not None
        progress, results = clean_last_demo(lab.engine, lab.target, lab.credentials, lab.store, lab.lesson.id)
        if create_account:
            secret = new_demo_password()
            recreate_account(lab.practice, lab.target.user, secret)
            self._secret = secret
        self.post_message(DemoPrepared(progress, [result.message for result in results if not result.ok]))

    def on_demo_prepared(self, message: DemoPrepared) -> None:
        """A fresh lab for the demo account: the plan for this engine, then the first step plays."""
        lab = self.lab
        if lab is None:
            return
        lab.progress = message.progress
        lab.results.clear()
        lab.session.variables.pop(USER_VARIABLE, None)
        for problem in message.problems:
            self.notify(problem, title=_("Left from the last demo"), severity="warning", timeout=15)
        self.demo.plan = plan_demo(lab.steps, lab.target, lab.engine.kind, self.demo.show_mistakes)
        self.demo.play_from(0)
        self.show_step(0)
