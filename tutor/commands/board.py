"""`registry-tutor practice board`: a live class board an instructor can project."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from tutor.core.registry.api import RegistryError
from tutor.core.registry.practice import BoardRow, PracticeError, PracticeRegistry

REFRESH_SECONDS = 1.5
COLUMNS = ("Account", "Image", "Tags", "Digest", "Pushed")


def pushed_ago(pushed_at: str | None, now: datetime.datetime | None = None) -> str:
    """A short 'how long ago' for the board ('12s ago', '3m ago', '14:02'), '-' when never."""
    if not pushed_at:
        return "-"
    moment = datetime.datetime.fromisoformat(pushed_at)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    return moment.astimezone().strftime("%H:%M")


def board_cells(row: BoardRow) -> tuple[str, str, str, str, str]:
    """The cells of one board line: the image without the account prefix, a short digest."""
    image = row.repository or "(nothing pushed yet)"
    if row.repository and row.repository.startswith(row.user + "/"):
        image = row.repository[len(row.user) + 1:]
    digest = row.digest.removeprefix("sha256:")[:12] if row.digest else "-"
    return row.user or "?", image, ",".join(row.tags) or "-", digest, pushed_ago(row.pushed_at)


class BoardApp(App[int]):
    """A table of every account and what it pushed, refreshed every second and a half."""

    TITLE = "registry-tutor: class board"
    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit"), ("r", "reload", "Refresh now")]
    DEFAULT_CSS = """
    #board-summary { height: auto; padding: 0 1; background: $panel; }
    #board-table { height: 1fr; }
    """

    @dataclass
    class BoardLoaded(Message):
        """The registry answered with the board's rows."""

        rows: list[BoardRow]
        address: str | None

    @dataclass
    class BoardFailed(Message):
        """The registry could not be read; the text says why."""

        text: str

    def __init__(self, registry: PracticeRegistry) -> None:
        super().__init__()
        self.registry = registry

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static("Reading the practice registry...", id="board-summary")
        yield DataTable(id="board-table", zebra_stripes=True, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.action_reload()
        self.set_interval(REFRESH_SECONDS, self.action_reload)

    def action_reload(self) -> None:
        """Read the board again in a thread."""
        self.load_board()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_board(self) -> None:
        try:
            status = self.registry.status()
            rows = self.registry.board()
        except (PracticeError, RegistryError) as error:
            self.post_message(self.BoardFailed(str(error)))
            return
        self.post_message(self.BoardLoaded(rows, status.address))

    @on(BoardLoaded)
    def show_rows(self, message: BoardLoaded) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in message.rows:
            table.add_row(*board_cells(row))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        accounts = len({row.user for row in message.rows})
        pushed = sum(1 for row in message.rows if row.repository)
        self.query_one("#board-summary", Static).update(
            f"{message.address}: {accounts} accounts, {pushed} pushed. "
            f"Log in: docker login {message.address} -u NAME")

    @on(BoardFailed)
    def show_failure(self, message: BoardFailed) -> None:
        self.query_one("#board-summary", Static).update(f"NOT READY: {message.text}")


def run_board(registry: PracticeRegistry) -> int:
    """Show the live board until the instructor quits; returns the exit code."""
    BoardApp(registry).run()
    return 0
