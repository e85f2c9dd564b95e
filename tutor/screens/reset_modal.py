"""Reset from the palette: plan in a worker, show exactly what will be undone, undo only after yes."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.widgets import Button, Static

from tutor.core.i18n import _
from tutor.core.lab.reset import ResetPlan, apply_reset, plan_reset
from tutor.core.lab.session import Lab
from tutor.screens.confirm_modal import ConfirmModal


class ResetModal(ConfirmModal):
    """Asks the engine and the registry what the lab created, lists it, and undoes it on yes.

    Dismisses True once the lab was reset (the app then starts it again from the first step).
    """

    @dataclass
    class Planned(Message):
        """The plan is ready: what the reset would undo."""

        plan: ResetPlan

    @dataclass
    class Undone(Message):
        """The reset ran; one line per item, with a sign for done or not."""

        lines: list[str]

    def __init__(self, lab: Lab) -> None:
        super().__init__(_("Reset the lab?"), [_("Looking for what the lab created…")],
                         _("Undo these"), _("Keep everything"))
        self.lab = lab
        self.plan: ResetPlan | None = None
        self.undoing = False

    def on_mount(self) -> None:
        """Nothing can be undone before the plan is known (ConfirmModal's own on_mount focuses "no")."""
        self.query_one("#confirm-yes", Button).disabled = True
        self.plan_worker()

    @work(thread=True, exclusive=True, group="reset", exit_on_error=False)
    def plan_worker(self) -> None:
        """Ask the engine and the registry what is left of the lab (it blocks)."""
        progress = self.lab.progress
        if progress is not None:
            self.post_message(self.Planned(plan_reset(self.lab.engine, self.lab.target, self.lab.credentials,
                                                      progress)))

    def on_reset_modal_planned(self, message: ResetModal.Planned) -> None:
        """Show the plan; an empty one needs no question."""
        if message.plan.is_empty:
            self.notify(_("There is nothing the lab created to undo."))
            self.dismiss(False)
            return
        self.plan = message.plan
        self.details = [_("Reset will undo exactly this:"), *message.plan.lines()]
        self.query_one("#confirm-details Static", Static).update("\n".join(self.details))
        self.query_one("#confirm-yes", Button).disabled = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Yes undoes the plan in a worker; no keeps everything."""
        event.stop()
        event.prevent_default()  # ConfirmModal's handler would dismiss at once
        if event.button.id != "confirm-yes":
            self.dismiss(False)
        elif self.plan is not None and self.lab.store is not None:
            for button in self.query(Button):
                button.disabled = True
            self.undoing = True
            self.undo_worker(self.plan)

    def action_no(self) -> None:
        """Escape keeps everything, but cannot stop a reset half way."""
        if not self.undoing:
            self.dismiss(False)

    @work(thread=True, exclusive=True, group="reset", exit_on_error=False)
    def undo_worker(self, plan: ResetPlan) -> None:
        """Undo the planned items (engine and registry calls block)."""
        lab = self.lab
        if lab.store is not None:
            results = apply_reset(plan, lab.engine, lab.target, lab.credentials, lab.store)
            self.post_message(self.Undone([("✓ " if r.ok else "✗ ") + r.message for r in results]))

    def on_reset_modal_undone(self, message: ResetModal.Undone) -> None:
        """Report what was undone and start the lab again from its first step."""
        lab = self.lab
        if lab.store is not None:
            lab.progress = lab.store.load(lab.progress_key())
        lab.results.clear()
        self.notify("\n".join(message.lines), title=_("Reset"), timeout=15)
        self.dismiss(True)
