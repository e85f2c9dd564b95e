"""The output panel always shows the newest line, unless the learner scrolled up on purpose (then a
marker says new output is below): in Pilot at 100x32 and in a real terminal (tmux)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app_helpers import settle, type_command
from tests.conftest import missing
from tutor.app import TutorApp
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LabOptions
from tutor.widgets.output_log import OutputLog

pytestmark = pytest.mark.engine

# Lines the tutor refuses before running anything: shell syntax and unbalanced quotes.
MISTAKES = ['docker images | grep hello', 'docker tag "python-hello-world', "docker images > list.txt",
            "docker tag 'a b", "docker images; docker ps", "echo `date`"]
NOWHERE = "127.0.0.1:9"  # a registry nobody answers on: the steps after the image stay open


def _app(tmp_path: Path) -> TutorApp:
    options = LabOptions(registry=NOWHERE, user="alice", engine="docker", lang="en")
    return TutorApp(options, watch=False, store=ProgressStore(tmp_path / "progress.json"))


def drawn(log: OutputLog) -> list[str]:
    """The lines the panel draws now (what the learner sees), top to bottom."""
    return [log.render_line(y).text.rstrip() for y in range(log.scrollable_content_region.height)]


def newest_is_drawn(log: OutputLog) -> bool:
    """The last line is the last one drawn, and the newest command's echo (each is unique) is drawn."""
    shown = [line for line in drawn(log) if line]
    echoes = [line.rstrip() for line in log.lines if line.startswith("$ ")]
    return bool(echoes) and shown[-1:] == [log.lines[-1].rstrip()] and echoes[-1] in shown


async def _mistakes(pilot: Pilot[Any], tag: str) -> None:
    for line in MISTAKES:
        await type_command(pilot, f"{line} {tag}")
        await settle(pilot)


async def test_the_newest_line_stays_in_view_when_the_panel_shrinks(tmp_path: Path) -> None:
    """Mistakes, then a hint (the verdict grows, the panel shrinks), then more mistakes: all seen.

    Before the fix the panel kept its old scroll position when it shrank, was no longer 'at the
    end', and from then on never scrolled to a new line again."""
    async with _app(tmp_path).run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await type_command(pilot, "")  # on to a step that is not done yet
        await settle(pilot)
        log = pilot.app.screen.query_one(OutputLog)
        await _mistakes(pilot, "first")
        assert newest_is_drawn(log)
        for key in ("f3", "f3", "f4"):
            await pilot.press(key)
            await settle(pilot)
            assert newest_is_drawn(log), (key, drawn(log))
        await _mistakes(pilot, "second")
        assert newest_is_drawn(log), drawn(log)
        await pilot.resize_terminal(100, 26)
        await settle(pilot)
        await type_command(pilot, "docker tag 'after the resize")
        await settle(pilot)
        assert newest_is_drawn(log), drawn(log)
        assert not log.border_subtitle


async def test_scrolled_up_on_purpose_it_stays_put_and_says_new_output_is_below(tmp_path: Path) -> None:
    async with _app(tmp_path).run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        log = pilot.app.screen.query_one(OutputLog)
        await _mistakes(pilot, "first")
        log.focus()
        await pilot.press("home")  # the learner scrolls back to read the first lines
        await settle(pilot)
        await pilot.wait_for_scheduled_animations()
        top = drawn(log)
        await type_command(pilot, "docker tag 'while reading")
        await settle(pilot)
        assert drawn(log) == top
        assert not newest_is_drawn(log)
        assert "new output below" in str(log.border_subtitle)
        log.focus()
        await pilot.press("end")
        await settle(pilot)
        await pilot.wait_for_scheduled_animations()  # End scrolls smoothly: the marker goes at the end
        assert newest_is_drawn(log)
        assert not log.border_subtitle
        await type_command(pilot, "docker tag 'following again")
        await settle(pilot)
        assert newest_is_drawn(log)


# -- the same in a real terminal ---------------------------------------------------------------
@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The tutor running in a 100x32 tmux window of its own: (tmux socket name, session)."""
    if shutil.which("tmux") is None:
        missing("tmux is not installed (apt-get install tmux)")
    server, session = f"tutor-test-{os.getpid()}", "tutor"
    env = " ".join(f"{name}={tmp_path / name.lower()}" for name in
                   ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "DOCKER_CONFIG"))
    # COLUMNS/LINES (set by some shells and test runners) would override the window's real size.
    command = (f"env -u COLUMNS -u LINES {env} TERM=xterm-256color {sys.executable} -m tutor "
               f"--registry {NOWHERE} --user alice --engine docker --lang en")
    subprocess.run(["tmux", "-L", server, "new-session", "-d", "-s", session, "-x", "100", "-y", "32",
                    command], check=True, timeout=30)
    try:
        yield server, session
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], check=False, timeout=30)


def _screen(terminal: tuple[str, str]) -> str:
    server, session = terminal
    return subprocess.run(["tmux", "-L", server, "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=True, timeout=30).stdout


def _wait_for(terminal: tuple[str, str], text: str, seconds: float = 60, rows: int | None = None) -> str:
    """Capture the pane until TEXT shows (in the first ROWS rows, when given): a bounded wait on
    what is drawn, not a fixed sleep."""
    deadline = time.monotonic() + seconds
    while True:
        screen = _screen(terminal)
        if text in "\n".join(screen.splitlines()[:rows]):
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never showed; the screen:\n{screen}")
        time.sleep(0.2)


def _type(terminal: tuple[str, str], *keys: str, literal: bool = False) -> None:
    server, session = terminal
    subprocess.run(["tmux", "-L", server, "send-keys", "-t", session, *(["-l"] if literal else []), *keys],
                   check=True, timeout=30)


def _submit(terminal: tuple[str, str], line: str, seconds: float = 60) -> None:
    """Type LINE and press Enter until the command box takes it: while a command still runs it
    refuses, keeping the line in the box; taken, the box is empty again."""
    _type(terminal, line, literal=True)
    _wait_for(terminal, f"▊  {line}")
    deadline = time.monotonic() + seconds
    while f"▊  {line}" in _screen(terminal):
        if time.monotonic() > deadline:
            raise AssertionError(f"the command box never took {line!r}:\n{_screen(terminal)}")
        _type(terminal, "Enter")
        for _poll in range(25):  # give the app time to take it before pressing Enter again
            if f"▊  {line}" not in _screen(terminal):
                return
            time.sleep(0.2)


def test_in_a_real_terminal_the_newest_line_is_visible(terminal: tuple[str, str]) -> None:
    """Mistakes, each followed by an unbalanced quote with a number of its own whose echo and
    one-line error must show, also after hints made the panel smaller (before the fix, nothing
    new showed from then on)."""
    _wait_for(terminal, "1. Your image")
    _wait_for(terminal, "✓ Done")
    _type(terminal, "C-n")
    _wait_for(terminal, "2. An account")
    _wait_for(terminal, "Cannot tell yet")
    for number, line in enumerate(MISTAKES * 2):
        _submit(terminal, line)
        _submit(terminal, f"docker tag 'sync {number}")
        screen = _wait_for(terminal, f"$ docker tag 'sync {number}")
        rows = screen.splitlines()
        echo = next(index for index, row in enumerate(rows) if f"$ docker tag 'sync {number}" in row)
        assert "✗ No closing quotation" in rows[echo + 1], screen  # its error, right below it
        if number == 3:  # two hints make the verdict taller and so the output panel smaller
            _type(terminal, "F3")
            _wait_for(terminal, "Hint 1 of")
            _type(terminal, "F3")
            _wait_for(terminal, "Hint 2 of")
