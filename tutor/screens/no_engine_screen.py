"""No engine answers: say how to start one, and check again on request."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Label, Static

from tutor.core.i18n import N_, _
from tutor.screens.base import TutorScreen
from tutor.screens.messages import ConnectRequested


class NoEngineScreen(TutorScreen[None]):
    """Shows the engine gateway's how-to message and a button that checks again."""

    KEYS: ClassVar[list[Binding]] = [Binding("r", "recheck", N_("Check again")),
                                     Binding("ctrl+q", "app.quit", N_("Quit"))]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="no-engine"):
            yield Label("✗ " + _("No container engine answers"), classes="screen-title")
            yield Static(self.message, id="no-engine-message", markup=False)
            yield Label(_("Start Docker or Podman, then check again."), classes="dialog-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Check again"), variant="primary", id="recheck")
                yield Button(_("Quit"), id="quit")
        yield Footer()

    def show_message(self, message: str) -> None:
        """A re-check failed again: show its (maybe new) message."""
        self.message = message
        self.query_one("#no-engine-message", Static).update(message)
        self.notify(_("Still no engine. Start one and check again."), severity="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Check again, or quit."""
        event.stop()
        if event.button.id == "recheck":
            self.action_recheck()
        else:
            self.app.exit()

    def action_recheck(self) -> None:
        """Ask the app to connect again."""
        self.post_message(ConnectRequested())
