"""The side list of the lesson's steps: one line each, a sign for the state (never colour alone)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tutor.core.i18n import _
from tutor.core.lab.session import SIGNS, StepState, state_word


class StepList(OptionList):
    """Steps as "✓ 1 Image"; the tooltip gives full titles and state words; locked steps cannot be chosen."""

    DEFAULT_CSS = """
    StepList {
        border: round $panel;
        border-title-color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        &:focus {
            border: round $panel;
        }
    }
    """

    @dataclass
    class Chosen(Message):
        """The learner picked a step that is not locked."""

        index: int

    def __init__(self, titles: list[str], states: list[StepState], current: int, *,
                 full_titles: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._titles = titles
        self._full_titles = full_titles or titles
        self.border_title = _("Steps")
        self.show_states(states, current)

    def show_states(self, states: list[StepState], current: int) -> None:
        """Redraw every step's line (all at once: each added line alone would re-lay out the screen)."""
        self.clear_options()
        self.add_options([Option(f"{SIGNS[state]} {index + 1} {title}", id=f"step-{index}",
                                 disabled=state is StepState.LOCKED)
                          for index, (title, state) in enumerate(zip(self._titles, states, strict=True))])
        self.highlighted = current
        self.tooltip = "\n".join(f"{SIGNS[state]} {index + 1}. {title} — {state_word(state)}"
                                 for index, (title, state) in enumerate(zip(self._full_titles, states,
                                                                            strict=True)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Tell the screen which step the learner wants to see."""
        event.stop()
        self.post_message(self.Chosen(event.option_index))
