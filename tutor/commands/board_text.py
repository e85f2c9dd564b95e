"""The class board's rows as text: the terminal board's cells and the plain table (no Textual here)."""

from __future__ import annotations

from tutor.core.i18n import _
from tutor.core.registry.companion.pages import clock
from tutor.core.registry.companion.progress import (
    STEP_NAMES,
    STEP_TASKS,
    STEPS,
    ClassRow,
    elapsed,
    error_words,
)


def board_header() -> tuple[str, ...]:
    """The column titles: account, one per lab step, where it stands, the last error."""
    return (_("Account"), *(_(STEP_NAMES[step]) for step in STEPS[1:]), _("On step"), _("For"),
            _("Last error"))


def board_cells(row: ClassRow) -> tuple[str, ...]:
    """One line of the board: a sign and the time per step done, the current step, the last error."""
    steps = []
    for step in STEPS[1:]:
        if step in row.done:
            steps.append("✓ " + clock(row.done[step]))
        else:
            steps.append("… " + _("now") if step == row.current_step else "–")
    current = _(STEP_TASKS[row.current_step]) if row.current_step else _("every step done")
    error = ""
    if row.last_error:
        error = "✗ " + _(error_words(row.last_error)).format(code=row.last_error)
    return (row.user, *steps, current, elapsed(row.since) if row.current_step else "", error)


def plain_board(rows: list[ClassRow]) -> str:
    """The board as plain text columns (when the output is not a terminal)."""
    lines = [board_header(), *(board_cells(row) for row in rows)]
    widths = [max(len(line[index]) for line in lines) for index in range(len(lines[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
