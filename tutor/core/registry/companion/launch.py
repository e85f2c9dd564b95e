"""Start and stop the companion process beside the practice registry (no aiohttp loaded here)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tutor.core.registry import server as registry_server
from tutor.core.registry.companion.settings import CompanionSettings, load, save
from tutor.core.registry.practice_process import pid_gone, pid_serves, terminate, wait_port_closed

READY_SECONDS = 20.0


class CompanionFailed(RuntimeError):
    """The companion did not start; the message says why."""


def log_file(data_dir: Path) -> Path:
    """Where the companion's own messages go."""
    return data_dir / "companion.log"


def start(data_dir: Path, settings: CompanionSettings) -> int:
    """Write the settings, start the process, wait until its webhook answers; its pid."""
    save(data_dir, settings)
    with open(log_file(data_dir), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tutor.core.registry.companion", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env=registry_server.registry_env())
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CompanionFailed(f"the web companion exited at start (code {process.returncode}): "
                                  + _tail(data_dir))
        if _answers(f"http://127.0.0.1:{settings.hook_port}/healthz"):
            return process.pid
        time.sleep(0.05)
    stop(process.pid, data_dir, settings)
    raise CompanionFailed(f"the web companion did not answer within {READY_SECONDS:.0f} s: "
                          + _tail(data_dir))


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except (urllib.error.URLError, OSError):
        return False
    return True


def _tail(data_dir: Path) -> str:
    try:
        return log_file(data_dir).read_text(errors="replace")[-400:].strip()
    except OSError:
        return ""


def alive(pid: int | None, data_dir: Path) -> bool:
    """True when pid is the companion of this data dir."""
    return isinstance(pid, int) and pid_serves(pid, data_dir)


def stop(pid: int | None, data_dir: Path, settings: CompanionSettings | None) -> None:
    """Stop it and wait until its ports are closed."""
    if isinstance(pid, int) and not pid_gone(pid) and pid_serves(pid, data_dir):
        terminate(pid)
    if settings is not None:
        wait_port_closed(settings.web_host, settings.web_port)
        wait_port_closed("127.0.0.1", settings.hook_port)


def surviving(data_dir: Path, pid: object, host: str, tls: bool,
              same_port: bool) -> tuple[int, CompanionSettings] | None:
    """The live companion of a dead registry and its settings, when the new start fits them."""
    settings = load(data_dir)
    if settings is None or not isinstance(pid, int) or not alive(pid, data_dir):
        return None
    if settings.web_host != host or bool(settings.tls_cert) != tls or not same_port:
        return None
    return pid, settings
