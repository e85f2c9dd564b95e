"""Run a CNCF Distribution registry process: config, htpasswd accounts, start, wait, stop."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import bcrypt

from tutor.core.files import write_atomically
from tutor.core.records import record

BINARY_NAMES = ("registry", "docker-registry")
BCRYPT_COST = 5
MAX_PASSWORD_BYTES = 72  # bcrypt reads no more (bcrypt 5 refuses longer ones)


class RegistryServerError(RuntimeError):
    """The registry could not be started or configured; the message says what to do."""


def find_binary() -> str | None:
    """The path of an installed Distribution registry binary, if any."""
    for name in BINARY_NAMES:
        if path := shutil.which(name):
            return path
    for folder in ("/usr/bin", "/usr/local/bin"):
        for name in BINARY_NAMES:
            candidate = Path(folder) / name
            if candidate.exists():
                return str(candidate)
    return None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on host right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def hash_password(password: str) -> str:
    """A bcrypt hash in the form the registry's htpasswd reader accepts."""
    if not password:
        raise RegistryServerError("the password is empty; choose one with at least one character")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise RegistryServerError(f"the password is longer than {MAX_PASSWORD_BYTES} bytes, "
                                  "more than bcrypt reads; choose a shorter one")
    # The registry runs bcrypt on every authenticated request, so the cost is paid on each check
    # and each layer of a push. Cost 5 is what `htpasswd -B` uses by default; the accounts are
    # practice accounts on a loopback (or TLS) registry, and the file is 0600.
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=BCRYPT_COST)).decode("ascii")


def read_htpasswd(path: Path) -> dict[str, str]:
    """User name to bcrypt hash, in file order; a missing file means no accounts."""
    if not path.exists():
        return {}
    users: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, hashed = line.strip().partition(":")
        if sep and name:
            users[name] = hashed
    return users


def write_htpasswd(path: Path, users: dict[str, str]) -> None:
    """Write the accounts atomically with mode 0600 (the registry reloads the file on change)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{name}:{hashed}\n" for name, hashed in users.items())
    write_atomically(path, text)


@record
class Notify:
    """A webhook the registry posts its events to (Distribution's notifications endpoint)."""

    url: str
    token: str


@record
class ServerConfig:
    """Where and how one registry process listens and stores."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 5000
    tls_cert: Path | None = None
    tls_key: Path | None = None
    storage: Path | None = None  # default: data_dir/storage (a container mounts it elsewhere)
    notify: Notify | None = None  # where the registry posts its push and pull events

    @property
    def storage_dir(self) -> Path:
        return self.storage or self.data_dir / "storage"

    @property
    def htpasswd(self) -> Path:
        return self.data_dir / "htpasswd"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "config.yml"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "registry.log"

    @property
    def address(self) -> str:
        """How engines name it: localhost:PORT on loopback (Podman needs that form)."""
        host = "localhost" if self.host in ("127.0.0.1", "localhost", "::1") else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        host = "127.0.0.1" if self.host in ("127.0.0.1", "localhost") else self.host
        return f"{scheme}://{host}:{self.port}"


def _notifications(notify: Notify | None) -> str:
    """The notifications section: manifest events only (blob events are ignored), with retries.

    Distribution keeps undelivered events in memory and retries them (threshold failures, then a
    backoff) until the endpoint answers again, so a restarted companion still gets them.
    """
    if notify is None:
        return ""
    return (
        "notifications:\n  endpoints:\n"
        f"    - name: companion\n      url: {notify.url}\n"
        f"      headers:\n        Authorization: [Bearer {notify.token}]\n"
        "      timeout: 2s\n      threshold: 3\n      backoff: 1s\n"
        "      ignoredmediatypes:\n        - application/octet-stream\n"
    )


def render_config(config: ServerConfig) -> str:
    """The registry's YAML configuration: htpasswd auth, delete enabled, filesystem storage.

    The log is JSON, one object per line, at level info: the class board reads failed logins and
    refused requests from it.
    """
    tls = ""
    if config.tls_cert and config.tls_key:
        tls = f"  tls:\n    certificate: {config.tls_cert}\n    key: {config.tls_key}\n"
    return (
        "version: 0.1\n"
        "log:\n  level: info\n  formatter: json\n  accesslog:\n    disabled: true\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {config.storage_dir}\n"
        "  delete:\n    enabled: true\n"
        "  maintenance:\n    uploadpurging:\n      enabled: false\n"
        "http:\n"
        f"  addr: {config.host}:{config.port}\n"
        f"  secret: {secrets.token_hex(16)}\n"
        "  headers:\n    X-Content-Type-Options: [nosniff]\n"
        f"{tls}"
        "auth:\n  htpasswd:\n    realm: registry-tutor\n"
        f"    path: {config.htpasswd}\n"
        f"{_notifications(config.notify)}"
    )


def prepare(config: ServerConfig) -> None:
    """Create the data dir (0700), storage, an htpasswd file and the config file."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(config.data_dir, 0o700)
    config.storage_dir.mkdir(exist_ok=True)
    if not config.htpasswd.exists():
        write_htpasswd(config.htpasswd, {})
    config.config_file.write_text(render_config(config), encoding="utf-8")


def registry_env() -> dict[str, str]:
    """The environment without REGISTRY_* variables, which the registry reads as config overrides.

    Podman users often set REGISTRY_AUTH_FILE; the registry would take it for auth.file and quit.
    """
    return {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}


def start_process(config: ServerConfig, binary: str | None = None) -> subprocess.Popen[bytes]:
    """Start the registry binary in the background and wait until it answers."""
    binary = binary or find_binary()
    if binary is None:
        raise RegistryServerError(
            "no registry program found: install Debian's 'docker-registry' package "
            "(apt-get install docker-registry) or load the 'registry:2' image into your engine"
        )
    prepare(config)
    log = open(config.log_file, "ab")  # noqa: SIM115 - the child keeps it open
    cmd = [binary, "serve", str(config.config_file)]
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, env=registry_env())
    log.close()
    try:
        wait_ready(config.url, process=process, ca_file=None)
    except RegistryServerError:
        stop_process(process)
        raise
    return process


def wait_ready(url: str, timeout: float = 15.0, process: subprocess.Popen[bytes] | None = None,
               ca_file: str | None = None) -> None:
    """Poll /v2/ until the registry answers 200 or 401; raise with the reason after timeout."""
    import ssl

    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    if context is None and url.startswith("https"):
        context = ssl._create_unverified_context()  # readiness only; clients verify for real
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RegistryServerError(f"the registry exited at start (code {process.returncode})")
        try:
            urllib.request.urlopen(url + "/v2/", timeout=1, context=context).close()
            return
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RegistryServerError(f"the registry did not answer at {url} within {timeout:.0f} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop the registry, politely first."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
