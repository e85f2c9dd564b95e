"""Progress of a push or pull: a total line and a line per layer, all text; a moving line without news.

The panel is two Static widgets drawn as text (no ProgressBar: its bar, percentage and ETA are
three widgets more to lay out and repaint every frame), and it never grows past MAX_LINES layer
lines, so 30 layers cost what 5 do: with more, the layers still moving are shown and the rest
counted in one line.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from tutor.core.events import LayerProgressed
from tutor.core.i18n import _
from tutor.widgets.pacing import drawing, redraw_delay

MAX_LINES = 5
"""Layer lines shown at most; with more layers the last line counts the others."""
SWEEP_SECONDS = 1 / 4
"""How often the line of a transfer without byte counts (Podman) moves."""
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


def layer_line(layer: LayerProgressed, bar_width: int = BAR_WIDTH) -> Content:
    """One layer as a line: short ID, status word (cut with an ellipsis) and its bar."""
    status = layer.status if len(layer.status) <= STATUS_WIDTH else layer.status[:STATUS_WIDTH - 1] + "…"
    return Content.assemble((layer.layer_id[:12].ljust(ID_WIDTH), "dim"), status.ljust(STATUS_WIDTH + 1),
                            text_bar(layer_fraction(layer), bar_width))


def shown_layers(layers: list[LayerProgressed], room: int = MAX_LINES) -> tuple[list[LayerProgressed], int]:
    """The layers to draw a line for, and how many others one more line counts.

    Up to ROOM layers are all shown in the order they came. With more, those still moving come
    first (in their order), then the most recently finished, ROOM - 1 in all.
    """
    if len(layers) <= room:
        return layers, 0
    moving = [layer for layer in layers if not is_complete(layer)]
    done = [layer for layer in layers if is_complete(layer)]
    picked = (moving + done[::-1])[:room - 1]
    order = {id(layer): index for index, layer in enumerate(layers)}
    return sorted(picked, key=lambda layer: order[id(layer)]), len(layers) - len(picked)


class PushProgress(Widget):
    """A total line and up to MAX_LINES layer lines, two Statics redrawn at the shared pace (pacing.py)."""

    DEFAULT_CSS = """
    PushProgress {
        height: auto;
        border: round $panel;
        border-title-color: $text-muted;
    }

    PushProgress Static {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }

    /* Podman reports no layers: only the total line. */
    PushProgress.-indeterminate #layer-lines {
        display: none;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._layers: dict[str, LayerProgressed] = {}
        self._plain_shown: list[str] = []
        self._total_shown: str | None = None
        self._fraction: float | None = 0.0
        self._flush_due = False
        self._sweep = 0
        self._total = Static("", id="total-line", markup=False)
        self._lines = Static("", id="layer-lines", markup=False)
        self.border_title = _("Layers")

    def compose(self) -> ComposeResult:
        """Two lines of text: cheap enough to build with the step, so a transfer mounts nothing."""
        yield self._total
        yield self._lines

    def start(self, indeterminate: bool = False) -> None:
        """Begin a fresh transfer; an indeterminate one (Podman) shows a moving total line only."""
        self._layers.clear()
        self._plain_shown = []
        self._lines.update("", layout=False)
        # Room for every line it may show, from the first news to the end: lines coming and going then
        # never lay the screen out again (each layout of the step screen is 10-25 ms of CPU, and far
        # more while the engine keeps the machine busy). finish() gives back what was not used.
        self._lines.styles.height = None if indeterminate else MAX_LINES
        self._fraction = None if indeterminate else 0.0
        self._total_shown = None
        self.set_class(indeterminate, "-indeterminate")
        self._show_total()  # shown by its screen (StepScreen.progress_shown)
        if indeterminate:
            self.set_timer(SWEEP_SECONDS, self._sweep_on)

    def _sweep_on(self) -> None:
        """Move the line of a transfer without byte counts, while it lasts."""
        if self._fraction is None and self.display:
            self._sweep += 1
            self._show_total()
            self.set_timer(SWEEP_SECONDS, self._sweep_on)

    def finish(self) -> None:
        """Fill the total and fit the panel to its lines: the transfer ended."""
        self.flush()
        self._fraction = 1.0
        self._show_total()
        if self._lines.styles.height is not None and len(self._plain_shown) < MAX_LINES:
            self._lines.styles.height = None

    def update_layer(self, layer: LayerProgressed) -> None:
        """Take a layer's news; the lines are redrawn at the shared pace (pacing.py), however many
        layers: the first news shows at once, with the panel itself, in one layout."""
        self._layers[layer.layer_id] = layer
        if self._flush_due:
            return
        wait = redraw_delay()
        if wait <= 0:
            self.flush()
        else:
            self._flush_due = True
            self.set_timer(wait, self.flush)

    def flush(self) -> None:
        """Redraw the layer lines and the total; the screen is laid out again only when a line was added
        to lines of no reserved height."""
        self._flush_due = False
        drawing()
        width = self.bar_width()
        picked, others = shown_layers(list(self._layers.values()))
        lines = [layer_line(layer, width) for layer in picked]
        if others:
            done = sum(is_complete(layer) for layer in self._layers.values() if layer not in picked)
            lines.append(Content.styled(_("… and {count} more layers, {done} of them done").format(
                count=others, done=done), "dim"))
        plain = [line.plain for line in lines]
        if plain != self._plain_shown:  # most news moves no bar by a whole block or percent
            grew = len(plain) != len(self._plain_shown)
            self._plain_shown = plain
            self._lines.update(Content("\n").join(lines), layout=grew and self._lines.styles.height is None)
        self._count_total()

    def bar_width(self) -> int:
        """The layer bars' width: what is left beside ID and status (border and percentage off)."""
        room = self.size.width - 4 - ID_WIDTH - STATUS_WIDTH - 1 - 5
        return max(6, min(BAR_WIDTH, room))

    def on_resize(self) -> None:
        """Draw the bars again for the new width."""
        self._total_shown = None
        self._show_total()
        if self._layers:
            self.flush()

    def _count_total(self) -> None:
        total = sum(layer.total for layer in self._layers.values())
        done = sum(layer.total if is_complete(layer) else min(layer.current, layer.total)
                   for layer in self._layers.values())
        if total:
            self._fraction = done / total
        elif self._layers and all(is_complete(layer) for layer in self._layers.values()):
            self._fraction = 1.0
        self._show_total()

    def _show_total(self) -> None:
        """Draw the total line, only when it changed by something one can see."""
        width = self.bar_width()  # in the layer bars' column, as wide as they are
        if self._fraction is None:
            dots = ["·"] * width
            for offset in range(3):
                dots[(self._sweep + offset) % width] = "█"
            bar = "".join(dots) + "   …"
        else:
            bar = text_bar(self._fraction, width)
        if bar != self._total_shown:
            self._total_shown = bar
            self._total.update(Content.assemble((_("Total").ljust(ID_WIDTH + STATUS_WIDTH + 1), "bold"), bar),
                               layout=False)

    @property
    def total_fraction(self) -> float | None:
        """How much of the whole transfer is through (0..1), None while the engine gives no sizes."""
        return self._fraction

    def layer_text(self) -> str:
        """Every layer's line as plain text (what the learner reads, also beyond the lines shown)."""
        return "\n".join(layer_line(layer).plain for layer in self._layers.values())

    @property
    def layer_count(self) -> int:
        """How many layers this transfer has shown."""
        return len(self._layers)
