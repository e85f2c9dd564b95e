"""The masked password prompt that `docker login` would show; the secret is never echoed or kept."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from tutor.core.i18n import N_, _
from tutor.screens.base import TutorModal


class PasswordModal(TutorModal[str | None]):
    """Asks for a password (masked); dismisses with it, or None when cancelled."""

    KEYS: ClassVar[list[Binding]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="password-dialog", classes="dialog"):
            yield Label(self.prompt, id="password-prompt", markup=False)
            yield Input(password=True, id="password-input", placeholder=_("Password or access token"))
            yield Label(_("Nothing you type here is shown or saved by the tutor."), classes="dialog-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Log in"), variant="primary", id="password-ok")
                yield Button(_("Cancel"), id="password-cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter sends the password."""
        event.stop()
        self.dismiss(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """OK sends the password; Cancel sends nothing."""
        event.stop()
        if event.button.id == "password-ok":
            self.dismiss(self.query_one("#password-input", Input).value)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        """Escape: log in without a password (the login then fails with a clear message)."""
        self.dismiss(None)
