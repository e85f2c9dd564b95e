"""The row of things a step offers to do for the learner (build the app, create the account, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import var
from textual.widgets import Button


@dataclass(frozen=True)
class Offer:
    """One offer: its id (also the button's), its label, and whether it goes once the step is done."""

    id: str
    label: str
    until_done: bool = True
    main: bool = False


class Offers(Horizontal):
    """The step's offers as compact buttons; pressing one posts Offers.Chosen.

    | Class         | Meaning                                         |
    |---------------|-------------------------------------------------|
    | `-main`       | the step's main offer (also on a key)           |
    | `until-done`  | hidden once `done` is set                       |
    """

    # !important: a Button's own default styles are more specific (.-style-default, :hover), and
    # these must win in every state.
    DEFAULT_CSS = """
    Offers {
        height: auto;
    }

    /* Offers must look like buttons, and the focused one must stand out, not read as plain text. */
    Offers > Button {
        margin: 0 1 0 0;
        background: $boost !important;
        color: $text !important;
        text-style: none !important;
    }

    Offers > Button.-main {
        background: $primary-muted !important;
        text-style: bold !important;
    }

    Offers > Button:focus {
        background: $accent !important;
        color: $text !important;
        text-style: bold underline !important;
    }
    """

    done: var[bool] = var(False)
    """True once the step is done: offers that only help until then are hidden."""

    @dataclass
    class Chosen(Message):
        """The learner pressed an offer's button."""

        offer: str

    def __init__(self, offers: list[Offer], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.offers = offers

    def compose(self) -> ComposeResult:
        for offer in self.offers:
            classes = ["until-done"] if offer.until_done else []
            classes += ["-main"] if offer.main else []
            yield Button(offer.label, id=offer.id, classes=" ".join(classes), compact=True)

    def watch_done(self, done: bool) -> None:
        """Hide what only helps until the step is done (and show it again if it is undone)."""
        for button in self.query(".until-done").results(Button):
            button.display = not done

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Say which offer the learner chose."""
        event.stop()
        self.post_message(self.Chosen(event.button.id or ""))
