"""The practice registry's processes and ports: is it alive, is the port free, stop it for good."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import time
from pathlib import Path

from tutor.core.registry.server import free_port
from tutor.core.target import is_loopback

STOP_SECONDS = 10.0
DEFAULT_PORT = 5000


class PracticeError(RuntimeError):
    """The practice registry refused or failed; the message says why and what to do."""


class PracticeUnreachable(PracticeError):
    """The practice registry is not running or does not answer."""


class HostRefused(ValueError):
    """The --host given cannot be served safely or is not this machine's; the text says why."""


def check_host(host: str, use_tls: bool) -> None:
    """Refuse hosts a student could not reach safely; loopback is always fine."""
    if ":" in host:
        raise HostRefused(f"'{host}': use an IPv4 address or a host name for --host")
    if host in ("0.0.0.0", ""):
        raise HostRefused("--host must be the address students will type (your IP address or "
                          "host name, e.g. --host 192.168.1.10), not 0.0.0.0")
    if not is_loopback(host) and not use_tls:
        raise HostRefused(
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
            raise HostRefused(f"cannot find the address of '{host}'; use this machine's IP "
                              "address for --host") from error
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                raise HostRefused(f"{host} is not an address of this machine; use one that "
                                  "`ip addr` (or ipconfig) lists") from error
            return False
    return True


def choose_port(host: str, port: int | None, last: int | None) -> int:
    """The registry's port: an explicit one if free (else refused), else the last one or 5000, else any."""
    if port is not None:
        if not port_is_free(host, port):
            raise PracticeError(f"port {port} on {host} is already in use; pick another with --port "
                                "or leave --port out to let the tutor choose")
        return port
    for candidate in (last, DEFAULT_PORT):
        if isinstance(candidate, int) and port_is_free(host, candidate):
            return candidate
    return free_port(host)


def choose_web_port(host: str, registry_port: int, web_port: int | None, last: object) -> int:
    """The web companion's port: an explicit free one, else the last one or the registry's + 1, else any."""
    if web_port is not None:
        if web_port == registry_port or not port_is_free(host, web_port):
            raise PracticeError(f"port {web_port} on {host} is already in use; pick another with "
                                "--web-port or leave it out to let the tutor choose")
        return web_port
    for candidate in (last, registry_port + 1):
        if (isinstance(candidate, int) and candidate not in (registry_port, 65536)
                and port_is_free(host, candidate)):
            return candidate
    while (found := free_port(host)) == registry_port:
        continue
    return found


def port_answers(host: str, port: int) -> bool:
    """True when something accepts a TCP connection on host:port right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_port_closed(host: str, port: int, timeout: float = STOP_SECONDS) -> bool:
    """Wait until nothing answers on host:port; False if it still answers after timeout."""
    deadline = time.monotonic() + timeout
    while port_answers(host, port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _state_letter(pid: int) -> str | None:
    """The process state from /proc ('Z' for a zombie), None where there is no /proc entry."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError, AttributeError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it was our own child


def pid_gone(pid: int) -> bool:
    """True once pid has exited (reaped, or a zombie whose sockets the kernel has closed)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    letter = _state_letter(pid)
    if letter is None:
        return Path("/proc").is_dir() and not Path(f"/proc/{pid}").exists()
    return letter == "Z"


def pid_serves(pid: int, config_file: Path) -> bool:
    """True when pid is a live (not zombie) process started with config_file on its command line."""
    if pid_gone(pid):
        return False
    proc = Path(f"/proc/{pid}")
    if not proc.exists():
        return True  # without /proc (macOS), kill(pid, 0) is the answer
    try:
        return str(config_file).encode() in (proc / "cmdline").read_bytes()
    except OSError:
        return False


def terminate(pid: int) -> None:
    """SIGTERM, then SIGKILL after a while; returns only once the process has exited."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS / 2
    # Not pid_serves: an exiting process drops its command line before it closes its sockets,
    # so "not our registry any more" can be true while the port still answers.
    while not pid_gone(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + STOP_SECONDS / 2
        time.sleep(0.05)
