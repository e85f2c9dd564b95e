"""One redraw pace for the widgets that show a running command (the layers panel, the output).

News of a push comes in hundreds of pieces; each redraw of a widget is a frame of the whole screen.
A widget that got news draws at once when none of them drew in the last REDRAW_SECONDS, else on the
next beat of one clock all of them share: the panel's and the output's redraws fall into one frame.
"""

from __future__ import annotations

import time

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
