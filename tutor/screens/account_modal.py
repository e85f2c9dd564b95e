"""The practice registry's sign-up form: pick a name and a password; the account is created for real."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tutor.core.i18n import N_, _
from tutor.core.registry.server import MAX_PASSWORD_BYTES
from tutor.core.target import InvalidName, validate_user
from tutor.screens.base import TutorModal

MIN_PASSWORD = 6


@dataclass(frozen=True)
class NewAccount:
    """The name and password the learner chose."""

    user: str
    password: str


def account_problem(user: str, password: str, repeat: str) -> str | None:
    """What is wrong with the form, in words, or None."""
    try:
        validate_user(user)
    except InvalidName as error:
        return str(error)
    if len(password) < MIN_PASSWORD:
        return _("Choose a password of at least {count} characters.").format(count=MIN_PASSWORD)
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:  # bcrypt, which the registry uses, stops there
        return _("Choose a shorter password: the registry takes at most {count} bytes "
                 "(fewer characters when they are not plain ASCII).").format(count=MAX_PASSWORD_BYTES)
    if password != repeat:
        return _("The two passwords differ; type the same password twice.")
    return None


class AccountModal(TutorModal[NewAccount | None]):
    """A small sign-up form like a registry's web page."""

    KEYS: ClassVar[list[Binding]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, user: str) -> None:
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        with Vertical(id="account-dialog", classes="dialog"):
            yield Label(_("Create your account on the practice registry"), classes="dialog-title")
            yield Label(_("Account name: {user}").format(user=self.user), id="account-user", markup=False)
            yield Label(_("Password"))
            yield Input(password=True, id="account-password")
            yield Label(_("Password again"))
            yield Input(password=True, id="account-repeat")
            # A Static, not a Label: it wraps a long message (German) instead of cutting it off.
            yield Static("", id="account-problem", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Create account"), variant="primary", id="account-ok")
                yield Button(_("Cancel"), id="account-cancel")

    def on_mount(self) -> None:
        """Start at the password when the name is already known."""
        self.query_one("#account-password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on, and submits from the last field."""
        event.stop()
        if event.input.id == "account-repeat":
            self._submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Create or cancel."""
        event.stop()
        if event.button.id == "account-ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        password = self.query_one("#account-password", Input).value
        repeat = self.query_one("#account-repeat", Input).value
        problem = account_problem(self.user, password, repeat)
        if problem:
            self.query_one("#account-problem", Static).update("✗ " + problem)
            first = self.query_one("#account-password", Input)
            if password != repeat:  # start both again rather than leave two hidden texts to compare
                first.value = self.query_one("#account-repeat", Input).value = ""
            first.focus()
            return
        self.dismiss(NewAccount(self.user, password))

    def action_cancel(self) -> None:
        """Escape closes the form without creating anything."""
        self.dismiss(None)
