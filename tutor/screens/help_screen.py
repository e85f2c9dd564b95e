"""What the keys do and how the tutor works, in a few lines."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Markdown

from tutor.core.i18n import N_, _
from tutor.screens.base import TutorModal


def help_text() -> str:
    """The help page as Markdown, in the learner's language."""
    return "\n".join([
        "# " + _("How the tutor works"),
        "",
        _("Each step explains one thing and asks you to type the real command in the box at the "
          "bottom. The tutor runs it against your real engine and then checks the real result. "
          "When the step is done, the next one unlocks."),
        "",
        _("You can also work in your own terminal: the tutor notices the change and unlocks the "
          "step by itself."),
        "",
        "## " + _("Keys"),
        "",
        "| " + _("Key") + " | " + _("What it does") + " |",
        "|---|---|",
        "| Enter | " + _("run the command (empty box, step done: on to the first step not done)") + " |",
        "| ↑ ↓ | " + _("earlier commands") + " |",
        "| Tab | " + _("complete a command or image name") + " |",
        "| Esc, Ctrl+C | " + _("stop the running command (a push can be started again)") + " |",
        "| F2 | " + _("check this step now") + " |",
        "| F3 | " + _("show the next hint") + " |",
        "| F4 | " + _("show the solution") + " |",
        "| F5 | " + _("registry view: what the registry holds") + " |",
        "| F6 | " + _("skip this step (it stays marked skipped)") + " |",
        "| F7 | " + _("let the tutor do it: create the account, build the app, pull it back "
                      "(the footer names it)") + " |",
        "| PgUp PgDn | " + _("scroll the lesson") + " |",
        "| Ctrl+N | " + _("next step") + " |",
        "| Ctrl+P | " + _("command palette: check, hint, reset, language, registry and user…") + " |",
        "| F1, ? | " + _("this help") + " |",
        "| Ctrl+Q | " + _("quit (your progress is kept)") + " |",
        "",
        "## " + _("Signs in the step list"),
        "",
        "- ✓ " + _("done") + "  - ▶ " + _("the step you are on") + "  - · " + _("locked")
        + "  - ! " + _("skipped"),
    ])


class HelpScreen(TutorModal[None]):
    """The help page; any of Escape, F1 or q closes it."""

    KEYS: ClassVar[list[Binding]] = [Binding("escape,f1,q", "close", N_("Close"))]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Markdown(help_text())
        yield Footer()

    def action_close(self) -> None:
        """Back to where the learner was."""
        self.dismiss(None)
