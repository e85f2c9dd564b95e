"""Fixtures of the browser tests (a pytest plugin: test modules name it in pytest_plugins).

A real browser, Debian's chromium, driven through Playwright for Python. Playwright's own browser
download cannot work on these machines, so the browser is the system's: one headless chromium per
session, and per test a Playwright connection to it over its loopback DevTools endpoint. A test
that needs it is marked `browser`; without chromium or Playwright it is skipped with what to
install, and fails instead under TUTOR_REQUIRE_ENGINE=1 (CI). Browser tests are plain `def`
tests (sync Playwright), never `async def`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import missing
from tutor.core.registry import server as registry_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("TUTOR_CHROMIUM", "/usr/bin/chromium"))
# Headless, no sandbox (root in CI), and nothing that reaches out to the internet on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _playwright_module() -> Any:
    try:
        from playwright import sync_api
    except ImportError:
        missing("Playwright for Python is not installed (.venv/bin/pip install -e '.[test]')")
    return sync_api


@dataclass
class Chromium:
    """A running headless chromium with its DevTools endpoint (loopback) and empty profile."""

    process: subprocess.Popen[bytes]
    endpoint: str
    profile: Path


def _devtools_endpoint(process: subprocess.Popen[bytes]) -> str:
    """Read chromium's 'DevTools listening on ws://...' line; its end means it did not start."""
    assert process.stderr is not None
    seen = []
    for raw in process.stderr:
        line = raw.decode(errors="replace").strip()
        seen.append(line)
        if line.startswith("DevTools listening on "):
            return line.removeprefix("DevTools listening on ")
    raise RuntimeError("chromium exited before it listened:\n" + "\n".join(seen[-20:]))


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """Debian's chromium, headless, with a new empty profile, for the whole session.

    Started as a process rather than held open by Playwright: sync Playwright keeps an event
    loop running while it is open, which would break every pytest-asyncio test that follows.
    """
    _playwright_module()
    if not CHROMIUM.exists():
        missing(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [str(CHROMIUM), *CHROMIUM_ARGS, f"--user-data-dir={profile}",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    try:
        endpoint = _devtools_endpoint(process)
    except RuntimeError as error:
        process.kill()
        missing(str(error))
    # Keep draining chromium's stderr so that a chatty browser never blocks on a full pipe.
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    yield Chromium(process, endpoint, profile)
    registry_server.stop_process(process)  # the same polite-then-firm stop as the registry's


def _drain(process: subprocess.Popen[bytes]) -> None:
    assert process.stderr is not None
    for _ in process.stderr:
        pass


@pytest.fixture
def browser(chromium: Chromium) -> Iterator[Browser]:
    """Playwright connected to the session's chromium, for one test (sync tests only)."""
    sync_api = _playwright_module()
    with sync_api.sync_playwright() as playwright:
        connected = playwright.chromium.connect_over_cdp(chromium.endpoint)
        yield connected
        # Closing a CDP connection leaves the session's chromium running.
        connected.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A tab in a fresh browser context (no cookies or storage from another test), closed after."""
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    context.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the browser `browser`, so `-m "not browser"` leaves them out."""
    for item in items:
        if {"chromium", "browser", "page"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
