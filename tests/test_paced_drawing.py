"""What a push costs the screen: the widgets with news draw together on one beat (widgets/pacing.py),
the transfer's news never lays the screen out, and a command that leaves the verdict as it was lays
nothing out either. Counted in layouts and draws (never in milliseconds: speed is the benchmark's)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from tests.app_helpers import done_in_terminal, make_app, settle, text_of, type_command, wait_until
from tests.conftest import RegistryUnderTest
from tutor.widgets.output_log import OutputLog
from tutor.widgets.pacing import draw_paced, drawing
from tutor.widgets.push_progress import PushProgress


class TwoWidgets(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("a", id="a")
        yield Static("b", id="b")


async def test_news_of_two_widgets_draws_once_each_on_the_same_beat_even_when_one_is_gone() -> None:
    """News right after a draw waits for the beat; every widget with news then draws once, in the
    order the news came; a widget removed meanwhile is skipped and the others still draw."""
    app = TwoWidgets()
    async with app.run_test() as pilot:
        first, second = app.query_one("#a", Static), app.query_one("#b", Static)
        drawn: list[str] = []
        drawing()  # a paced widget just drew: what comes now waits for the next beat
        draw_paced(second, lambda: drawn.append("b"))
        draw_paced(first, lambda: drawn.append("a"))
        draw_paced(second, lambda: drawn.append("b again"))  # already due: drawn once
        assert drawn == []
        await wait_until(pilot, lambda: bool(drawn))
        assert drawn == ["b", "a"]

        drawing()
        draw_paced(first, lambda: drawn.append("a, gone by the beat"))
        draw_paced(second, lambda: drawn.append("b after a left"))
        await first.remove()
        await wait_until(pilot, lambda: len(drawn) > 2)
        assert drawn == ["b", "a", "b after a left"]


def count_layouts(screen: Screen[Any], when: Callable[[], bool] = lambda: True) -> list[int]:
    """A list that grows by one per layout of SCREEN while WHEN holds."""
    layouts: list[int] = []
    screen.screen_layout_refresh_signal.subscribe(screen, lambda _screen: when() and layouts.append(1))
    return layouts


@pytest.mark.engine
@pytest.mark.registry
async def test_the_news_of_a_push_never_lays_the_screen_out(
        registry: RegistryUnderTest, account: tuple[str, str], layered_image: str, tmp_path: Path,
        docker_cli, engine) -> None:  # type: ignore[no-untyped-def]
    """Seven layers pushed: the panel's lines and the output change in place, however much news comes;
    only showing the panel at Enter lays the screen out, once (the lesson's scrollbar, resized by
    it, asks for no second layout: widgets/scrollbars.py)."""
    remote, app = done_in_terminal(docker_cli, registry, account, layered_image, tmp_path, "push")
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            screen = app.screen
            panel = screen.query_one(PushProgress)
            draws: list[int] = []
            flush = panel.flush
            panel.flush = lambda: (draws.append(panel.layer_count), flush())[1]  # type: ignore[method-assign]
            while_running = count_layouts(screen, lambda: screen.running)  # type: ignore[attr-defined]
            await type_command(pilot, f"docker push {remote}")
            await settle(pilot)
            assert panel.layer_count == 7 and panel.total_fraction == 1.0
            assert "Pushed" in panel.layer_text() and "digest:" in screen.query_one(OutputLog).text
            assert len(draws) >= 2, draws  # the news was drawn more than once
            assert len(while_running) == 1, (while_running, draws)
    finally:
        engine.images.remove(f"{remote}:latest", noprune=True)


@pytest.mark.engine
@pytest.mark.registry
async def test_a_command_that_leaves_the_verdict_as_it_was_lays_nothing_out(
        registry: RegistryUnderTest, account: tuple[str, str], hello_image: str, tmp_path: Path) -> None:
    """Step 1 is done; `docker images` after it: the check says the same, the screen keeps its layout."""
    user, _password = account
    app = make_app(registry, user, tmp_path, image="python-hello-world")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        verdict = text_of(pilot, "#verdict")
        assert "✓ Done" in verdict
        layouts = count_layouts(app.screen)
        await type_command(pilot, "docker images python-hello-world")
        await settle(pilot)
        assert "python-hello-world" in app.screen.query_one(OutputLog).text
        assert text_of(pilot, "#verdict") == verdict
        assert layouts == []


class NarrowPanel(App[None]):
    def compose(self) -> ComposeResult:
        yield PushProgress()


async def test_a_narrow_panel_cuts_its_lines_with_an_ellipsis_and_redraws_them_when_wider() -> None:
    """At 40 columns a layer's line does not fit: it ends in "…" at the panel's edge; wider again,
    the whole line shows (the rows the panel drew for the old width are not reused)."""
    from tutor.core.events import LayerProgressed

    app = NarrowPanel()
    async with app.run_test(size=(40, 12)) as pilot:
        panel = app.query_one(PushProgress)
        panel.start()
        panel.update_layer(LayerProgressed("a1b2c3d4e5f6a7b8", "Pushing", 5, 10))
        panel.flush()
        await pilot.pause()
        rows = [panel.render_line(y).text for y in range(panel.size.height)]
        assert rows[0].startswith("Total") and rows[1].startswith("a1b2c3d4e5f6  Pushing")
        assert all(len(row) == panel.size.width for row in rows)
        assert rows[1].endswith("…") and "50%" not in rows[1]
        await pilot.resize_terminal(100, 12)
        await pilot.pause()
        wide = panel.render_line(1).text.rstrip()
        assert wide.endswith("50%") and "…" not in wide
