"""The class board in the terminal: a real push shows up on the Textual board at 80x24."""

from __future__ import annotations

import subprocess
import sys
import time

import docker
from textual.widgets import DataTable, Static

from tests import test_practice
from tests.test_practice import Practice, push_hello
from tutor.commands.board import BoardApp
from tutor.commands.board_text import board_cells, plain_board
from tutor.core.registry.companion.progress import ClassRow
from tutor.core.registry.practice import PracticeRegistry

practice = test_practice.practice  # the same fixtures: the CLI on the test's own data dir
running = test_practice.running


def _cells(table: DataTable[str]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def wait_for_push(registry: PracticeRegistry, user: str, deadline_seconds: float = 30) -> None:
    """Wait (with a deadline, not a speed claim) until the registry's push event reached the board."""
    deadline = time.monotonic() + deadline_seconds
    while not any(row.user == user and "push" in row.done for row in registry.class_board()):
        assert time.monotonic() < deadline, "the push never reached the board"
        time.sleep(0.05)


async def test_board_shows_every_account_and_a_fresh_push(
    running: Practice, engine: docker.DockerClient, hello_image: str,
) -> None:
    """At 80x24 the board lists an idle account (on its login step) and one that pushed."""
    pusher, password = running.add_user()
    idle, _ = running.add_user()
    push_hello(engine, running.address, pusher, password)
    wait_for_push(running.registry, pusher)
    app = BoardApp(PracticeRegistry(running.data))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        rows = {row[0]: row for row in _cells(app.query_one(DataTable))}
        summary = str(app.query_one("#board-summary", Static).render())
    assert rows[pusher][1].startswith("✓") and rows[pusher][2].startswith("✓")  # logged in, pushed
    assert rows[pusher][3].startswith("…") and rows[pusher][5] == "verify"
    assert rows[idle][1].startswith("…") and rows[idle][5] == "log in"
    assert running.address in summary and "2 accounts, 1 pushed" in summary


async def test_board_says_when_the_registry_is_not_running(practice: Practice) -> None:
    """A stopped registry shows a NOT READY line with the command that starts it, no crash."""
    app = BoardApp(PracticeRegistry(practice.data))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.query_one("#board-summary", Static).render())
    assert "NOT READY" in summary and "practice start" in summary


def test_cells_and_plain_text_say_done_now_and_the_error_in_words() -> None:
    """A done step has a tick and its time, the current one '… now', an error its student words."""
    row = ClassRow("ada", {"account": "", "login": "2026-01-01T11:59:48+00:00"},
                   last_error="login_failed", error_at="2026-01-01T11:59:40+00:00")
    cells = board_cells(row)
    assert cells[0] == "ada" and cells[1].startswith("✓ ") and cells[2] == "… now" and cells[3] == "–"
    assert cells[5] == "push" and "Wrong password" in cells[-1]
    text = plain_board([row])
    assert text.splitlines()[0].startswith("Account") and "ada" in text.splitlines()[1]


def test_the_plain_board_loads_no_textual(practice: Practice) -> None:
    """`practice board --json` and the plain table are headless: Textual is never imported."""
    probe = ("import sys; from tutor.__main__ import main; "
             f"main(['practice', 'board', '--json', '--data', {str(practice.data)!r}]); "
             "print('TEXTUAL' if 'textual' in sys.modules else 'NO-TEXTUAL')")
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert ran.stdout.strip().endswith("NO-TEXTUAL"), ran.stdout + ran.stderr
