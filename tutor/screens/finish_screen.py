"""The end of the lab: what was done, with the digests, and what to try next."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Markdown

from tutor.core.i18n import N_, _
from tutor.core.lab.session import SIGNS, Lab, state_word
from tutor.screens.base import TutorScreen
from tutor.screens.messages import StepRequested


def summary_markdown(lab: Lab) -> str:
    """The summary page as Markdown."""
    target = lab.target
    lines = ["# " + _("You did it!"), "",
             _("Your image {image} is now in the registry as `{ref}`.").format(
                 image=target.image, ref=target.remote_ref), "", "## " + _("Steps"), ""]
    for index, step in enumerate(lab.steps):
        state = lab.state(index)
        lines.append(f"- {SIGNS[state]} {step.title} ({state_word(state)})")
    facts = lab.progress.facts if lab.progress else {}
    digest = facts.get("manifest_digest") or facts.get("pushed_digest") or facts.get("digest")
    config = facts.get("config_digest") or facts.get("image_id")
    lines += ["", "## " + _("Digests"), ""]
    shown = f"`{digest}`" if digest else _("unknown")
    lines.append("- " + _("Manifest digest: {digest}").format(digest=shown))
    lines.append("- " + _("Image ID / config digest: {digest}").format(
        digest=f"`{config}`" if config else _("unknown")))
    lines += ["", "## " + _("Try next"), "",
              "- " + _("Change the app, build a new version and push it with a tag like `:v2`."),
              "- " + _("Pull `{ref}` on another machine: it is the same image, byte for byte.").format(
                  ref=target.remote_ref),
              "- " + _("Use an access token instead of your password, or a credential helper."),
              "- " + _("Reset the lab from the command palette (Ctrl+P) to start over.")]
    return "\n".join(lines)


class FinishScreen(TutorScreen[None]):
    """The summary with digests; the learner can go back to any step or quit."""

    KEYS: ClassVar[list[Binding]] = [Binding("escape", "back", N_("Back to the steps")),
                                     Binding("ctrl+q", "app.quit", N_("Quit"))]

    def __init__(self, lab: Lab) -> None:
        super().__init__()
        self.lab = lab

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="finish"):
            yield Markdown(summary_markdown(self.lab), id="finish-summary")
        yield Footer()

    def action_back(self) -> None:
        """Return to the last step."""
        self.post_message(StepRequested(len(self.lab.steps) - 1))
