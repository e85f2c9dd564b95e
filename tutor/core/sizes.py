"""Byte counts as people read them: binary units as the engines show sizes, decimal as Docker Hub."""

from __future__ import annotations

_BINARY = ("B", "KiB", "MiB", "GiB", "TiB")
_DECIMAL = ("B", "kB", "MB", "GB", "TB")


def human_size(size: int, decimal: bool = False) -> str:
    """SIZE in the largest unit below it, one decimal: 1.5 KiB, or with decimal=True 1.5 kB."""
    step, units = (1000, _DECIMAL) if decimal else (1024, _BINARY)
    if size < step:
        return f"{size} B"
    value = float(size)
    for unit in units[1:]:
        value /= step
        if value < step or unit == units[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable: the last unit always returns")
