"""The tutor's own commands in Textual's command palette (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from tutor.core.i18n import _

if TYPE_CHECKING:
    from tutor.app import TutorApp


def tutor_commands(app: TutorApp, screen: Screen[Any]) -> Iterable[SystemCommand]:
    """Check, hint, solution, skip, registry view on a step; reset and language everywhere."""
    from tutor.screens.step_screen import StepScreen

    if isinstance(screen, StepScreen):
        yield SystemCommand(_("Check this step"), _("Run the step's check against the real state"),
                            screen.action_check)
        yield SystemCommand(_("Show a hint"), _("The next hint for this step"), screen.action_hint)
        yield SystemCommand(_("Show the solution"), _("The commands that solve this step"),
                            screen.action_solution)
        yield SystemCommand(_("Skip this step"), _("Move on without it (asks first)"), screen.action_skip)
        yield SystemCommand(_("Open the registry view"), _("What the registry holds for your image"),
                            screen.action_registry)
    if app.lab is not None:
        from tutor.screens.reset_flow import start_reset

        yield SystemCommand(_("Reset the lab…"), _("Shows what it will undo, then asks"),
                            lambda: start_reset(app))
    yield SystemCommand(_("Change registry / user…"), _("Back to the welcome form; your progress is kept"),
                        app.change_settings)
    yield SystemCommand(_("Switch language (English/Deutsch)"), _("Lesson and screens in the other language"),
                        app.switch_language)
    yield SystemCommand(_("Help"), _("Keys and how the tutor works"), app.action_help)
