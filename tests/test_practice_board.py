"""The live class board: a real push shows up on the Textual board at 80x24."""

from __future__ import annotations

import datetime

import docker
from textual.widgets import DataTable, Static

from tests import test_practice
from tests.conftest import HELLO_IMAGE
from tests.test_practice import Practice, push_hello
from tutor.commands.board import BoardApp, pushed_ago
from tutor.core.registry.practice import PracticeRegistry

practice = test_practice.practice  # the same fixtures: the CLI on the test's own data dir
running = test_practice.running


def _cells(table: DataTable[str]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def test_board_shows_every_account_and_a_fresh_push(
    running: Practice, engine: docker.DockerClient, hello_image: str,
) -> None:
    """At 80x24 the board lists an idle account and a pushed image with its short digest and age."""
    pusher, password = running.add_user()
    idle, _ = running.add_user()
    digest = push_hello(engine, running.address, pusher, password)
    app = BoardApp(PracticeRegistry(running.data))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        rows = _cells(app.query_one(DataTable))
        summary = str(app.query_one("#board-summary", Static).render())
    assert [pusher, HELLO_IMAGE, "latest", digest[7:19]] == rows[[r[0] for r in rows].index(pusher)][:4]
    assert rows[[r[0] for r in rows].index(pusher)][4].endswith("s ago")
    assert [idle, "(nothing pushed yet)", "-", "-", "-"] in rows
    assert running.address in summary and "2 accounts, 1 pushed" in summary


async def test_board_says_when_the_registry_is_not_running(practice: Practice) -> None:
    """A stopped registry shows a NOT READY line with the command that starts it, no crash."""
    app = BoardApp(PracticeRegistry(practice.data))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.query_one("#board-summary", Static).render())
    assert "NOT READY" in summary and "practice start" in summary


def test_pushed_ago_reads_short() -> None:
    """Ages read as seconds, minutes, then a clock time; never pushed is a dash."""
    now = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    assert pushed_ago(None, now) == "-"
    assert pushed_ago("2026-01-01T11:59:48+00:00", now) == "12s ago"
    assert pushed_ago("2026-01-01T11:57:00+00:00", now) == "3m ago"
    assert ":" in pushed_ago("2026-01-01T09:00:00+00:00", now)
