"""Turn what the registry says into events: its notification envelopes and its JSON log lines."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from tutor.core.files import write_atomically
from tutor.core.registry.companion.events import Event, new_id, normal_time, now_iso
from tutor.core.registry.practice_accounts import ADMIN_USER

_AUTH_FAILED = re.compile(r'error authenticating user "([^"]*)"')
_TLS_FAILED = re.compile(r"http: TLS handshake error from ([^\s:]+):\d+")
# Errors a push or pull meets on purpose: the engine asks whether a layer exists before it sends it.
_EXPECTED = {("HEAD", "blob unknown"), ("HEAD", "manifest unknown")}
_MANIFEST_TYPES = ("manifest", "index")


def client_of(useragent: str) -> str:
    """docker, podman or other, from a request's user agent."""
    agent = useragent.lower()
    if agent.startswith("docker/"):
        return "docker"
    if agent.startswith(("containers/", "podman/", "libpod/")):
        return "podman"
    return "other"


def host_of(addr: str | None) -> str | None:
    """The IP address of 'ip:port' (or '[v6]:port')."""
    if not addr:
        return None
    host = addr.rsplit(":", 1)[0] if addr.count(":") == 1 or addr.startswith("[") else addr
    return host.strip("[]")


def from_envelope(envelope: Any) -> list[Event]:
    """The push and pull events of one notification envelope (the tutor's own reads left out)."""
    items = envelope.get("events") if isinstance(envelope, dict) else None
    return [event for item in items or [] if isinstance(item, dict) and (event := _notified(item))]


def _notified(item: dict[str, Any]) -> Event | None:
    target, request = item.get("target") or {}, item.get("request") or {}
    user = (item.get("actor") or {}).get("name") or None
    media_type = str(target.get("mediaType", ""))
    if item.get("action") not in ("push", "pull") or user == ADMIN_USER:
        return None
    if not any(word in media_type for word in _MANIFEST_TYPES):
        return None
    when = normal_time(str(item.get("timestamp", "")))
    return Event(str(item.get("id") or new_id()), str(item["action"]), when,
                 user=user, addr=host_of(request.get("addr")), repository=target.get("repository"),
                 tag=target.get("tag") or None, digest=target.get("digest"),
                 client=client_of(str(request.get("useragent", ""))))


def from_log_line(line: str) -> Event | None:
    """The event one line of the registry's log tells of, or None for routine lines."""
    try:
        entry = json.loads(line)
    except ValueError:
        return _plain_line(line)
    if not isinstance(entry, dict):
        return None
    request_id = str(entry.get("http.request.id") or new_id())
    addr = host_of(entry.get("http.request.remoteaddr"))
    time = normal_time(str(entry.get("time", "")))
    if failed := _AUTH_FAILED.search(str(entry.get("msg", ""))):
        return Event(f"log-{request_id}-auth", "login_failed", time, user=failed.group(1) or None,
                     addr=addr, client=client_of(str(entry.get("http.request.useragent", ""))))
    if entry.get("msg") == "authorized request":
        return _login_line(entry, request_id, addr, time)
    return _named_line(entry, request_id, addr, time)


def _login_line(entry: dict[str, Any], request_id: str, addr: str | None, time: str) -> Event | None:
    """A password accepted on GET /v2/, the request `docker login` and `podman login` make.

    Distribution 2.8 does not name the account on this line (newer versions may: then it is
    used); the board gives it to the account working from that address (progress.py).
    """
    user = entry.get("auth.user.name") or None
    client = client_of(str(entry.get("http.request.useragent", "")))
    if (entry.get("http.request.method"), entry.get("http.request.uri")) != ("GET", "/v2/"):
        return None
    if user == ADMIN_USER or client == "other":  # the companion's and tools' own requests
        return None
    return Event(f"log-{request_id}-authorized", "authorized", time, user=user, addr=addr, client=client)


def _named_line(entry: dict[str, Any], request_id: str, addr: str | None, time: str) -> Event | None:
    """A line that names the account: an error it met, or a sign that its password worked."""
    user, code = entry.get("auth.user.name"), entry.get("err.code")
    if not user or user == ADMIN_USER or not code:
        return None
    method = str(entry.get("http.request.method", ""))
    kind = "seen" if (method, code) in _EXPECTED else "refused"
    return Event(f"log-{request_id}-{kind}", kind, time, user=str(user), addr=addr,
                 repository=entry.get("vars.name"), error=None if kind == "seen" else str(code),
                 client=client_of(str(entry.get("http.request.useragent", ""))))


def _plain_line(line: str) -> Event | None:
    """Go's own server lines are not JSON: a failed TLS handshake is one a student meets."""
    if found := _TLS_FAILED.search(line):
        # The line's own hash is its id (Go's line has the time and the client's port), so a
        # line read twice is one event.
        digest = hashlib.sha256(line.encode("utf-8", errors="replace")).hexdigest()[:32]
        return Event(f"log-{digest}-tls", "refused", now_iso(), addr=found.group(1), error="tls")
    return None


class LogFollower:
    """Follows the registry's log from a saved position, so a restart reads each line once."""

    def __init__(self, log_file: Path, cursor_file: Path) -> None:
        self.log_file = log_file
        self.cursor_file = cursor_file
        self.inode, self.offset = self._load_cursor()

    def _load_cursor(self) -> tuple[int, int]:
        try:
            data = json.loads(self.cursor_file.read_text())
            return int(data["inode"]), int(data["offset"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0

    def read_new(self) -> list[str]:
        """Whole lines written since the last call (from the start after the log was replaced)."""
        try:
            stat = self.log_file.stat()
        except FileNotFoundError:
            return []
        if stat.st_ino != self.inode or stat.st_size < self.offset:
            self.inode, self.offset = stat.st_ino, 0
        if stat.st_size == self.offset:
            return []
        with open(self.log_file, "rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read(stat.st_size - self.offset)
        end = chunk.rfind(b"\n") + 1
        self.offset += end
        return chunk[:end].decode("utf-8", errors="replace").splitlines()

    def save(self) -> None:
        """Remember the position (atomically), after the lines' events are on disk."""
        write_atomically(self.cursor_file, json.dumps({"inode": self.inode, "offset": self.offset}))
