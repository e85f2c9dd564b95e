"""The offline practice registry: a real Distribution registry the tutor starts and looks after.

Its data dir (default: platformdirs user_data_dir('registry-tutor')/practice-registry, mode 0700)
holds config.yml, htpasswd (bcrypt, 0600), storage/, registry.log (JSON lines; a container's
copied there by the companion), state.json (pid or container, engine, host, port, tls, the
companion's pid and address; written atomically), tls/ (the
small CA and server certificate, with --tls), events/ (what the class did, for the board),
companion.json and admin-password (0600): the password of the hidden account `tutor-admin`, which
the tutor uses to read the catalog for status, board and reset. It is never listed as an account.

Beside the registry runs its web companion (tutor.core.registry.companion): repository pages and
the class board, fed by the registry's notifications and log. Which data dir runs is recorded in
the user's state dir (tutor.core.registry.practice_instance), so actions without --data find it.

The registry runs as a process of the installed registry program, or, when none is installed,
as a container of the registry image on Docker or Podman (tutor.core.registry.container).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from tutor.core.locking import file_lock
from tutor.core.records import field, record
from tutor.core.registry import practice_images, practice_instance, practice_runner
from tutor.core.registry.api import RegistryClient, RegistryError
from tutor.core.registry.companion import launch as companion
from tutor.core.registry.companion import settings as companion_settings
from tutor.core.registry.companion.events import record_account
from tutor.core.registry.practice_accounts import ADMIN_USER, AccountRefused, Accounts
from tutor.core.registry.practice_images import BoardRow
from tutor.core.registry.practice_process import (
    DEFAULT_PORT,
    HostRefused,
    PracticeError,
    PracticeUnreachable,
    check_host,
    choose_port,
    choose_web_port,
    port_is_free,
)
from tutor.core.registry.server import Notify, ServerConfig
from tutor.core.registry.tls import ensure_certificates, tls_files
from tutor.core.target import InvalidName, validate_user

if TYPE_CHECKING:
    from tutor.core.registry.companion.progress import ClassRow
    from tutor.core.registry.companion.settings import CompanionSettings

__all__ = ["ADMIN_USER", "DEFAULT_PORT", "BoardRow", "PracticeError", "PracticeRegistry", "PracticeStatus",
           "PracticeUnreachable", "check_host", "port_is_free"]


@record
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
    web_url: str | None = None
    web_running: bool = False

    @property
    def runner(self) -> str:
        """What runs it, for people: 'pid 1234' or 'container 0123456789ab'."""
        return f"container {self.container[:12]}" if self.container else f"pid {self.pid}"


def default_data_dir() -> Path:
    """Where the practice registry keeps accounts, images and its state by default."""
    return Path(platformdirs.user_data_dir("registry-tutor")) / "practice-registry"


def current_data_dir() -> Path:
    """The data dir of the practice registry started last (running or stopped, if it still
    exists), else the default."""
    found = practice_instance.recorded()
    if found is not None and (Path(found.data_dir) / practice_runner.STATE_FILE).exists():
        return Path(found.data_dir)
    return default_data_dir()


def _folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


class PracticeRegistry:
    """Start, stop, inspect and manage accounts of the practice registry in one data dir.

    Without a data dir it acts on the practice registry that runs (whatever --data started it).
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else current_data_dir()
        self.state_file = self.data_dir / practice_runner.STATE_FILE
        self.admin_file = self.data_dir / "admin-password"
        self.tls_dir = self.data_dir / "tls"
        self.accounts = Accounts(self.data_dir)

    # -- state -------------------------------------------------------------------------------
    def _config(self, host: str, port: int, use_tls: bool, notify: Notify | None = None) -> ServerConfig:
        files = tls_files(self.tls_dir)
        return ServerConfig(self.data_dir, host, port, files.server_cert if use_tls else None,
                            files.server_key if use_tls else None, notify=notify)

    def _state(self) -> dict[str, Any]:
        """The running registry's state (pid or container, host, port, tls), or {} when none was started."""
        data = practice_runner.read_state(self.data_dir)
        return data if isinstance(data.get("pid"), int) or practice_runner.container_of(data) else {}

    def _alive(self, state: dict[str, Any]) -> bool:
        return practice_runner.is_alive(state, self._state_config(state))

    def _halt(self, state: dict[str, Any], keep_companion: bool = False) -> None:
        """Stop the registry (its port closed) and, unless kept, its companion."""
        practice_runner.halt(state, self._state_config(state))
        if not keep_companion:
            companion.stop(state.get("companion_pid"), self.data_dir, companion_settings.load(self.data_dir))

    def _state_config(self, state: dict[str, Any]) -> ServerConfig:
        return self._config(str(state.get("host", "127.0.0.1")), int(state.get("port", DEFAULT_PORT)),
                            bool(state.get("tls")))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold a lock so a TUI and a command never start or stop the registry at once."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        with file_lock(self.data_dir / ".lock"):
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
            data_dir=str(self.data_dir), web_url=state.get("web_url"),
            web_running=companion.alive(state.get("companion_pid"), self.data_dir),
        )

    # -- start and stop ----------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int | None = None, tls: bool = False,
              web_port: int | None = None, lang: str = "en") -> PracticeStatus:
        """Start in the background and wait until it answers; a running registry is just reported.

        port None means the last port used (or 5000), and any free port if that one is taken;
        an explicit port that is taken is refused. The web companion starts with it (web_port None:
        the last one, else the registry's port + 1, else any free port).
        """
        try:
            check_host(host, tls)
        except HostRefused as error:
            raise PracticeError(str(error)) from error
        with self._locked():
            self._refuse_a_second_one()
            current = self.status()
            if current.running:
                return self._keep_companion(current)
            survivor = None
            if state := self._state():
                # A registry that died while its companion lives: keep the companion (browsers stay
                # connected) when the new registry takes the old one's place; otherwise stop it too.
                old = self._state_config(state)
                survivor = companion.surviving(self.data_dir, state.get("companion_pid"), host, tls,
                                               port in (None, old.port))
                self._halt(state, keep_companion=survivor is not None)
            return self._start_both(host, port, tls, web_port, lang, survivor)

    def _refuse_a_second_one(self) -> None:
        """Only one practice registry per machine: name the one that runs from another data dir."""
        other = practice_instance.recorded()
        if other is None or Path(other.data_dir) == self.data_dir:
            return
        running = PracticeRegistry(Path(other.data_dir)).status()
        if running.running:
            raise PracticeError(
                f"a practice registry already runs at {running.address} ({running.runner}) with the "
                f"data dir {running.data_dir}; use it (leave out --data, or --data {running.data_dir}), "
                "or stop it first: registry-tutor practice stop")

    def _start_both(self, host: str, port: int | None, tls: bool, web_port: int | None, lang: str,
                    survivor: tuple[int, CompanionSettings] | None = None) -> PracticeStatus:
        if survivor is not None:  # the old registry's place: its port, the companion's webhook
            port = int(survivor[1].registry_url.rsplit(":", 1)[1])
        try:
            chosen = choose_port(host, port, self.last_port())
            web = survivor[1].web_port if survivor else choose_web_port(
                host, chosen, web_port, practice_runner.read_state(self.data_dir).get("web_port"))
        except HostRefused as error:
            raise PracticeError(str(error)) from error
        if tls:
            ensure_certificates(self.tls_dir, host)
        self._ensure_admin()
        if survivor is not None:
            companion_pid, settings = survivor
        else:
            config, files = self._config(host, chosen, tls), tls_files(self.tls_dir)
            settings = companion_settings.for_registry(config, web, lang, files if tls else None)
            companion_pid = self._launch_companion(settings)
        try:
            notify = Notify(settings.hook_url, settings.token)
            launched = practice_runner.launch(self._config(host, chosen, tls, notify))
        except BaseException:
            if survivor is None:
                companion.stop(companion_pid, self.data_dir, settings)
            raise
        state = {"version": 1, **launched, "host": host, "port": chosen, "tls": tls, "web_port": web,
                 "web_url": settings.web_url, "companion_pid": companion_pid,
                 "started_at": practice_images.iso(time.time())}
        practice_instance.write_json_atomically(self.state_file, state)
        status = self.status()
        practice_instance.remember(practice_instance.RunningInstance(
            str(self.data_dir), chosen, status.address or "", status.pid, status.container, settings.web_url))
        return status

    def _launch_companion(self, settings: CompanionSettings) -> int:
        try:
            return companion.start(self.data_dir, settings)
        except companion.CompanionFailed as error:
            raise PracticeError(str(error)) from error

    def _keep_companion(self, current: PracticeStatus) -> PracticeStatus:
        """A running registry whose companion died gets it back, on the same ports and token."""
        state, settings = self._state(), companion_settings.load(self.data_dir)
        if current.web_running or settings is None:
            return current
        state["companion_pid"] = self._launch_companion(settings)
        practice_instance.write_json_atomically(self.state_file, state)
        return self.status()

    def ensure_running(self) -> PracticeStatus:
        """Start with the defaults unless it already runs (the TUI calls this when chosen)."""
        current = self.status()
        return current if current.running else self.start()

    def stop(self) -> bool:
        """Stop it and its companion; returns once both have exited and their ports are closed.

        False when nothing was running (a stale pid file or container is cleared either way).
        """
        with self._locked():
            state = self._state()
            if not state:
                practice_instance.mark_stopped(self.data_dir)
                return False
            stopped = self._alive(state)
            self._halt(state)
            # the next start reuses the ports
            practice_instance.write_json_atomically(self.state_file, {
                "version": 1, "port": self._state_config(state).port, "web_port": state.get("web_port")})
            practice_instance.mark_stopped(self.data_dir)
            return stopped

    def last_port(self) -> int | None:
        """The port the registry used last (running or not), which start prefers."""
        port = practice_runner.read_state(self.data_dir).get("port")
        return port if isinstance(port, int) else None

    # -- accounts ----------------------------------------------------------------------------
    @property
    def htpasswd(self) -> Path:
        return self.accounts.htpasswd

    def users(self) -> list[str]:
        """The learners' account names (the tutor's hidden admin account is left out)."""
        return self.accounts.users()

    def has_user(self, name: str) -> bool:
        """True when the account exists."""
        return name in self.users()

    def check_password(self, name: str, password: str) -> bool:
        """True when password is the account's password."""
        return self.accounts.check_password(name, password)

    def add_user(self, name: str, password: str) -> None:
        """Create an account; the running registry accepts it at once (it reloads htpasswd)."""
        with self._locked():
            try:
                self.accounts.add(name, password)
            except AccountRefused as error:
                raise PracticeError(str(error)) from error
            record_account(self.data_dir, "account_added", name)

    def remove_user(self, name: str) -> None:
        """Delete an account (its pushed images stay until reset)."""
        with self._locked():
            try:
                self.accounts.remove(name)
            except AccountRefused as error:
                raise PracticeError(str(error)) from error
            record_account(self.data_dir, "account_removed", name)

    def _ensure_admin(self) -> str:
        """The hidden admin account's password, created (0600 file, bcrypt entry) when missing."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.accounts.admin_password()

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

    def pushed(self, user: str | None = None) -> list[str]:
        """Every pushed repository:tag (what reset would delete)."""
        client = self._admin_client()
        return [f"{repo}:{tag}" for repo, _digest, tags in practice_images.images(client, user)
                for tag in tags]

    def reset(self, user: str | None = None) -> list[str]:
        """Delete every pushed manifest (of one user, or all) through the API; returns repo:tag."""
        if user is not None:  # a removed account's images can still be reset by its name
            try:
                validate_user(user)
            except InvalidName as error:
                raise PracticeError(str(error)) from error
        return practice_images.delete_all(self._admin_client(), self.data_dir / "storage", user)

    def class_board(self) -> list[ClassRow]:
        """The class board's rows (the same as the web board's), from the events in the data dir."""
        from tutor.core.registry.companion.events import events_path, load
        from tutor.core.registry.companion.progress import class_rows

        return class_rows(load(events_path(self.data_dir)), self.users())

    def web_page(self, repository: str) -> str | None:
        """The companion's page of USER/IMAGE while it runs (a file read, no network), else None."""
        state = self._state()
        url = state.get("web_url")
        if not isinstance(url, str) or not companion.alive(state.get("companion_pid"), self.data_dir):
            return None
        return f"{url}/r/{repository}"

    def seed_account(self) -> tuple[str, str]:
        """The account `practice seed` pushes with: the tutor's hidden admin account."""
        return ADMIN_USER, self._ensure_admin()

    def board(self) -> list[BoardRow]:
        """One row per account and pushed image, and one for each account with nothing pushed."""
        return practice_images.image_rows(self._admin_client(), self.data_dir / "storage", self.users())
