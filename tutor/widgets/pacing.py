"""One redraw pace for the widgets that show a running command (the layers panel, the output).

News of a push comes in hundreds of pieces; each redraw of a widget is a frame of the whole screen.
A widget that got news draws at once when it last drew REDRAW_SECONDS ago or more, else on the next
beat of one clock all of them share, so the panel's and the output's redraws fall into one frame.
"""

from __future__ import annotations

import time

REDRAW_SECONDS = 1 / 5
"""How often a busy widget redraws at most: five times a second still reads as live progress."""


def redraw_delay(last_drawn: float, now: float | None = None) -> float:
    """Seconds until a widget that last drew at LAST_DRAWN (time.monotonic) may draw again: 0 when
    it may now, else the time to the shared clock's next beat."""
    now = time.monotonic() if now is None else now
    if now - last_drawn >= REDRAW_SECONDS:
        return 0.0
    return REDRAW_SECONDS - (now % REDRAW_SECONDS)
