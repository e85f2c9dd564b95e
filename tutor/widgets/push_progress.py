"""Progress of a push or pull: a text line per layer and a total bar; indeterminate without news."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, ProgressBar, Static

from tutor.core.events import LayerProgressed
from tutor.core.i18n import _

FLUSH_SECONDS = 1 / 10
"""How often the panel redraws at most: each redraw is a screen frame, wherever the news came from."""
TOTAL_STEPS = 200
"""The total bar moves in steps of 1/TOTAL_STEPS (finer than its half blocks and whole percent)."""
DONE_WORDS = ("pushed", "layer already exists", "pull complete", "already exists", "mounted from")
ID_WIDTH = 14
STATUS_WIDTH = 22
BAR_WIDTH = 24


def is_complete(layer: LayerProgressed) -> bool:
    """True when the status says the layer needs no more bytes."""
    status = layer.status.lower()
    return any(word in status for word in DONE_WORDS)


def layer_fraction(layer: LayerProgressed) -> float | None:
    """How much of the layer is through (0..1), or None while the engine gives no size."""
    if is_complete(layer):
        return 1.0
    if layer.total:
        return min(layer.current, layer.total) / layer.total
    return None


def text_bar(fraction: float | None, width: int = BAR_WIDTH) -> str:
    """A bar drawn in text: filled blocks and a percentage, or dots while the size is unknown."""
    if fraction is None:
        return "·" * width + "   …"
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled) + f" {fraction:4.0%}"


def layer_line(layer: LayerProgressed, bar_width: int = BAR_WIDTH) -> Text:
    """One layer as a line: short ID, status word (cut with an ellipsis) and its bar."""
    status = layer.status if len(layer.status) <= STATUS_WIDTH else layer.status[:STATUS_WIDTH - 1] + "…"
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(layer.layer_id[:12].ljust(ID_WIDTH), style="dim")
    line.append(status.ljust(STATUS_WIDTH + 1))
    line.append(text_bar(layer_fraction(layer), bar_width))
    return line


class PushProgress(Widget):
    """All layers' lines in one widget (cheap to redraw with 30 layers) and a total bar."""

    DEFAULT_CSS = """
    PushProgress {
        height: auto;
        max-height: 8;
        border: round $panel;
        border-title-color: $text-muted;
    }

    PushProgress #total-row {
        height: 1;
    }

    PushProgress #total-label {
        width: 14;
        text-style: bold;
    }

    PushProgress #layer-lines {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }

    PushProgress #layer-rows {
        height: auto;
        max-height: 5;
    }

    /* Podman reports no layers: only the total bar. */
    PushProgress.-indeterminate #layer-rows {
        display: none;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._layers: dict[str, LayerProgressed] = {}
        self._plain_shown: list[str] = []
        self._total_shown: tuple[int, int] | None = None
        self._flush_due = False
        self._total_bar: ProgressBar | None = None
        self._lines = Static("", id="layer-lines", markup=False)
        self.border_title = _("Layers")

    def compose(self) -> ComposeResult:
        """Nothing until the first transfer: most steps never show the panel (see _build)."""
        return iter(())

    def _build(self) -> ProgressBar:
        """Mount the total bar and the layer lines once, when the first transfer starts."""
        if self._total_bar is None:
            self._total_bar = ProgressBar(total=None, show_eta=False, id="total-bar")
            self.mount(Horizontal(Label(_("Total"), id="total-label"), self._total_bar, id="total-row"),
                       VerticalScroll(self._lines, id="layer-rows"))
        return self._total_bar

    def start(self, indeterminate: bool = False) -> None:
        """Begin a fresh transfer; an indeterminate one (Podman) shows no per-layer lines.

        Only an indeterminate transfer gets the bouncing bar: it repaints at 60 frames a second, so
        the others start at 0 % and move when the engine first says how many bytes there are.
        """
        self._layers.clear()
        self._plain_shown = []
        self._lines.update("")
        self._total_shown = None if indeterminate else (0, TOTAL_STEPS)
        self._build().update(total=None if indeterminate else TOTAL_STEPS, progress=0)
        self.set_class(indeterminate, "-indeterminate")
        self.display = True

    def finish(self) -> None:
        """Fill the total bar: the transfer ended."""
        self._build()
        self.flush()
        self._set_total(1, 1)

    def update_layer(self, layer: LayerProgressed) -> None:
        """Take a layer's news; the lines are redrawn at most FLUSH_SECONDS apart, however many layers."""
        self._layers[layer.layer_id] = layer
        self._build()
        if not self._flush_due:
            self._flush_due = True
            self.set_timer(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        """Redraw the layer lines and the total; the screen is laid out again only when a line was added."""
        self._flush_due = False
        width = self.bar_width()
        lines = [layer_line(layer, width) for layer in self._layers.values()]
        plain = [line.plain for line in lines]
        if plain != self._plain_shown:  # most news moves no bar by a whole block or percent
            grew = len(plain) != len(self._plain_shown)
            self._plain_shown = plain
            joined = Text("\n", no_wrap=True, overflow="ellipsis").join(lines)
            self._lines.update(joined, layout=grew)
        self._show_total()

    def bar_width(self) -> int:
        """The layer bars' width: what is left beside ID and status (border, scrollbar and percentage off)."""
        room = self.size.width - 4 - ID_WIDTH - STATUS_WIDTH - 1 - 5
        return max(6, min(BAR_WIDTH, room))

    def on_resize(self) -> None:
        """Draw the bars again for the new width."""
        if self._layers:
            self.flush()

    def _show_total(self) -> None:
        total = sum(layer.total for layer in self._layers.values())
        done = sum(layer.total if is_complete(layer) else min(layer.current, layer.total)
                   for layer in self._layers.values())
        if total:
            self._set_total(done, total)
        elif self._layers and all(is_complete(layer) for layer in self._layers.values()):
            self._set_total(1, 1)

    def _set_total(self, done: int, total: int) -> None:
        """Move the total bar only when it moves by a step one can see (each move repaints the bar)."""
        shown = (round(done / total * TOTAL_STEPS), TOTAL_STEPS)
        if shown != self._total_shown:
            self._total_shown = shown
            self._build().update(total=shown[1], progress=shown[0])

    def layer_text(self) -> str:
        """The layer lines as plain text (what the learner reads)."""
        return "\n".join(layer_line(layer).plain for layer in self._layers.values())

    @property
    def layer_count(self) -> int:
        """How many layers this transfer has shown."""
        return len(self._layers)
