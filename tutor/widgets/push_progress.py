"""Progress of a push or pull: a total line and a line per layer, all text; a moving line without news.

The panel draws its lines itself (Textual's line API): no ProgressBar (its bar, percentage and ETA
are three widgets more to lay out and repaint every frame) and no Static per line (each redraw of
one went through the whole text pipeline, a millisecond a time); only a line that changed is
built again. It never grows past MAX_LINES layer lines, so 30 layers cost what 5 do: with more,
the layers still moving are shown and the rest counted in one line.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widget import Widget

from tutor.core.events import LayerProgressed
from tutor.core.i18n import _
from tutor.widgets.pacing import draw_paced

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
    """A total line and up to MAX_LINES layer lines, drawn at the shared pace (pacing.py)."""

    DEFAULT_CSS = """
    PushProgress {
        height: auto;
        border: round $panel;
        border-title-color: $text-muted;
    }
    """

    # Its height is set by start() and finish(), never by its size: showing it lays the screen out
    # once, not a second time because its (unscrollable) virtual size changed with it.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._layers: dict[str, LayerProgressed] = {}
        self._rows: list[Content] = [Content("")]  # the total line, then the layer lines
        self._strips: dict[int, Strip] = {}  # the rows drawn at the panel's width, built when asked for
        self._strips_style: object = None  # the style they were drawn in (a theme change draws anew)
        self._room = 1  # rows of content (the total line and the layer lines) the panel takes
        self._fraction: float | None = 0.0
        self._sweep = 0
        self._indeterminate = False
        self.border_title = _("Layers")

    def start(self, indeterminate: bool = False) -> None:
        """Begin a fresh transfer; an indeterminate one (Podman) shows a moving total line only."""
        self._layers.clear()
        self._indeterminate = indeterminate
        self.set_class(indeterminate, "-indeterminate")
        self._fraction = None if indeterminate else 0.0
        self._set_rows(1, [])
        # Room for every line it may show, from the first news to the end: lines coming and going then
        # never lay the screen out again (each layout of the step screen is 10-25 ms of CPU, and far
        # more while the engine keeps the machine busy). finish() gives back what was not used.
        self._set_room(1 if indeterminate else 1 + MAX_LINES)
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
        self._set_room(min(self._room, len(self._rows)))

    def _set_room(self, rows: int) -> None:
        if rows != self._room:
            self._room = rows
            self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many rows as start() or finish() made room for."""
        return self._room

    def update_layer(self, layer: LayerProgressed) -> None:
        """Take a layer's news; the lines are redrawn at the shared pace (pacing.py), however many
        layers: the first news shows right away, with the panel itself, in one layout."""
        self._layers[layer.layer_id] = layer
        draw_paced(self, self.flush)

    def flush(self) -> None:
        """Draw the layer lines and the total again; only the lines that changed are repainted."""
        width = self.bar_width()
        picked, others = shown_layers(list(self._layers.values()))
        lines = [layer_line(layer, width) for layer in picked]
        if others:
            done = sum(is_complete(layer) for layer in self._layers.values() if layer not in picked)
            lines.append(Content.styled(_("… and {count} more layers, {done} of them done").format(
                count=others, done=done), "dim"))
        if not self._indeterminate:
            self._set_rows(1, lines)
        self._count_total()

    def _set_rows(self, first: int, rows: list[Content]) -> None:
        """Put ROWS in from row FIRST on (none after them) and repaint the rows that changed: most news
        moves no bar by a whole block or percent."""
        old = self._rows
        new = old[:first] + rows
        changed = [y for y in range(max(len(old), len(new)))
                   if y >= len(old) or y >= len(new) or old[y].plain != new[y].plain]
        self._rows = new
        for y in changed:
            self._strips.pop(y, None)
        if changed:
            width = self.size.width
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    def render_line(self, y: int) -> Strip:
        """One row of the panel at its width, cut with an ellipsis where it does not fit."""
        width, style = self.size.width, self.visual_style
        if style is not self._strips_style:
            self._strips.clear()
            self._strips_style = style
        strip = self._strips.get(y)
        if strip is None or strip.cell_length != width:
            if y < len(self._rows):
                segments = self._rows[y].render_segments(style)
                strip = Strip(segments)
                if strip.cell_length > width:
                    ellipsis = Strip(Content("…").render_segments(style))
                    strip = Strip.join([strip.crop(0, max(0, width - 1)), ellipsis])
            else:
                strip = Strip(Content("").render_segments(style))
            strip = strip.extend_cell_length(width, style.rich_style)
            self._strips[y] = strip
        return strip

    def bar_width(self) -> int:
        """The layer bars' width: what is left beside ID and status (border and percentage off)."""
        room = self.size.width - 4 - ID_WIDTH - STATUS_WIDTH - 1 - 5
        return max(6, min(BAR_WIDTH, room))

    def on_resize(self) -> None:
        """Draw the bars again for the new width."""
        self._strips.clear()
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
        """Draw the total line (only repainted when it changed by something one can see)."""
        width = self.bar_width()  # in the layer bars' column, as wide as they are
        if self._fraction is None:
            dots = ["·"] * width
            for offset in range(3):
                dots[(self._sweep + offset) % width] = "█"
            bar = "".join(dots) + "   …"
        else:
            bar = text_bar(self._fraction, width)
        total = Content.assemble((_("Total").ljust(ID_WIDTH + STATUS_WIDTH + 1), "bold"), bar)
        self._set_rows(0, [total, *self._rows[1:]])

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
