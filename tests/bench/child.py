"""Code that runs in a child process of the bench: `python -m tests.bench.child MODE [ARGS...]`.

Modes print `READY CPU_MS` once the first screen is on screen and `IDLE CPU_MS` once the process
has gone quiet (start-up; the process's CPU time so far), or one JSON line (measurements) on stdout.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import TYPE_CHECKING, Any

from textual.app import App, ComposeResult
from textual.widgets import Markdown

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.pilot import Pilot

FRAME_POLL_SECONDS = 0.001

LESSON_LIKE = """\
# Step 1: the image

Before you can push an image, it has to exist on your machine. Docker keeps images in its
local store; `docker images` lists them.

```
docker images python-hello-world
```

- **Repository**: the image's name
- **Tag**: a version label, `latest` unless you say otherwise
- **Image ID**: the digest of the image's configuration

When the list shows `python-hello-world`, this step is done.
"""


class MinimalMarkdownApp(App[None]):
    """The start-up baseline: one Markdown widget and nothing else."""

    def compose(self) -> ComposeResult:
        yield Markdown(LESSON_LIKE)


async def first_frame(app: App[Any], drawn: Callable[[], bool]) -> None:
    """Wait until DRAWN holds, then for the frame that shows it (the screen's next refresh).

    Polled with plain sleeps: a Pilot pause waits for the whole process to go quiet, which counts
    whatever the app does behind its first screen (the tutor connecting) as part of drawing it.
    """
    while not drawn():
        await asyncio.sleep(FRAME_POLL_SECONDS)
    shown = asyncio.Event()
    app.screen.call_after_refresh(shown.set)
    await shown.wait()


async def report_start(app: App[Any], pilot: Pilot[Any], drawn: Callable[[], bool]) -> None:
    """READY at the first frame that shows the screen, IDLE once the process has gone quiet."""
    await first_frame(app, drawn)
    ready()
    await pilot.pause()  # Textual's own "idle": process CPU time no longer advancing
    ready("IDLE")


def markdown_drawn(app: App[Any]) -> bool:
    """True once the app's Markdown widget has its rendered blocks."""
    found = app.query(Markdown)
    return bool(found) and bool(found.first().children)


async def startup_baseline() -> None:
    """Start the minimal app headless, say READY once its Markdown is on screen (IDLE after), exit."""
    app = MinimalMarkdownApp()
    async with app.run_test(size=(100, 32)) as pilot:
        await report_start(app, pilot, lambda: markdown_drawn(app))


def ready(word: str = "READY") -> None:
    """Tell the parent the screen is drawn (or the process idle), and the CPU (all threads) so far."""
    sys.stdout.write(f"{word} {time.process_time() * 1000:.1f}\n")
    sys.stdout.flush()


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(values: dict[str, Any]) -> None:
    """Send one JSON line of results to the parent."""
    sys.stdout.write(json.dumps(values) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    """Dispatch on the mode."""
    import asyncio

    mode, args = argv[0], argv[1:]
    if mode == "startup-baseline":
        asyncio.run(startup_baseline())
    elif mode == "startup-tutor":
        from tests.bench import tutor_child

        asyncio.run(tutor_child.startup(args))
    elif mode == "idle-baseline":
        asyncio.run(startup_baseline())
        emit({"peak_rss_mb": peak_rss_mb()})
    else:
        from tests.bench import tutor_child

        return tutor_child.run_mode(mode, args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
