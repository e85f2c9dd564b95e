"""The class board's rows, folded from the events: one row per account, one time per lab step."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from tutor.core.i18n import N_
from tutor.core.records import record
from tutor.core.registry.companion.events import Event

STEPS = ("account", "login", "push", "verify", "pull")
STEP_NAMES = {"account": N_("account"), "login": N_("logged in"), "push": N_("pushed"),
              "verify": N_("verified"), "pull": N_("pulled")}  # column titles: what is done
STEP_TASKS = {"account": N_("make the account"), "login": N_("log in"), "push": N_("push"),
              "verify": N_("verify"), "pull": N_("pull")}  # what an account is doing now
# What a student should read for each error the registry reports (its codes, in lower case words).
ERROR_WORDS = {
    "login_failed": N_("Wrong password or account name at login."),
    "blob unknown": N_("The registry lacks a layer of the image: push it again."),
    "blob upload unknown": N_("An upload was interrupted: push again."),
    "manifest unknown": N_("No such tag or image: check the name and the tag."),
    "name unknown": N_("No repository by that name: check the account and image name."),
    "manifest invalid": N_("The registry refused the image's manifest: push it again."),
    "denied": N_("Not allowed: log in with your own account and push under your own name."),
    "unauthorized": N_("Not logged in: run the login step again."),
    "tls": N_("This machine does not trust the registry's certificate yet: run the trust lines."),
}
OTHER_ERROR = N_("The registry refused a request ({code}).")


@record(frozen=False)
class ClassRow:
    """Where one account stands: when each step happened, what it pushed, what went wrong last."""

    user: str
    done: dict[str, str]
    repository: str | None = None
    tag: str | None = None
    digest: str | None = None
    last_error: str | None = None  # an ERROR_WORDS key, or the registry's own code
    error_at: str | None = None
    addr: str | None = None

    @property
    def current_step(self) -> str | None:
        """The first step not done yet (None when the account has done them all)."""
        return next((step for step in STEPS if step not in self.done), None)

    @property
    def since(self) -> str | None:
        """When the account started on its current step: the time the step before was done."""
        times = [self.done[step] for step in STEPS if step in self.done]
        return max(times, default="") or None


def _own(event: Event) -> bool:
    return bool(event.user and event.repository and event.repository.startswith(event.user + "/"))


def _apply(row: ClassRow, event: Event) -> None:
    """Fold one event into the row of its account."""
    if event.addr:
        row.addr = event.addr
    if event.kind == "account_added":
        row.done.setdefault("account", event.time)
    elif event.kind in ("seen", "push", "pull"):
        row.done.setdefault("login", event.time)
    if event.kind == "push" and _own(event):
        row.done.setdefault("push", event.time)
        row.repository, row.tag, row.digest = event.repository, event.tag, event.digest
    elif event.kind == "viewed" and "push" in row.done and _own(event):
        row.done.setdefault("verify", event.time)
    elif event.kind == "pull" and event.client in ("docker", "podman") and "push" in row.done and _own(event):
        row.done.setdefault("pull", event.time)
    if event.kind in ("login_failed", "refused"):
        row.last_error, row.error_at = (event.error or event.kind), event.time


def class_rows(events: Iterable[Event], users: Iterable[str]) -> list[ClassRow]:
    """One row per account that exists, in name order; errors without a (known) name go to the
    account last seen working from the same address, and so do accepted logins (see _login_owner)."""
    rows = {user: ClassRow(user, {}) for user in users}
    by_addr: dict[str, str] = {}
    places = _Places()
    for event in events:
        if event.kind == "authorized":
            owner = event.user if event.user in rows else places.owner(event)
            if owner is None:
                places.unclaimed(event)
            else:
                rows[owner].done.setdefault("login", event.time)
            continue
        user = event.user
        if user not in rows and event.kind in ("login_failed", "refused") and event.addr:
            user = by_addr.get(event.addr)  # no name, or a mistyped one: the machine's account
        if event.kind == "account_removed" or user not in rows:
            continue
        if event.user and event.addr and event.kind not in ("login_failed", "viewed"):
            by_addr[event.addr] = event.user
        if event.user == user and event.addr:
            places.named(event, rows[user])
        _apply(rows[user], event)
    for row in rows.values():
        row.done.setdefault("account", "")  # it exists, made before the events began: time unknown
    return [rows[name] for name in sorted(rows)]


LOGIN_RETRY_SECONDS = 300.0
"""A login accepted this soon after an account was named from the same address is that account's."""


class _Places:
    """Which accounts work from which address: the registry logs an accepted login without a name.

    An accepted login from an address belongs to the account named from there last, within
    LOGIN_RETRY_SECONDS (a wrong password names the account: the retry right after is its own),
    else to the one account ever named there. Otherwise it waits, and the account that address
    names next (its push, say) is shown logged in since that login.
    """

    def __init__(self) -> None:
        self.last: dict[str, tuple[str, str]] = {}  # address -> (account, time) named there last
        self.accounts: dict[str, set[str]] = {}
        self.waiting: dict[str, str] = {}  # address -> time of its first login not given to anyone

    def owner(self, event: Event) -> str | None:
        if not event.addr:
            return None
        last = self.last.get(event.addr)
        if last is not None and 0 <= _seconds(last[1], event.time) <= LOGIN_RETRY_SECONDS:
            return last[0]
        known = self.accounts.get(event.addr, set())
        return next(iter(known)) if len(known) == 1 else None

    def unclaimed(self, event: Event) -> None:
        if event.addr:
            self.waiting.setdefault(event.addr, event.time)

    def named(self, event: Event, row: ClassRow) -> None:
        """EVENT names ROW's account from its address; a login waiting there was that account's."""
        assert event.addr is not None
        self.last[event.addr] = (row.user, event.time)
        self.accounts.setdefault(event.addr, set()).add(row.user)
        if event.kind != "login_failed" and (waiting := self.waiting.pop(event.addr, None)) is not None:
            row.done.setdefault("login", waiting)


def _seconds(earlier: str, later: str) -> float:
    """Seconds from one event time to another; -1 when either cannot be read."""
    try:
        start, end = (datetime.datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (earlier, later))
        return (end - start).total_seconds()
    except (ValueError, TypeError):
        return -1.0


def error_words(code: str) -> str:
    """The untranslated student words for an error code (translate them where shown)."""
    return ERROR_WORDS.get(code, OTHER_ERROR)


def elapsed(since: str | None, now: datetime.datetime | None = None) -> str:
    """'42 s', '3 min', '1 h 5 min' since an ISO time; '' when unknown."""
    if not since:
        return ""
    try:
        moment = datetime.datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    seconds = int(((now or datetime.datetime.now(datetime.timezone.utc)) - moment).total_seconds())
    seconds = max(0, seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
