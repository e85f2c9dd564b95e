"""Code that runs in a child process of the bench: `python -m tests.bench.child MODE [ARGS...]`.

Modes print one line `READY CPU_MS` (start-up; the process's CPU time so far) or one JSON line
(measurements) on stdout.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Markdown

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


async def startup_baseline() -> None:
    """Start the minimal app headless, say READY once its Markdown is drawn, and exit."""
    app = MinimalMarkdownApp()
    async with app.run_test(size=(100, 32)) as pilot:
        while not app.query(Markdown) or not app.query_one(Markdown).children:
            await pilot.pause()
        await pilot.pause()
        ready()


def ready() -> None:
    """Tell the parent the screen is drawn, and how much CPU (all threads) it took to get there."""
    sys.stdout.write(f"READY {time.process_time() * 1000:.1f}\n")
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
