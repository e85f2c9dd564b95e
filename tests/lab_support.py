"""Helpers for the lab-logic tests: a real engine gateway, a fresh account and the interpreter."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.conftest import RegistryUnderTest
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine, EngineError, EngineUnavailable
from tutor.core.events import CheckResult, CommandFailed, Event, OutputLine, Status
from tutor.core.lab.checks import CHECK_IDS, LabContext, run_all, run_check
from tutor.core.shell.interpreter import Session, run_command
from tutor.core.target import Target


@dataclass
class Lab:
    """One learner's lab on a real engine and the test registry, with a fresh account."""

    engine: Engine
    registry: RegistryUnderTest
    user: str
    password: str
    image: str = "python-hello-world"
    passwords: list[str | None] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.target = Target(self.registry.address, self.user, self.image)
        self.credentials = CredentialStore(self.engine.kind)
        self.session = Session(self.engine, self.target, self.credentials, self._ask)

    def _ask(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        return self.passwords.pop(0) if self.passwords else None

    def run(self, line: str, *passwords: str | None) -> list[Event]:
        """Run a line as the learner would, answering password prompts in order."""
        self.passwords.extend(passwords)
        return list(run_command(line, self.session))

    def context(self, started_nano: int | None = None) -> LabContext:
        """The checks' view of this lab."""
        return LabContext(self.engine, self.target, self.credentials, None, started_nano)

    def status(self, check_id: str, started_nano: int | None = None) -> Status:
        """One check's verdict now."""
        return run_check(check_id, self.context(started_nano)).status

    def statuses(self, started_nano: int | None = None) -> dict[str, Status]:
        """Every check's verdict now, through run_all."""
        return {result.step: result.status for result in run_all(self.context(started_nano))}

    def cleanup(self) -> None:
        """Remove the names this lab created (never the shared python-hello-world)."""
        remove_names(self.engine, [self.target.remote_ref])


def remove_names(engine: Engine, names: Iterable[str]) -> None:
    """Untag names a test created; missing ones are fine."""
    for name in names:
        with contextlib.suppress(EngineError, EngineUnavailable):
            engine.remove(name)


def lines(events: Iterable[Event]) -> list[str]:
    """The text lines a learner would see, in order."""
    return [event.text for event in events if isinstance(event, OutputLine)]


def failures(events: Iterable[Event]) -> list[CommandFailed]:
    """The failures among events."""
    return [event for event in events if isinstance(event, CommandFailed)]


def only_failure(events: list[Event]) -> CommandFailed:
    """The single failure a command ended with (asserts there is exactly one)."""
    found = failures(events)
    assert len(found) == 1, events
    return found[0]


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    """Check results keyed by step id, asserting every id is there once."""
    assert [result.step for result in results] == list(CHECK_IDS)
    return {result.step: result for result in results}
