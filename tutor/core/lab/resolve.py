"""Where a lab points: the learner's registry, account and image as a Target, the practice registry found.

Every entry point (the TUI's set-up, `check`, `reset`, `lessons test`) resolves its target here, so
`--registry practice` means the same everywhere; they differ only in what a stopped practice
registry means to them (start it, refuse, or use its last address).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from tutor.core.i18n import _
from tutor.core.records import record, replace
from tutor.core.target import DEFAULT_IMAGE, PRACTICE, InvalidName, Target

if TYPE_CHECKING:
    from tutor.core.registry.practice import PracticeStatus

# What to do when the practice registry is not running: start it (the TUI, `lessons test`), say so
# (`check`: a stopped registry holds nothing to check), or aim at its last address (`reset`: local
# tags and stored logins can be undone without it).
WhenStopped = Literal["start", "refuse", "last-address"]


class TargetError(Exception):
    """The target cannot be resolved; the message says what to change."""


class Accounts(Protocol):
    """The accounts of a registry the tutor manages itself (the practice registry, a test's htpasswd)."""

    def has_user(self, name: str) -> bool:
        """True when the account exists."""

    def add_user(self, name: str, password: str) -> None:
        """Create the account (or set its password)."""


@runtime_checkable
class PracticeServer(Accounts, Protocol):
    """A practice registry the tutor can ask for its state and start."""

    def status(self) -> PracticeStatus:
        """Whether it runs and where."""

    def ensure_running(self) -> PracticeStatus:
        """Start it unless it runs."""

    def last_port(self) -> int | None:
        """The port it used last."""


@record
class Place:
    """The registry side of a target: its address, whether the tutor manages it, and its accounts."""

    registry: str
    managed: bool = False
    ca_file: str | None = None
    accounts: Accounts | None = None


def resolve_place(registry: str | None, *, accounts: Accounts | None = None, ca_file: str | None = None,
                  when_stopped: WhenStopped = "start") -> Place:
    """The registry a lab uses; None or 'practice' is the practice registry (in ACCOUNTS if one is given).

    A registry under another address with ACCOUNTS is one the tutor manages too (tests, classes).
    """
    if registry not in (None, PRACTICE):
        return Place(registry or "", accounts is not None, ca_file, accounts)
    server = accounts if isinstance(accounts, PracticeServer) else _practice_registry()
    status = _practice_status(server, when_stopped)
    address = status.address or f"localhost:{server.last_port() or _default_port()}"
    return Place(address, True, status.ca_file, server)


def resolve_target(registry: str | None, user: str, image: str | None = None, *,
                   accounts: Accounts | None = None, ca_file: str | None = None,
                   when_stopped: WhenStopped = "start") -> tuple[Target, Accounts | None]:
    """The lab's target and the accounts of the registry when the tutor manages it (else None)."""
    place = resolve_place(registry, accounts=accounts, ca_file=ca_file, when_stopped=when_stopped)
    try:
        target = Target.create(place.registry, user, image or DEFAULT_IMAGE)
    except InvalidName as error:
        raise TargetError(str(error)) from error
    return replace(target, practice=place.managed, ca_file=place.ca_file), place.accounts


def _practice_registry() -> PracticeServer:
    # Imported here: its TLS code (cryptography) would slow every other lab's start-up.
    from tutor.core.registry.practice import PracticeRegistry

    return PracticeRegistry()


def _default_port() -> int:
    from tutor.core.registry.practice import DEFAULT_PORT

    return DEFAULT_PORT


def _practice_status(server: PracticeServer, when_stopped: WhenStopped) -> PracticeStatus:
    from tutor.core.registry.practice import PracticeError

    try:
        if when_stopped == "start":
            return server.ensure_running()
        status = server.status()
    except PracticeError as error:
        if when_stopped != "start":
            raise TargetError(str(error)) from error
        raise TargetError(_("The practice registry did not start: {error}").format(error=error)) from error
    if when_stopped == "refuse" and not (status.running and status.address):
        raise TargetError(_("The practice registry is not running. "
                            "Start it with: registry-tutor practice start"))
    return status
