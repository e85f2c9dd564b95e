"""What every tutor screen shares: footer texts in the learner's language, readable worker errors."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.binding import Binding, BindingsMap
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from tutor.core.i18n import _

ResultType = TypeVar("ResultType")


def localized(inherited: BindingsMap, bindings: list[Binding]) -> BindingsMap:
    """Inherited bindings plus BINDINGS with footer texts translated now (marked with N_)."""
    merged = inherited.copy()
    for b in bindings:
        for key in b.key.split(","):  # ours replaces an inherited one for the same key and action
            kept = [old for old in merged.key_to_bindings.get(key.strip(), []) if old.action != b.action]
            merged.key_to_bindings[key.strip()] = kept
        merged.bind(b.key, b.action, _(b.description), show=b.show, key_display=b.key_display,
                    priority=b.priority)
    return merged


def readable_error(error: BaseException) -> str:
    """An exception as a sentence for the learner, never a traceback."""
    text = str(error).strip()
    if isinstance(error, (OSError, ValueError, RuntimeError)) or type(error).__module__.startswith("tutor"):
        return text or type(error).__name__
    return _("Something went wrong inside the tutor ({kind}: {text}). Please report it.").format(
        kind=type(error).__name__, text=text)


def notify_failed_worker(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Turn a failed worker's exception into a readable notification."""
    if event.state is WorkerState.ERROR and event.worker.error is not None:
        screen.notify(readable_error(event.worker.error), title=_("That did not work"),
                      severity="error", timeout=12)


class TutorScreen(Screen[ResultType]):
    """A full screen whose footer bindings follow the learner's language."""

    KEYS: ClassVar[list[Binding]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.relocalize()

    def footer_keys(self) -> list[Binding]:
        """The screen's own key bindings (a screen may add some that depend on what it shows)."""
        return self.KEYS

    def relocalize(self) -> None:
        """Translate the footer again (after a language switch)."""
        self._bindings = localized(self._merged_bindings or BindingsMap(), self.footer_keys())
        app_labels = getattr(self.app, "localize_bindings", None)  # the TutorApp's own keys (palette)
        if app_labels is not None:
            app_labels()
        if self.is_mounted:
            self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where failed workers become readable errors."""
        notify_failed_worker(self, event)


class TutorModal(ModalScreen[ResultType]):
    """A modal dialog with translated bindings and readable worker errors."""

    KEYS: ClassVar[list[Binding]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bindings = localized(self._bindings, self.KEYS)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where failed workers become readable errors."""
        notify_failed_worker(self, event)
