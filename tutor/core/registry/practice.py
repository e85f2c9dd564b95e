"""The offline practice registry: a real Distribution registry the tutor starts and looks after.

Its data dir (default: platformdirs user_data_dir('registry-tutor')/practice-registry, mode 0700)
holds config.yml, htpasswd (bcrypt, 0600), storage/, registry.log, state.json (pid, or container
and engine, host, port, tls; written atomically), tls/ (the small CA and server certificate, with --tls) and
admin-password (0600): the password of the hidden account `tutor-admin`, which the tutor uses
to read the catalog for status, board and reset. It is never listed as a learner's account.

The registry runs as a process of the installed registry program, or, when none is installed,
as a container of the registry image on Docker or Podman (tutor.core.registry.container).

Longer than most modules: starting, stopping, accounts, status, board and reset all take the same
data-dir lock and read the same state file, so they stay together in one class.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import secrets
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bcrypt
import platformdirs

from tutor.core.files import write_atomically
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import NotFound, RegistryClient, RegistryError
from tutor.core.registry.server import RegistryServerError, ServerConfig
from tutor.core.registry.tls import ensure_certificates, tls_files
from tutor.core.target import InvalidName, is_loopback, validate_user

if TYPE_CHECKING:
    from tutor.core.registry.container import RunningContainer

DEFAULT_PORT = 5000
ADMIN_USER = "tutor-admin"
REGISTRY_IMAGE = "registry:2"  # run on the engine when no registry program is installed
_REPOSITORIES = Path("docker/registry/v2/repositories")


class PracticeError(RuntimeError):
    """The practice registry refused or failed; the message says why and what to do."""


class PracticeUnreachable(PracticeError):
    """The practice registry is not running or does not answer."""


@dataclass(frozen=True)
class PracticeStatus:
    """What the practice registry is doing now."""

    running: bool
    address: str | None = None
    url: str | None = None
    pid: int | None = None
    host: str | None = None
    port: int | None = None
    storage_bytes: int = 0
    users: list[str] = field(default_factory=list)
    repositories: list[str] = field(default_factory=list)
    stale: bool = False
    tls: bool = False
    ca_file: str | None = None
    data_dir: str = ""
    container: str | None = None

    @property
    def runner(self) -> str:
        """What runs it, for people: 'pid 1234' or 'container 0123456789ab'."""
        return f"container {self.container[:12]}" if self.container else f"pid {self.pid}"


@dataclass(frozen=True)
class BoardRow:
    """One line of the class board: an account and one image it pushed (or nothing yet)."""

    user: str
    repository: str | None = None
    tags: tuple[str, ...] = ()
    digest: str | None = None
    pushed_at: str | None = None


def default_data_dir() -> Path:
    """Where the practice registry keeps accounts, images and its state by default."""
    return Path(platformdirs.user_data_dir("registry-tutor")) / "practice-registry"


def check_host(host: str, use_tls: bool) -> None:
    """Refuse hosts a student could not reach safely; loopback is always fine."""
    if ":" in host:
        raise PracticeError(f"'{host}': use an IPv4 address or a host name for --host")
    if host in ("0.0.0.0", ""):
        raise PracticeError("--host must be the address students will type (your IP address or "
                            "host name, e.g. --host 192.168.1.10), not 0.0.0.0")
    if not is_loopback(host) and not use_tls:
        raise PracticeError(
            f"refusing to listen on {host} without TLS: accounts and passwords would cross the "
            "network in clear text, and Docker refuses plain HTTP registries beyond this machine. "
            f"Add --tls (the tutor makes a certificate for {host} and prints how students trust it), "
            "or leave out --host to stay on 127.0.0.1."
        )


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (as the registry would bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except socket.gaierror as error:
            raise PracticeError(f"cannot find the address of '{host}'; use this machine's IP "
                                "address for --host") from error
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                raise PracticeError(f"{host} is not an address of this machine; use one that "
                                    "`ip addr` (or ipconfig) lists") from error
            return False
    return True


def _pid_gone(pid: int) -> bool:
    """True once pid has exited (reaped, or a zombie whose sockets the kernel has closed)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return not Path("/proc").is_dir()  # without /proc (macOS), kill(pid, 0) is the answer
    except OSError:
        return False


