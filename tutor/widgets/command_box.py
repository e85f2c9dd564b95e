"""The command box: the learner types the real command; history with up/down, Tab completes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import Reactive
from textual.suggester import Suggester
from textual.widgets import Input

from tutor.core.i18n import _

Completer = Callable[[str], list[str]]


class CommandSuggester(Suggester):
    """Suggests the rest of a command from the interpreter's completions (shown greyed, Tab accepts)."""

    def __init__(self, completer: Completer) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._completer = completer

    async def get_suggestion(self, value: str) -> str | None:
        """The first completion that extends what is typed."""
        if not value.strip():
            return None
        # Image names come from the engine: ask in a thread so typing never waits on the engine.
        for candidate in await asyncio.to_thread(self._completer, value):
            if candidate.startswith(value) and candidate != value:
                return candidate
        return None


class CommandBox(Input):
    """An Input that remembers earlier commands and completes commands and image names."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", show=False),
        Binding("down", "history(1)", show=False),
        Binding("tab", "complete", show=False, priority=True),
    ]
    # Input sets its virtual width to the typed text's at every key; a layout=True reactive, that
    # laid the whole screen out again per keystroke (and at Enter, as a push starts). The box's size
    # never depends on it (dock: bottom, height 3): a repaint is all it needs.
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=True)

    def __init__(self, history: list[str], completer: Completer, engine: str = "docker",
                 **kwargs: object) -> None:
        """ENGINE ('docker' or 'podman') is the command the placeholder's example starts with."""
        super().__init__(placeholder=_("Type a command, e.g. {cli} images, then Enter").format(cli=engine),
                         suggester=CommandSuggester(completer), **kwargs)  # type: ignore[arg-type]
        self.history = history
        self._position = len(history)
        self.border_title = "$"

    def remember(self, line: str) -> None:
        """Add a command to the shared history (no repeats in a row)."""
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._position = len(self.history)

    def action_history(self, direction: int) -> None:
        """Walk through earlier commands; past the newest comes an empty line."""
        if not self.history:
            return
        self._position = max(0, min(len(self.history), self._position + direction))
        self.value = self.history[self._position] if self._position < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        """Accept the greyed suggestion, if any; otherwise move focus as Tab normally does."""
        if self._suggestion and self.cursor_at_end:
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()
