"""`registry-tutor serve`: the tutor in a real browser (Debian's chromium), on loopback only.

The terminal in the page draws on a canvas, so what the tutor shows is read from the WebSocket
frames the page receives (the terminal's output), and whether the step really changed from
`registry-tutor check --json`, never from the page's DOM.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from docker import errors as docker_errors

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tutor.commands.serve import is_loopback, tutor_command
from tutor.core.registry import server as registry_server

if TYPE_CHECKING:
    import docker
    from playwright.sync_api import Page, WebSocket

pytest_plugins = ["tests.browser_fixtures"]
ANSI = re.compile(r"\x1b(?:\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][A-Z0-9]|[=>NOM78c])")
WAIT_SECONDS = 60  # how long a page may take to show something before the test says what is missing


def tutor(*args: str) -> subprocess.CompletedProcess[str]:
    """Run registry-tutor as a learner would, in a child process."""
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


@dataclass
class Served:
    """A running `registry-tutor serve` and the address of its page."""

    process: subprocess.Popen[str]
    url: str
    said: list[str] = field(default_factory=list)

    def stop(self) -> None:
        """Ctrl+C as the user would press it, then make sure the tabs' tutors are gone too."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_serve(*args: str) -> Served:
    """Start `registry-tutor serve` on a free loopback port and wait until it says where it is."""
    port = registry_server.free_port()
    process = subprocess.Popen([sys.executable, "-m", "tutor", "serve", "--port", str(port), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ), start_new_session=True)
    served = Served(process, f"http://127.0.0.1:{port}")
    assert process.stdout is not None
    for line in process.stdout:
        served.said.append(line)
        if "served on" in line:
            return served
    raise AssertionError("serve ended before it listened:\n" + "".join(served.said))


@pytest.fixture
def served_lab(registry: RegistryUnderTest, account: tuple[str, str],
               hello_image: str) -> Iterator[tuple[Served, str]]:
    """The tutor served for a fresh learner on the test registry (Docker, English)."""
    user, _ = account
    served = start_serve("--registry", registry.address, "--user", user, "--engine", "docker", "--lang", "en")
    yield served, user
    served.stop()


class Screen:
    """What the page's terminal received, as text without escape sequences."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.chunks: list[str] = []
        page.on("websocket", self._listen)

    def _listen(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.chunks.append(payload.decode("utf-8", errors="replace"))

    @property
    def text(self) -> str:
        """Everything drawn so far, escape sequences and line breaks removed."""
        return ANSI.sub("", "".join(self.chunks)).replace("\r", "").replace("\n", "")

    def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        """Wait (in the page's own time) until predicate holds; fail naming what never came."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if predicate():
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"the page never showed {what}; it showed: {self.text[-2000:]}")

    def wait_for_text(self, text: str) -> None:
        self.wait_for(lambda: text in self.text, repr(text))


def type_command(page: Page, line: str) -> None:
    """Type into the page's terminal as a person would, then Enter."""
    page.focus("textarea.xterm-helper-textarea")  # the terminal's own keyboard input
    page.keyboard.type(line, delay=5)
    page.keyboard.press("Enter")


def check_statuses(registry: RegistryUnderTest, user: str) -> dict[str, str]:
    """`registry-tutor check --json`: step id -> status, from the real engine and registry."""
    done = tutor("check", "--registry", registry.address, "--user", user, "--engine", "docker", "--json")
    return {step["id"]: step["status"] for step in json.loads(done.stdout)["steps"]}


def test_serve_refuses_every_address_but_loopback() -> None:
    """0.0.0.0 or a LAN address would hand this user's engine and logins to anyone: exit 2, and why."""
    for host in ("0.0.0.0", "192.168.1.20", "::", "example.org"):
        refused = tutor("serve", "--host", host)
        assert refused.returncode == 2, refused
        assert f"refuses --host {host}" in refused.stderr
        assert "127.0.0.1" in refused.stderr and "Traceback" not in refused.stderr
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.3.4.5", "localhost", "::1", "[::1]"))


def test_serve_says_when_the_port_is_taken(registry: RegistryUnderTest) -> None:
    """A port in use is a message naming the address and --port, exit 1, no traceback."""
    taken = tutor("serve", "--port", str(registry.config.port))
    assert taken.returncode == 1, taken
    assert f"127.0.0.1:{registry.config.port}" in taken.stderr and "--port" in taken.stderr
    assert "Traceback" not in taken.stderr


def test_each_tab_runs_the_tutor_with_the_options_given_to_serve() -> None:
    """The served command is this Python's tutor with the target options (and `demo` for --demo)."""
    from tutor.__main__ import build_parser

    args = build_parser().parse_args(["serve", "--demo", "--registry", "practice", "--lang", "de"])
    assert tutor_command(args) == [sys.executable, "-m", "tutor", "demo", "--registry", "practice",
                                   "--lang", "de"]


def test_the_page_loads_nothing_from_the_internet(page: Page, served_lab: tuple[Served, str]) -> None:
    """Every request the page makes (font, script, styles, WebSocket) goes to the tutor's own server."""
    served, _ = served_lab
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    screen = Screen(page)
    page.goto(served.url)
    screen.wait_for_text("Type a command")
    fonts = page.evaluate("document.fonts.check('16px \"Roboto Mono\"')")
    assert fonts, "the page's own Roboto Mono did not load"
    assert requested and all(url.startswith(served.url) for url in requested), requested
    assert any(url.endswith(".ttf") for url in requested)
    assert "googleapis" not in page.content()


def test_a_command_typed_in_the_browser_runs_and_changes_the_step(
        page: Page, served_lab: tuple[Served, str], registry: RegistryUnderTest,
        engine: docker.DockerClient) -> None:
    """Type `docker images`, see its table in the output; type the tag; the check turns done."""
    served, user = served_lab
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}"
    screen = Screen(page)
    page.goto(served.url)
    screen.wait_for_text("Type a command")
    assert "REPOSITORY" not in screen.text  # the table's header comes from the command alone

    type_command(page, f"docker images {HELLO_IMAGE}")
    screen.wait_for_text("REPOSITORY")

    assert check_statuses(registry, user)["tag"] == "todo"
    try:
        type_command(page, f"docker tag {HELLO_IMAGE} {remote}")
        screen.wait_for(lambda: check_statuses(registry, user)["tag"] == "done", "the tag step done")
        screen.wait_for_text(f"$ docker tag {HELLO_IMAGE} {remote}")
    finally:
        with contextlib.suppress(docker_errors.ImageNotFound):
            engine.images.remove(remote)
