"""What the templates get: the language, the words, and small formatting helpers."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from tutor.core.i18n import N_
from tutor.core.registry.companion.progress import (
    STEP_NAMES,
    STEP_TASKS,
    STEPS,
    ClassRow,
    elapsed,
    error_words,
)
from tutor.core.registry.companion.words import translator
from tutor.core.sizes import human_size

if TYPE_CHECKING:
    from tutor.core.registry.companion.settings import CompanionSettings

# Every text of the templates, marked here so the catalog has them (templates call t("...")).
PAGE_TEXTS = (
    N_("Practice registry"), N_("Accounts and repositories"), N_("Class board"),
    N_("No accounts yet. Make one with: registry-tutor practice add-user NAME"),
    N_("nothing pushed yet"), N_("The registry cannot be read right now:"),
    N_("Repository"), N_("Tags"), N_("Tag"), N_("Digest"), N_("OS/architecture"), N_("Compressed size"),
    N_("Layers"), N_("Pushed"), N_("Image ID"), N_("attestation (not an image)"),
    N_("Pull it"), N_("or by digest, which always means exactly this image:"),
    N_("The digest is the SHA-256 of the manifest the registry stores: the same digest means "
       "exactly the same image, and a new push of a rebuilt image gets a new one."),
    N_("The image ID is the digest of the image's configuration: your engine shows it in its "
       "image list; the registry names the image by its manifest digest instead."),
    N_("This repository has no tags (yet)."), N_("No such repository:"), N_("Back to all repositories"),
    N_("Account"), N_("On step"), N_("For"), N_("Last error"), N_("done"), N_("now"),
    N_("every step done"), N_("Live: updates as the registry reports pushes, pulls and errors."),
    N_("events"), N_("accounts"), N_("Log in with:"), N_("unknown time"),
    N_("Other images (copied in by the instructor)"),
)


def clock(moment: str | None) -> str:
    """HH:MM:SS in this machine's time zone, '' for an unknown time."""
    if not moment:
        return ""
    try:
        return datetime.datetime.fromisoformat(moment).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return ""


def context(settings: CompanionSettings, lang: str) -> dict[str, Any]:
    """The values every template can use."""
    t = translator(lang)
    return {
        "t": t, "lang": lang, "address": settings.address, "steps": STEPS[1:],
        "step_name": lambda step: t(STEP_NAMES[step]),
        "task_name": lambda step: t(STEP_TASKS[step]) if step else t("every step done"),
        "clock": clock, "elapsed": elapsed,
        "size": lambda size: human_size(size, decimal=True),  # kB and MB, as Docker Hub shows sizes
        "error_text": lambda row: _error_text(t, row),
        "short": lambda digest: (digest or "").removeprefix("sha256:")[:12],
    }


def _error_text(t: Any, row: ClassRow) -> str:
    if not row.last_error:
        return ""
    return str(t(error_words(row.last_error))).format(code=row.last_error)
