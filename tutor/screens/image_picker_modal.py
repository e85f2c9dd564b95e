"""Pick any local image as the lab's source image (when the hello-world app cannot be built)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList

from tutor.core.i18n import N_, _
from tutor.screens.base import TutorModal


class ImagePickerModal(TutorModal[str | None]):
    """Lists local image names; dismisses with the chosen one."""

    KEYS: ClassVar[list[Binding]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog", classes="dialog"):
            yield Label(_("Choose a local image to push in the lab"), classes="dialog-title")
            if self.names:
                yield OptionList(*self.names, id="picker-list")
            else:
                yield Label(_("There are no named images on this engine yet."), markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """The learner chose an image."""
        event.stop()
        self.dismiss(self.names[event.option_index])

    def action_cancel(self) -> None:
        """Escape keeps the current source image."""
        self.dismiss(None)
