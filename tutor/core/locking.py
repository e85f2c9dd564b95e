"""A small portable file lock: fcntl.flock on POSIX, msvcrt.locking on Windows.

Each module is imported only where it exists, when a lock is taken, so importing this module
works on every system. The lock is advisory and held on a lock file of its own (never on the
data file, which is replaced atomically while the lock is held).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO


class LockHeld(OSError):
    """Someone else holds the lock (only raised when not waiting for it)."""


def _lock(handle: IO[bytes], blocking: bool) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        mode = msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK
        while True:
            try:
                msvcrt.locking(handle.fileno(), mode, 1)
                return
            except OSError as error:  # LK_LOCK gives up after ten one-second tries: keep waiting
                if not blocking:
                    raise LockHeld(str(error)) from error
    else:
        import fcntl

        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError as error:
            raise LockHeld(str(error)) from error


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    # POSIX: closing the file releases the flock


@contextlib.contextmanager
def file_lock(path: Path, blocking: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on PATH (created if missing) while the block runs.

    Raise LockHeld when blocking is False and another holder has it, OSError when PATH cannot
    be opened.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        _lock(handle, blocking)
        try:
            yield
        finally:
            _unlock(handle)
