"""The side list of the lesson's steps, each with a sign and a state word (never colour alone)."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tutor.core.i18n import _
from tutor.screens.lab import SIGNS, StepState, state_word
from tutor.screens.messages import StepChosen


class StepList(OptionList):
    """Steps with their state; locked steps cannot be chosen."""

    def __init__(self, titles: list[str], states: list[StepState], current: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._titles = titles
        self.border_title = _("Steps")
        self.show_states(states, current)

    def show_states(self, states: list[StepState], current: int) -> None:
        """Redraw every step's line; the step on screen is highlighted."""
        self.clear_options()
        for index, (title, state) in enumerate(zip(self._titles, states, strict=True)):
            prompt = f"{SIGNS[state]} {index + 1}. {title}\n   {state_word(state)}"
            self.add_option(Option(prompt, id=f"step-{index}", disabled=state is StepState.LOCKED))
        self.highlighted = current

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Tell the screen which step the learner wants to see."""
        event.stop()
        self.post_message(StepChosen(event.option_index))
