"""`registry-tutor practice board`: the live class board in the terminal (the same rows as /board)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from tutor.commands.board_text import board_cells, board_header
from tutor.core.registry.api import RegistryError
from tutor.core.registry.companion.progress import ClassRow
from tutor.core.registry.practice import PracticeError, PracticeRegistry

REFRESH_SECONDS = 0.5  # reads the events file, which the registry's companion keeps current


class BoardApp(App[int]):
    """Every account's progress through the lab, as the registry reported it."""

    TITLE = "registry-tutor: class board"
    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit"), ("r", "reload", "Refresh now")]
    DEFAULT_CSS = """
    #board-summary { height: auto; padding: 0 1; background: $panel; }
    #board-table { height: 1fr; }
    """

    @dataclass
    class BoardLoaded(Message):
        """The events were read into the board's rows."""

        rows: list[ClassRow]
        address: str | None
        web_url: str | None
        running: bool = True

    @dataclass
    class BoardFailed(Message):
        """The board could not be read; the text says why."""

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
        self.query_one(DataTable).add_columns(*board_header())
        self.action_reload()
        self.set_interval(REFRESH_SECONDS, self.action_reload)

    def action_reload(self) -> None:
        """Read the board again in a thread."""
        self.load_board()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_board(self) -> None:
        try:
            status = self.registry.status()
            rows = self.registry.class_board()
        except (PracticeError, RegistryError, OSError) as error:
            self.post_message(self.BoardFailed(str(error)))
            return
        self.post_message(self.BoardLoaded(rows, status.address, status.web_url, status.running))

    @on(BoardLoaded)
    def show_rows(self, message: BoardLoaded) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in message.rows:
            table.add_row(*board_cells(row))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        pushed = sum(1 for row in message.rows if "push" in row.done)
        summary = self.query_one("#board-summary", Static)
        if not message.running:
            summary.update("NOT READY: the practice registry is not running; start it with: "
                           "registry-tutor practice start")
            return
        web = f" Board in the browser: {message.web_url}/board" if message.web_url else ""
        summary.update(f"{message.address}: {len(message.rows)} accounts, {pushed} pushed.{web}")

    @on(BoardFailed)
    def show_failure(self, message: BoardFailed) -> None:
        self.query_one("#board-summary", Static).update(f"NOT READY: {message.text}")


def run_board(registry: PracticeRegistry) -> int:
    """Show the live board until the instructor quits; returns the exit code."""
    BoardApp(registry).run()
    return 0
