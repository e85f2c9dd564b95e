"""One redraw pace for the widgets that show a running command (the layers panel, the output).

News of a push comes in hundreds of pieces; each redraw of a widget is a frame of the whole screen.
A widget that got news draws right after the handler at hand when none of them drew in the last
REDRAW_SECONDS, else on the next beat of one clock all of them share. Every widget with news draws
in the same callback of that beat, so the panel's and the output's news make one frame, not two.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

REDRAW_SECONDS = 1 / 5
"""How often a busy widget redraws at most: five times a second still reads as live progress."""


class _Clock:
    last_drawn = float("-inf")  # when any paced widget last drew (time.monotonic)


def redraw_delay(now: float | None = None) -> float:
    """Seconds until a widget with news may draw: 0 when no paced widget drew in the last
    REDRAW_SECONDS, else the time to the shared clock's next beat."""
    now = time.monotonic() if now is None else now
    if now - _Clock.last_drawn >= REDRAW_SECONDS:
        return 0.0
    return REDRAW_SECONDS - (now % REDRAW_SECONDS)


def drawing(now: float | None = None) -> None:
    """Say that a paced widget draws now (the others wait for the next beat)."""
    _Clock.last_drawn = time.monotonic() if now is None else now


@dataclass
class _Beat:
    """The draws waiting for one app's next beat, in the order their news came."""

    due: dict[Widget, Callable[[], None]] = field(default_factory=dict)

    def draw_due(self) -> None:
        """Draw every widget with news, together: their repaints go into one frame."""
        due, self.due = self.due, {}
        drawing()
        for widget, draw in due.items():
            if widget.is_attached:
                draw()


_beats: WeakKeyDictionary[App[object], _Beat] = WeakKeyDictionary()


def draw_paced(widget: Widget, draw: Callable[[], None]) -> None:
    """Have DRAW (the widget's redraw) run at the shared pace: once, however much news comes first.

    The callback belongs to the app, not to the widget: a widget that goes meanwhile (its screen
    was left) is skipped, and the others still draw.
    """
    app = widget.app
    beat = _beats.setdefault(app, _Beat())
    if widget in beat.due:
        return
    beat.due[widget] = draw
    if len(beat.due) > 1:
        return  # the beat is already called for
    wait = redraw_delay()
    if wait <= 0:
        app.call_later(beat.draw_due)
    else:
        app.set_timer(wait, beat.draw_due)
