"""Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

KeysShown = tuple[tuple[str, str, bool, str], ...]


def keys_shown(screen: Screen[object]) -> KeysShown:
    """The footer's keys on a screen as plain values: key, label, enabled, tooltip."""
    return tuple((binding.key, binding.description, enabled, tooltip)
                 for _node, binding, enabled, tooltip in screen.active_bindings.values() if binding.show)


class KeysFooter(Footer):
    """A Footer that skips its rebuild when the screen's shown keys are what it already shows.

    Textual's Footer composes all its keys again on every bindings signal (focus moves, a screen
    resumes, a reactive with bindings=True changes): on the step screen that was four rebuilds of
    ten keys before the first frame. The same keys, labels and states need no rebuild.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._keys: KeysShown | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild as Textual's Footer does, unless the shown keys are unchanged."""
        keys = keys_shown(screen)
        if keys == self._keys and self._bindings_ready:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._keys = keys  # only once a rebuild is really on its way
        super().bindings_changed(screen)
