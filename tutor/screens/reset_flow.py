"""Reset from the palette: plan in a worker, show exactly what will be undone, undo only after yes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.core.i18n import _
from tutor.core.lab.reset import ResetPlan, apply_reset, plan_reset
from tutor.screens.confirm_modal import ConfirmModal

if TYPE_CHECKING:
    from tutor.app import TutorApp


def start_reset(app: TutorApp) -> None:
    """Plan the reset (it asks the engine and the registry), then ask the learner."""
    lab = app.lab
    if lab is None or lab.progress is None:
        return
    progress = lab.progress

    def plan() -> None:
        found = plan_reset(lab.engine, lab.target, lab.credentials, progress)
        app.call_from_thread(ask, app, found)

    app.run_worker(plan, thread=True, exclusive=True, group="reset", exit_on_error=False)


def ask(app: TutorApp, plan: ResetPlan) -> None:
    """Show the plan; nothing is touched unless the learner says yes."""
    if plan.is_empty:
        app.notify(_("There is nothing the lab created to undo."))
        return
    details = [_("Reset will undo exactly this:"), *plan.lines()]
    app.push_screen(ConfirmModal(_("Reset the lab?"), details, _("Undo these"), _("Keep everything")),
                    lambda yes: undo(app, plan) if yes else None)


def undo(app: TutorApp, plan: ResetPlan) -> None:
    """Undo the planned items in a worker, then start the lab from its first step."""
    lab = app.lab
    if lab is None or lab.store is None:
        return
    store = lab.store

    def run() -> None:
        results = apply_reset(plan, lab.engine, lab.target, lab.credentials, store)
        app.call_from_thread(done, app, [("✓ " if r.ok else "✗ ") + r.message for r in results])

    app.run_worker(run, thread=True, exclusive=True, group="reset", exit_on_error=False)


def done(app: TutorApp, lines: list[str]) -> None:
    """Report what was undone and go back to the first step."""
    lab: Any = app.lab
    if lab is None or lab.store is None:
        return
    lab.progress = lab.store.load(lab.progress_key())
    lab.results.clear()
    app.notify("\n".join(lines), title=_("Reset"), timeout=15)
    app.show_step(0)
