"""The companion's pages in headless Chromium while the real docker CLI pushes and pulls.

Every wait has a deadline (a hung test fails), never a claim about speed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import docker

from tests import test_practice
from tests.companion_support import checked_digest_start, wait_until
from tests.conftest import HELLO_IMAGE
from tests.test_companion import login
from tests.test_practice import Practice, push_hello
from tutor.core.registry.companion import events as store

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytest_plugins = ["tests.browser_fixtures"]  # Debian's chromium through Playwright
practice = test_practice.practice  # the same fixtures: the CLI on the test's own data dir
running = test_practice.running
Cli = Callable[..., subprocess.CompletedProcess[str]]
DEADLINE_MS = 30_000  # a bound for a hung test, not a speed target


def web(practice: Practice) -> str:
    url = practice.registry.status().web_url
    assert url
    return url


def cell(page: Page, user: str, step: str) -> str:
    """The selector of one step's cell in an account's row, once it shows the step done."""
    return f'#row-{user} td.done[data-step="{step}"]'


def test_the_board_follows_a_lab_done_with_the_docker_cli(running: Practice, page: Page, docker_cli: Cli,
                                                         hello_image: str) -> None:
    """The open board shows a new account, a wrong password as its last error, then each step ticked."""
    page.goto(web(running) + "/board")
    user, password = running.add_user()
    page.wait_for_selector(f'#row-{user}[data-step="login"]', timeout=DEADLINE_MS)
    assert not login(docker_cli, running, user, "not-" + password)
    error = page.wait_for_selector(f'#row-{user} td.error[data-error="login_failed"]', timeout=DEADLINE_MS)
    assert error is not None and "Wrong password" in error.inner_text()
    assert login(docker_cli, running, user, password)
    remote = f"{running.address}/{user}/{HELLO_IMAGE}:latest"
    try:
        assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
        assert docker_cli("push", remote).returncode == 0
        page.wait_for_selector(cell(page, user, "push"), timeout=DEADLINE_MS)
        other = page.context.new_page()  # the student looks at the repository page
        other.goto(f"{web(running)}/r/{user}/{HELLO_IMAGE}")
        page.wait_for_selector(cell(page, user, "verify"), timeout=DEADLINE_MS)
        assert docker_cli("rmi", remote).returncode == 0
        assert docker_cli("pull", remote).returncode == 0
        page.wait_for_selector(cell(page, user, "pull"), timeout=DEADLINE_MS)
    finally:
        docker_cli("rmi", remote)
    assert page.inner_text(f"#row-{user} td.step") == "every step done"


def test_the_repository_page_shows_the_digest_check_reports(running: Practice, page: Page,
                                                           engine: docker.DockerClient, hello_image: str,
                                                           docker_cli: Cli) -> None:
    """The digest on the page is the pushed one, which `registry-tutor check --json` names too."""
    user, password = running.add_user()
    assert login(docker_cli, running, user, password)
    digest = push_hello(engine, running.address, user, password)
    shown = checked_digest_start(user)
    page.goto(f"{web(running)}/r/{user}/{HELLO_IMAGE}")
    on_page = page.inner_text('code.digest[data-tag="latest"]')
    assert on_page == digest and on_page.startswith(shown)
    assert "linux/amd64" in page.inner_text("table.platforms")
    assert f"docker pull {running.address}/{user}/{HELLO_IMAGE}:latest" in page.inner_text("pre.pull")
    page.goto(f"{web(running)}/r/{user}/{HELLO_IMAGE}?lang=de")
    assert "Komprimierte Größe" in page.inner_text("table.platforms")


def test_a_registry_killed_mid_class_keeps_the_board(running: Practice, page: Page,
                                                     engine: docker.DockerClient, hello_image: str) -> None:
    """kill -9 of the registry; `practice start` brings it back; the open board keeps its rows and goes on."""
    user, password = running.add_user()
    push_hello(engine, running.address, user, password, "v1")
    page.goto(web(running) + "/board")
    page.wait_for_selector(cell(page, user, "push"), timeout=DEADLINE_MS)
    pid = json.loads((running.data / "state.json").read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_until("the registry gone", lambda: not running.registry.status().running)
    assert running.start().code == 0
    assert page.query_selector(cell(page, user, "push")) is not None  # nothing was lost on the page
    later, later_password = running.add_user()
    push_hello(engine, running.address, later, later_password)
    page.wait_for_selector(cell(page, later, "push"), timeout=DEADLINE_MS)
    assert page.query_selector(cell(page, user, "push")) is not None


def test_thirty_accounts_pushing_at_once_all_reach_the_board(running: Practice, page: Page,
                                                             engine: docker.DockerClient,
                                                             hello_image: str) -> None:
    """30 accounts push at the same time: the open board ticks all 30, the events file has 30 pushes."""
    accounts = [running.add_user() for _ in range(30)]
    page.goto(web(running) + "/board")
    failures: list[BaseException] = []

    def push(user: str, password: str) -> None:
        try:
            push_hello(engine, running.address, user, password)
        except BaseException as error:  # collected and reported below
            failures.append(error)

    threads = [threading.Thread(target=push, args=account) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    for user, _password in accounts:
        page.wait_for_selector(cell(page, user, "push"), timeout=DEADLINE_MS)
    assert page.locator('td.done[data-step="push"]').count() == 30
    pushes = [event for event in store.load(store.events_path(running.data)) if event.kind == "push"]
    assert sorted(event.user or "" for event in pushes) == sorted(user for user, _ in accounts)


def test_screenshots_of_both_pages(running: Practice, page: Page, engine: docker.DockerClient,
                                   hello_image: str, tmp_path: Path) -> None:
    """The board and a repository page render to PNG images; TUTOR_UPDATE_SCREENSHOTS=1 writes
    them to assets/ (the README's pictures)."""
    if os.environ.get("TUTOR_UPDATE_SCREENSHOTS") == "1":
        tmp_path = Path(__file__).resolve().parent.parent / "assets"
    user, password = running.add_user()
    push_hello(engine, running.address, user, password)
    page.set_viewport_size({"width": 1100, "height": 500})
    page.goto(web(running) + "/board")
    page.wait_for_selector(cell(page, user, "push"), timeout=DEADLINE_MS)
    board_png = page.screenshot(path=str(tmp_path / "board.png"))
    page.goto(f"{web(running)}/r/{user}/{HELLO_IMAGE}")
    repository_png = page.screenshot(path=str(tmp_path / "repository.png"))
    assert board_png.startswith(b"\x89PNG") and repository_png.startswith(b"\x89PNG")
