"""In Podman mode every command the tutor shows says `podman`: the command box's placeholder, the
lesson's examples, the hints and the solution of every step (a real Podman service)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static

from tests.app_helpers import FixturePractice, settle
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core import i18n
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LabOptions

pytestmark = [pytest.mark.podman, pytest.mark.registry]


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """The app switches the process's language; later tests expect English again."""
    yield
    i18n.set_language("en")

DOCKER_COMMAND = re.compile(r"\bdocker\s+(?:login|logout|tag|push|pull|images?|rmi|build|run|ps|info)\b")


def shown_text(pilot: Pilot[Any]) -> str:
    """Every text on the screen: Static widgets, Markdown sources and input placeholders."""
    parts: list[str] = []
    for widget in pilot.app.screen.query("*"):
        if isinstance(widget, Markdown):
            parts.append(widget.source)
        elif isinstance(widget, Static):
            parts.append(str(widget.render()))
        elif isinstance(widget, Input):
            parts.append(widget.placeholder)
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_every_step_says_podman_in_podman_mode(registry: RegistryUnderTest, podman_socket: str,
                                                     podman_hello_image: str, tmp_path: Path,
                                                     lang: str) -> None:
    options = LabOptions(registry=registry.address, user="alice", engine="podman",
                         engine_url=podman_socket, lang=lang)
    app = TutorApp(options, watch=False, practice=FixturePractice(registry),
                   store=ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert app.lab is not None and app.lab.engine.kind == "podman"
        placeholder = app.screen.query_one(Input).placeholder
        assert "podman" in placeholder and "docker" not in placeholder
        for index, step in enumerate(app.lab.steps):
            app.show_step(index)
            await settle(pilot)
            texts = [shown_text(pilot)]
            for _hint in step.hints:
                await pilot.press("f3")
                await settle(pilot)
            texts.append(shown_text(pilot))
            await pilot.press("f4")
            await settle(pilot)
            texts.append(shown_text(pilot))
            texts.append(app.screen.query_one(Input).value)
            found = [match.group(0) for text in texts for match in DOCKER_COMMAND.finditer(text)]
            assert not found, (step.id, found)
