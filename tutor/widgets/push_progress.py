"""Progress of a push or pull: a bar per layer and a total; indeterminate when the engine says nothing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Label, ProgressBar

from tutor.core.events import LayerProgressed
from tutor.core.i18n import _

FLUSH_SECONDS = 1 / 20
DONE_WORDS = ("pushed", "layer already exists", "pull complete", "already exists", "mounted from")


class LayerRow(Horizontal):
    """One layer: its short ID, status word and bar."""

    def __init__(self, layer: LayerProgressed) -> None:
        super().__init__(classes="layer-row")
        self.news = layer

    def compose(self) -> ComposeResult:
        yield Label(self.news.layer_id[:12], classes="layer-id")
        yield Label("", classes="layer-status")
        yield ProgressBar(total=None, show_eta=False, classes="layer-bar")

    def on_mount(self) -> None:
        self.call_after_refresh(self.show, self.news)

    def show(self, layer: LayerProgressed) -> None:
        """Show a layer's latest status and bytes (complete when the engine says it is done)."""
        self.news = layer
        try:
            status, bar = self.query_one(".layer-status", Label), self.query_one(ProgressBar)
        except NoMatches:  # not composed yet: on_mount shows the latest news
            return
        status.update(layer.status[:22])
        if is_complete(layer):
            bar.update(total=max(layer.total, 1), progress=max(layer.total, 1))
        elif layer.total:
            bar.update(total=layer.total, progress=min(layer.current, layer.total))


def is_complete(layer: LayerProgressed) -> bool:
    """True when the status says the layer needs no more bytes."""
    status = layer.status.lower()
    return any(word in status for word in DONE_WORDS)


class PushProgress(Widget):
    """Per-layer bars and a total bar; hidden until a push or pull starts."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._layers: dict[str, LayerProgressed] = {}
        self._rows: dict[str, LayerRow] = {}
        self._changed: set[str] = set()
        self._flush_due = False
        self.border_title = _("Layers")

    def compose(self) -> ComposeResult:
        with Horizontal(id="total-row"):
            yield Label(_("Total"), id="total-label")
            yield ProgressBar(total=None, show_eta=False, id="total-bar")
        yield VerticalScroll(id="layer-rows")

    def start(self, indeterminate: bool = False) -> None:
        """Begin a fresh transfer; an indeterminate one (Podman) shows no per-layer bars."""
        self._layers.clear()
        self._rows.clear()
        self._changed.clear()
        self.query_one("#layer-rows", VerticalScroll).remove_children()
        self.query_one("#total-bar", ProgressBar).update(total=None, progress=0)
        self.set_class(indeterminate, "-indeterminate")
        self.display = True

    def finish(self) -> None:
        """Fill the total bar: the transfer ended."""
        self.flush()
        self.query_one("#total-bar", ProgressBar).update(total=1, progress=1)

    def update_layer(self, layer: LayerProgressed) -> None:
        """Take a layer's news; the bars are redrawn at most FLUSH_SECONDS apart, however many layers."""
        self._layers[layer.layer_id] = layer
        self._changed.add(layer.layer_id)
        if not self._flush_due:
            self._flush_due = True
            self.set_timer(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        """Redraw the layers that changed since the last redraw, and the total."""
        self._flush_due = False
        rows = self.query_one("#layer-rows", VerticalScroll)
        for layer_id in sorted(self._changed, key=list(self._layers).index):
            layer = self._layers[layer_id]
            if layer_id in self._rows:
                self._rows[layer_id].show(layer)
            else:
                self._rows[layer_id] = LayerRow(layer)
                rows.mount(self._rows[layer_id])
        self._changed.clear()
        self._show_total()

    def _show_total(self) -> None:
        total = sum(layer.total for layer in self._layers.values())
        done = sum(layer.total if is_complete(layer) else min(layer.current, layer.total)
                   for layer in self._layers.values())
        bar = self.query_one("#total-bar", ProgressBar)
        if total:
            bar.update(total=total, progress=done)
        elif self._layers and all(is_complete(layer) for layer in self._layers.values()):
            bar.update(total=1, progress=1)

    @property
    def layer_count(self) -> int:
        """How many layers this transfer has shown."""
        return len(self._layers)
