"""Progress of a push or pull: a text line per layer and a total bar; indeterminate without news."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, ProgressBar, Static

from tutor.core.events import LayerProgressed
from tutor.core.i18n import _

FLUSH_SECONDS = 1 / 20
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
        self._flush_due = False
        self.border_title = _("Layers")

    def compose(self) -> ComposeResult:
        with Horizontal(id="total-row"):
            yield Label(_("Total"), id="total-label")
            yield ProgressBar(total=None, show_eta=False, id="total-bar")
        with VerticalScroll(id="layer-rows"):
            yield Static("", id="layer-lines", markup=False)

    def start(self, indeterminate: bool = False) -> None:
        """Begin a fresh transfer; an indeterminate one (Podman) shows no per-layer lines."""
        self._layers.clear()
        self._plain_shown = []
        self.query_one("#layer-lines", Static).update("")
        self.query_one("#total-bar", ProgressBar).update(total=None, progress=0)
        self.set_class(indeterminate, "-indeterminate")
        self.display = True

    def finish(self) -> None:
        """Fill the total bar: the transfer ended."""
        self.flush()
        self.query_one("#total-bar", ProgressBar).update(total=1, progress=1)

    def update_layer(self, layer: LayerProgressed) -> None:
        """Take a layer's news; the lines are redrawn at most FLUSH_SECONDS apart, however many layers."""
        self._layers[layer.layer_id] = layer
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
            self.query_one("#layer-lines", Static).update(joined, layout=grew)
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
        bar = self.query_one("#total-bar", ProgressBar)
        if total:
            bar.update(total=total, progress=done)
        elif self._layers and all(is_complete(layer) for layer in self._layers.values()):
            bar.update(total=1, progress=1)

    def layer_text(self) -> str:
        """The layer lines as plain text (what the learner reads)."""
        return "\n".join(layer_line(layer).plain for layer in self._layers.values())

    @property
    def layer_count(self) -> int:
        """How many layers this transfer has shown."""
        return len(self._layers)
