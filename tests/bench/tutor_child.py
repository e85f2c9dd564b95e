"""The tutor's side of the child processes: start the real app headless and measure it."""

from __future__ import annotations

import importlib
from typing import Any

from tests.bench.bed import Bed
from tests.bench.lab import lab


def app_missing() -> str | None:
    """Why the tutor app cannot be benchmarked yet, or None when it can."""
    try:
        module = importlib.import_module("tutor.app")
    except ImportError as error:
        return f"tutor.app does not import ({error})"
    if not hasattr(module, "TutorApp"):
        return "tutor/app.py has no TutorApp yet"
    return None


def lab_args(bed: Bed) -> list[str]:
    """The tutor's command line for the bench's lab."""
    return lab(bed).args()


def make_app(args: list[str]) -> Any:
    """The real TutorApp, configured from the command line as `registry-tutor ARGS` would be."""
    raise NotImplementedError("TutorApp's constructor is not known yet")


async def startup(args: list[str]) -> None:
    """Start the tutor headless, print READY once the first step screen is drawn."""
    raise NotImplementedError("TutorApp is not written yet")


def run_mode(mode: str, args: list[str]) -> int:
    """Child modes that need the tutor app (smoothness, memory)."""
    raise SystemExit(f"unknown bench child mode: {mode}")
