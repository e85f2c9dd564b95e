"""One row per figure, and the table (or JSON) the bench prints."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass

HEADERS = ("figure", "measured", "baseline", "ratio", "target", "met?")


@dataclass
class Row:
    """A measured figure beside its same-run baseline and its target."""

    figure: str
    measured: float | None
    unit: str
    target: str
    met: bool | None
    baseline: float | None = None
    ratio: float | None = None
    note: str = ""

    def cells(self) -> tuple[str, ...]:
        """The row's table cells, formatted for people."""
        return (self.figure, _amount(self.measured, self.unit), _amount(self.baseline, self.unit),
                "-" if self.ratio is None else f"{self.ratio:.2f}", self.target, _verdict(self))


def pending(figure: str, target: str, why: str) -> Row:
    """A figure that cannot be measured yet; why says what it waits for."""
    return Row(figure, None, "", target, None, note=f"pending: {why}")


def median(values: list[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def ratio(measured: float, baseline: float) -> float | None:
    """measured / baseline, or None when the baseline is zero."""
    return measured / baseline if baseline else None


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
    return f"{value:.1f} {unit}".rstrip()


def _verdict(row: Row) -> str:
    if row.met is None:
        return "pending" if row.note.startswith("pending") else "-"
    return "yes" if row.met else "NO"


def render(rows: list[Row]) -> str:
    """A plain-text table; notes (gaps, pending reasons) follow under it."""
    table = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[index]) for line in table) for index in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
             for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = [f"- {row.figure}: {row.note}" for row in rows if row.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def to_json(rows: list[Row], engine: str = "") -> str:
    """The rows as JSON, for scripts and the smoke test."""
    return json.dumps({"engine": engine, "rows": [asdict(row) for row in rows]}, indent=2)
