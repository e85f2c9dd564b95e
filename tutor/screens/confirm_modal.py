"""A yes/no question that says exactly what will happen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from tutor.core.i18n import N_
from tutor.screens.base import TutorModal


class ConfirmModal(TutorModal[bool]):
    """Shows a question and the details of what will happen; dismisses True only on yes."""

    KEYS: ClassVar[list[Binding]] = [Binding("escape", "no", N_("No"))]

    def __init__(self, question: str, details: list[str], yes: str, no: str) -> None:
        super().__init__()
        self.question, self.details, self.yes, self.no = question, details, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label(self.question, id="confirm-question", markup=False)
            with VerticalScroll(id="confirm-details"):
                yield Static("\n".join(self.details), markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="warning", id="confirm-yes")
                yield Button(self.no, variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        """The safe answer has the focus."""
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Yes or no."""
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_no(self) -> None:
        """Escape means no."""
        self.dismiss(False)
