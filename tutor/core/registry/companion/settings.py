"""What the companion process needs to know, written by `practice start` into the data dir (0600)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from tutor.core.records import asdict, record
from tutor.core.registry.practice_instance import write_json_atomically
from tutor.core.registry.server import ServerConfig, free_port
from tutor.core.registry.tls import TlsFiles

SETTINGS_FILE = "companion.json"


@record
class CompanionSettings:
    """Where the pages listen, how to read the registry, and the webhook's port and token."""

    registry_url: str
    address: str  # how students name the registry (localhost:5000, 192.168.1.10:5000)
    web_host: str
    web_port: int
    hook_port: int
    token: str
    lang: str = "en"
    ca_file: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None

    @property
    def web_url(self) -> str:
        """The address of the pages, for people."""
        scheme = "https" if self.tls_cert else "http"
        host = "127.0.0.1" if self.web_host in ("127.0.0.1", "localhost") else self.web_host
        return f"{scheme}://{host}:{self.web_port}"

    @property
    def hook_url(self) -> str:
        """Where the registry posts its notifications (loopback, plain HTTP, with the token)."""
        return f"http://127.0.0.1:{self.hook_port}/events"


def settings_path(data_dir: Path) -> Path:
    """The settings file of a data dir."""
    return data_dir / SETTINGS_FILE


def save(data_dir: Path, settings: CompanionSettings) -> None:
    """Write the settings atomically, mode 0600 (the token is in it)."""
    write_json_atomically(settings_path(data_dir), asdict(settings))


def load(data_dir: Path) -> CompanionSettings | None:
    """The settings, or None when missing or unreadable."""
    try:
        return CompanionSettings(**json.loads(settings_path(data_dir).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def for_registry(config: ServerConfig, web_port: int, lang: str, tls: TlsFiles | None) -> CompanionSettings:
    """Fresh settings beside the registry config describes: a new webhook port and token."""
    return CompanionSettings(
        registry_url=config.url, address=config.address, web_host=config.host, web_port=web_port,
        hook_port=free_port("127.0.0.1"), token=secrets.token_urlsafe(24), lang=lang,
        ca_file=str(tls.ca_cert) if tls else None, tls_cert=str(tls.server_cert) if tls else None,
        tls_key=str(tls.server_key) if tls else None)