def _pid_alive(pid: int, config_file: Path) -> bool:
    """True when pid is a live (not zombie) registry process serving our config file."""
    with contextlib.suppress(ChildProcessError, OSError, AttributeError):
        os.waitpid(pid, os.WNOHANG)  # reap it if the registry was our own child
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if not proc.exists():
        return True
    try:
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        return str(config_file).encode() in (proc / "cmdline").read_bytes()
    except OSError:
        return False


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(data, indent=2))


def _folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


def _iso(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec="seconds")


class PracticeRegistry:
    """Start, stop, inspect and manage accounts of the practice registry in one data dir."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.state_file = self.data_dir / "state.json"
        self.admin_file = self.data_dir / "admin-password"
        self.tls_dir = self.data_dir / "tls"

    # -- state -------------------------------------------------------------------------------
    def _config(self, host: str, port: int, use_tls: bool) -> ServerConfig:
        files = tls_files(self.tls_dir)
        return ServerConfig(self.data_dir, host, port, files.server_cert if use_tls else None,
                            files.server_key if use_tls else None)

    def _read_state_file(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _state(self) -> dict[str, Any]:
        """The running registry's state (pid or container, host, port, tls), or {} when none was started."""
        data = self._read_state_file()
        return data if isinstance(data.get("pid"), int) or _container_of(data) else {}

    def _alive(self, state: dict[str, Any]) -> bool:
        container = _container_of(state)
        if container is not None:
            from tutor.core.registry import container as practice_container
            return practice_container.is_running(container)
        return _pid_alive(state["pid"], self._state_config(state).config_file)

    def _halt(self, state: dict[str, Any]) -> None:
        """Stop what state names; a dead container is removed too, so its name is free again."""
        container = _container_of(state)
        if container is not None:
            from tutor.core.registry import container as practice_container
            practice_container.stop(container)
        elif _pid_alive(state["pid"], self._state_config(state).config_file):
            self._terminate(state["pid"])

    def _state_config(self, state: dict[str, Any]) -> ServerConfig:
        return self._config(str(state.get("host", "127.0.0.1")), int(state.get("port", DEFAULT_PORT)),
                            bool(state.get("tls")))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold a lock so a TUI and a command never start or stop the registry at once."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        try:
            import fcntl
        except ImportError:  # Windows: no flock; starts are rare enough there
            yield
            return
        with open(self.data_dir / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    # -- status ------------------------------------------------------------------------------
    def status(self) -> PracticeStatus:
        """Whether it runs, where, and what it holds; a dead registry with a pid file is stale."""
        state = self._state()
        storage = _folder_bytes(self.data_dir / "storage")
        users = self.users()
        if not state:
            return PracticeStatus(False, storage_bytes=storage, users=users, data_dir=str(self.data_dir))
        config = self._state_config(state)
        alive = self._alive(state)
        repositories: list[str] = []
        if alive:
            with contextlib.suppress(RegistryError, PracticeError):
                repositories = self._admin_client(config).catalog()
        return PracticeStatus(
            running=alive, address=config.address, url=config.url, pid=state.get("pid"),
            container=state.get("container"),
            host=config.host, port=config.port, storage_bytes=storage, users=users,
            repositories=repositories, stale=not alive, tls=config.tls_cert is not None,
            ca_file=str(tls_files(self.tls_dir).ca_cert) if config.tls_cert else None,
            data_dir=str(self.data_dir),
        )

    # -- start and stop ----------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int | None = None,
              tls: bool = False) -> PracticeStatus:
        """Start in the background and wait until it answers; a running registry is just reported.

        port None means the last port used (or 5000), and any free port if that one is taken;
        an explicit port that is taken is refused.
        """
        check_host(host, tls)
        with self._locked():
            current = self.status()
            if current.running:
                return current
            chosen = self._choose_port(host, port)
            config = self._config(host, chosen, tls)
            if tls:
                ensure_certificates(self.tls_dir, host)
            self._ensure_admin()
            launched = self._launch(config)
            _write_json(self.state_file, {"version": 1, **launched, "host": host, "port": chosen,
                                          "tls": tls, "started_at": _iso(time.time())})
            return self.status()

    def ensure_running(self) -> PracticeStatus:
        """Start with the defaults unless it already runs (the TUI calls this when chosen)."""
        current = self.status()
        return current if current.running else self.start()

    def stop(self) -> bool:
        """Stop it; False when nothing was running (a stale pid file or container is cleared either way)."""
        with self._locked():
            state = self._state()
            if not state:
                return False
            stopped = self._alive(state)
            self._halt(state)
            port = self._state_config(state).port
            _write_json(self.state_file, {"version": 1, "port": port})  # the next start reuses it
            return stopped

    def last_port(self) -> int | None:
        """The port the registry used last (running or not), which start prefers."""
        port = self._read_state_file().get("port")
        return port if isinstance(port, int) else None

    def _choose_port(self, host: str, port: int | None) -> int:
        if port is not None:
            if not port_is_free(host, port):
                raise PracticeError(f"port {port} on {host} is already in use; pick another with --port "
                                    "or leave --port out to let the tutor choose")
            return port
        for candidate in (self.last_port(), DEFAULT_PORT):
            if isinstance(candidate, int) and port_is_free(host, candidate):
                return candidate
        return registry_server.free_port(host)

    def _launch(self, config: ServerConfig) -> dict[str, Any]:
        """Start the registry program, else the registry image; what state.json records of it."""
        binary = registry_server.find_binary()
        if binary is None:
            return self._launch_container(config)
        try:
            return {"pid": registry_server.start_process(config, binary).pid}
        except RegistryServerError as error:
            log = config.log_file.read_text(errors="replace")[-600:] if config.log_file.exists() else ""
            raise PracticeError(f"{error}\n{log}".strip()) from error

    def _launch_container(self, config: ServerConfig) -> dict[str, Any]:
        from tutor.core.registry import container as practice_container
        try:
            container = practice_container.launch(config, REGISTRY_IMAGE)
        except RegistryServerError as error:
            raise PracticeError(str(error)) from error
        if container is None:
            raise PracticeError(_no_registry_message())
        return {"container": container.container_id, "engine": container.engine_url}

    @staticmethod
    def _terminate(pid: int) -> None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        # Not _pid_alive: an exiting process drops its command line before it closes its sockets,
        # so "not our registry any more" can be true while the port still answers.
        while not _pid_gone(pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 5
            time.sleep(0.05)

    # -- accounts ----------------------------------------------------------------------------
    @property
    def htpasswd(self) -> Path:
        return self.data_dir / "htpasswd"

    def users(self) -> list[str]:
        """The learners' account names (the tutor's hidden admin account is left out)."""
        return [name for name in registry_server.read_htpasswd(self.htpasswd) if name != ADMIN_USER]

    def has_user(self, name: str) -> bool:
        """True when the account exists."""
        return name in self.users()

    def check_password(self, name: str, password: str) -> bool:
        """True when password is the account's password."""
        hashed = registry_server.read_htpasswd(self.htpasswd).get(name)
        if not hashed or name == ADMIN_USER or not password:
            return False
        try:
            return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
        except ValueError:
            return False

    def add_user(self, name: str, password: str) -> None:
        """Create an account; the running registry accepts it at once (it reloads htpasswd)."""
        try:
            validate_user(name)
        except InvalidName as error:
            raise PracticeError(str(error)) from error
        if name == ADMIN_USER:
            raise PracticeError(f"'{ADMIN_USER}' is reserved for the tutor; choose another name")
        if not password:
            raise PracticeError("the password is empty; choose one with at least one character")
        with self._locked():
            accounts = registry_server.read_htpasswd(self.htpasswd)
            if name in accounts:
                raise PracticeError(f"the account '{name}' already exists; pick another name, "
                                    f"or remove it first: registry-tutor practice remove-user {name}")
            accounts[name] = registry_server.hash_password(password)
            registry_server.write_htpasswd(self.htpasswd, accounts)

    def remove_user(self, name: str) -> None:
        """Delete an account (its pushed images stay until reset)."""
        with self._locked():
            accounts = registry_server.read_htpasswd(self.htpasswd)
            if name == ADMIN_USER or name not in accounts:
                raise PracticeError(f"there is no account '{name}'; see: registry-tutor practice users")
            del accounts[name]
            registry_server.write_htpasswd(self.htpasswd, accounts)

    def _ensure_admin(self) -> str:
        """The hidden admin account's password, created (0600 file, bcrypt entry) when missing."""
        password = self.admin_file.read_text().strip() if self.admin_file.exists() else ""
        accounts = registry_server.read_htpasswd(self.htpasswd)
        if password and accounts.get(ADMIN_USER):
            return password
        password = secrets.token_urlsafe(24)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.admin_file.unlink(missing_ok=True)
        fd = os.open(self.admin_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        accounts[ADMIN_USER] = registry_server.hash_password(password)
        registry_server.write_htpasswd(self.htpasswd, accounts)
        return password

    # -- what learners pushed ------------------------------------------------------------------
    def _admin_client(self, config: ServerConfig | None = None) -> RegistryClient:
        if config is None:
            state = self._state()
            if not state or not self._alive(state):
                raise PracticeUnreachable("the practice registry is not running; "
                                          "start it with: registry-tutor practice start")
            config = self._state_config(state)
        ca_file = str(tls_files(self.tls_dir).ca_cert) if config.tls_cert else None
        return RegistryClient(config.url, ADMIN_USER, self._ensure_admin(), ca_file=ca_file)

    def _images(self, client: RegistryClient, user: str | None) -> Iterator[tuple[str, str, list[str]]]:
        """(repository, digest, tags) for every pushed image, optionally of one user only."""
        for repository in client.catalog():
            if user is not None and not repository.startswith(user + "/"):
                continue
            try:
                tags = client.tags(repository)
            except NotFound:
                continue
            by_digest: dict[str, list[str]] = {}
            for tag in tags:
                with contextlib.suppress(NotFound):
                    by_digest.setdefault(client.manifest(repository, tag)[0], []).append(tag)
            for digest, digest_tags in by_digest.items():
                yield repository, digest, digest_tags

    def pushed(self, user: str | None = None) -> list[str]:
        """Every pushed repository:tag (what reset would delete)."""
        client = self._admin_client()
        return [f"{repo}:{tag}" for repo, _digest, tags in self._images(client, user) for tag in tags]

    def reset(self, user: str | None = None) -> list[str]:
        """Delete every pushed manifest (of one user, or all) through the API; returns repo:tag."""
        if user is not None:  # a removed account's images can still be reset by its name
            try:
                validate_user(user)
            except InvalidName as error:
                raise PracticeError(str(error)) from error
        client = self._admin_client()
        deleted: list[str] = []
        for repository, digest, tags in list(self._images(client, user)):
            with contextlib.suppress(NotFound):
                client.delete_manifest(repository, digest)
            deleted.extend(f"{repository}:{tag}" for tag in tags)
            self._drop_if_empty(client, repository)
        return deleted

    def _drop_if_empty(self, client: RegistryClient, repository: str) -> None:
        """Remove a repository's folder once it has no tags, so the catalog forgets it too."""
        with contextlib.suppress(NotFound):
            if client.tags(repository):
                return
        root = (self.data_dir / "storage" / _REPOSITORIES).resolve()
        folder = (root / repository).resolve()
        if root in folder.parents:
            shutil.rmtree(folder, ignore_errors=True)
            for parent in folder.parents:
                if parent == root or any(parent.iterdir()):
                    break
                parent.rmdir()

    def _pushed_at(self, repository: str, tags: list[str]) -> str | None:
        """When a tag was last pushed: the time the registry wrote the tag's link."""
        base = self.data_dir / "storage" / _REPOSITORIES / repository / "_manifests" / "tags"
        times = []
        for tag in tags:
            with contextlib.suppress(OSError):
                times.append((base / tag / "current" / "link").stat().st_mtime)
        return _iso(max(times)) if times else None

    def board(self) -> list[BoardRow]:
        """One row per account and pushed image, and one for each account with nothing pushed."""
        client = self._admin_client()
        rows: list[BoardRow] = []
        for repository, digest, tags in self._images(client, None):
            owner = repository.split("/", 1)[0] if "/" in repository else ""
            rows.append(BoardRow(owner, repository, tuple(tags), digest,
                                 self._pushed_at(repository, tags)))
        seen = {row.user for row in rows}
        rows.extend(BoardRow(name) for name in self.users() if name not in seen)
        return sorted(rows, key=lambda row: (row.user, row.repository or ""))


def _container_of(state: dict[str, Any]) -> RunningContainer | None:
    """The registry container a state names, if it names one."""
    container, engine = state.get("container"), state.get("engine")
    if not (isinstance(container, str) and container and isinstance(engine, str)):
        return None
    from tutor.core.registry.container import RunningContainer

    return RunningContainer(container, engine)


def _no_registry_message() -> str:
    """Why nothing can be started, and how to get a registry program or image."""
    return (f"no registry program found and no '{REGISTRY_IMAGE}' image in Docker or Podman. Either "
            "install the registry program (Debian/Ubuntu: sudo apt-get install docker-registry), "
            f"or load the image where you have internet (docker pull {REGISTRY_IMAGE}; or docker "
            f"save {REGISTRY_IMAGE} on a machine that has it, then docker load here), and start again.")
