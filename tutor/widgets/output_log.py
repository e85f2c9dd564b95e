"""The live output of the learner's commands, worded like the real CLI, with signs for failures."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.reactive import Reactive, var
from textual.widgets import Log

from tutor.core import events
from tutor.core.i18n import _
from tutor.widgets.pacing import draw_paced

if TYPE_CHECKING:  # Python 3.10 has no typing.Self; Textual itself depends on typing_extensions
    from typing_extensions import Self


def event_lines(event: events.Event, step_names: Mapping[str, str] | None = None,
                current: str | None = None) -> list[str]:
    """The lines an event shows; failures and warnings carry a sign, not only a colour."""
    if isinstance(event, events.OutputLine):
        return [event.text] if event.stream == "out" else [f"! {event.text}"]
    if isinstance(event, events.Notice):
        sign = "⚠" if event.level == "warning" else "ℹ"
        return [f"{sign} {line}" for line in event.text.splitlines() or [""]]
    if isinstance(event, events.CommandFailed):
        return [f"✗ {event.message}", *explanation_lines(event.explanation, step_names, current)]
    if isinstance(event, events.PushFinished):
        return [_("✓ Pushed {ref}").format(ref=event.reference)] + (
            [f"  digest: {event.digest}"] if event.digest else [])
    if isinstance(event, events.PullFinished):
        return [_("✓ Pulled {ref}").format(ref=event.reference)]
    if isinstance(event, events.VariableSet):
        return [_("✓ {name} is now {value}").format(name=event.name, value=event.value)]
    return []


def explanation_lines(explanation: events.Explanation | None, step_names: Mapping[str, str] | None = None,
                      current: str | None = None) -> list[str]:
    """The explainer's advice as short lines: what, why, where to go back (not here), what to type."""
    if explanation is None:
        return []
    lines = [f"  {explanation.what}", f"  {_('Why:')} {explanation.why}"]
    if explanation.step and explanation.step != current:
        name = (step_names or {}).get(explanation.step, explanation.step)
        lines.append("  " + _("Go back to the step: {step}").format(step=name))
    if explanation.fix:
        lines.append("  " + _("Try: {command}").format(command=explanation.fix))
    return lines


MAX_LINES = 2000


def wrapped(line: str, width: int) -> list[str]:
    """The line cut into pieces that fit WIDTH, continuation lines indented under the first."""
    if width < 20 or len(line) <= width:
        return [line]
    indent = " " * min(len(line) - len(line.lstrip()) + 2, 8)
    return textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=True,
                         break_on_hyphens=False, drop_whitespace=True) or [line]


class OutputLog(Log):
    """A scrolling log of command output that keeps its last few thousand lines.

    It follows the newest line until the learner scrolls up; then it stays where they read and its
    border says that new output is below, until they scroll back to the end (End, wheel, drag).
    """

    # The log's height comes from the CSS, never from its lines: a new line only moves the scrollbar,
    # so it repaints the log instead of laying out the whole screen again (a push writes ~100 lines).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    following: var[bool] = var(True)
    """Whether the newest line is kept in view: only a scroll moves this, never a change of size."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=MAX_LINES, highlight=False, **kwargs)  # type: ignore[arg-type]
        self.border_title = _("Output")
        self.texts: list[str] = []
        self.step_names: dict[str, str] = {}
        self.current_step: str | None = None
        self._pending: list[str] = []

    def watch_virtual_size(self, size: Size) -> None:
        """Fit the scrollbar to the new line count (what a layout would have done)."""
        self._scroll_update(size)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """A scroll decides whether the log follows: to the end it does, anywhere above it does not."""
        super().watch_scroll_y(old_value, new_value)
        self.following = new_value >= self.max_scroll_y

    def watch_following(self, following: bool) -> None:
        """Back at the end: the marker goes."""
        if following:
            self.border_subtitle = ""

    def on_resize(self) -> None:
        """Keep the newest line in view when the panel changes height (a hint shown above it, say).

        Log scrolls only when its position already is the end; a panel that shrinks leaves the old
        position above the new end, and then no later line would ever scroll into view.
        """
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    @property
    def drawn(self) -> bool:
        """True when every line written is on screen (none waits for the redraw pace)."""
        return not self._pending

    @property
    def text(self) -> str:
        """Everything shown, one line per line written (before wrapping)."""
        return "\n".join(self.texts)

    def write_line(self, line: str, scroll_end: bool | None = None) -> Self:
        """Append a line; lines written in one burst (a push's statuses) are drawn together, once."""
        self.texts.append(line)
        if len(self.texts) > MAX_LINES:
            del self.texts[0]
        self._pending.append(line)
        draw_paced(self, self._draw_pending)  # lines written together draw together, at the shared pace
        return self

    def _draw_pending(self) -> None:
        """Draw the waiting lines, wrapped at the log's width so nothing is cut off on a small terminal."""
        lines, self._pending = self._pending, []
        if not lines:
            return
        # Room for the vertical scrollbar even before it shows, so no line needs scrolling sideways.
        width = self.content_region.width - self.styles.scrollbar_size_vertical - 1
        super().write_lines([part for line in lines for part in wrapped(line, width)], scroll_end=False)
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self.border_subtitle = _("↓ new output below (End)")

    def show_event(self, event: events.Event) -> None:
        """Append an event's lines."""
        for text in event_lines(event, self.step_names, self.current_step):
            self.write_line(text)
