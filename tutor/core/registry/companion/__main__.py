"""`python -m tutor.core.registry.companion DATA_DIR`: the companion process `practice start` runs."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from tutor.core.registry.companion import settings as companion_settings


def main(argv: list[str] | None = None) -> int:
    """Serve the pages of the practice registry whose data dir is given, until SIGTERM."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tutor.core.registry.companion DATA_DIR", file=sys.stderr)
        return 2
    data_dir = Path(args[0])
    settings = companion_settings.load(data_dir)
    if settings is None:
        print(f"companion: no readable {companion_settings.SETTINGS_FILE} in {data_dir}", file=sys.stderr)
        return 2
    from tutor.core.registry.companion.app import Companion, serve

    async def run() -> None:
        task = asyncio.ensure_future(serve(Companion(data_dir, settings)))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    try:
        asyncio.run(run())
    except OSError as error:
        print(f"companion: cannot listen: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
