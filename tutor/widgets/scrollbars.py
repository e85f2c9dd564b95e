"""Textual's scrollbars, told that a change of their own size needs no second layout.

A ScrollBar is a Widget, and a Widget's `virtual_size` is a reactive that asks for a layout of the
screen when it changes. A scrollbar's virtual size is set while its container is laid out, to its
own size; the layout it then asks for is a second full pass over the screen that changes nothing.
On the step screen it came each time the lesson's height changed (the layers panel appearing at a
push, going after it): about a fifth of the tutor's CPU per push. Here that one reactive of
Textual's own ScrollBar repaints instead, as OutputLog's and PushProgress's do.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar


def quiet_scrollbars() -> None:
    """Make a ScrollBar's virtual size repaint it without a layout (once; Textual 8.2's internals:
    a class-level reactive, registered by name in the class's `_reactives`)."""
    current = ScrollBar.__dict__.get("virtual_size")
    if isinstance(current, Reactive) and not current._layout:
        return
    quiet: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    quiet.__set_name__(ScrollBar, "virtual_size")
    ScrollBar.virtual_size = quiet
    ScrollBar._reactives = {**ScrollBar._reactives, "virtual_size": quiet}
