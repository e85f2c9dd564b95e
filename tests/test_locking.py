"""The portable file lock: one holder at a time, across processes, released when the block ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.core.locking import LockHeld, file_lock


def test_a_second_holder_is_refused_until_the_first_lets_go(tmp_path: Path) -> None:
    lock = tmp_path / "progress.lock"
    with file_lock(lock), pytest.raises(LockHeld), file_lock(lock, blocking=False):
        pass
    with file_lock(lock, blocking=False):
        pass


def test_the_lock_holds_against_another_process(tmp_path: Path) -> None:
    lock = tmp_path / "progress.lock"
    code = ("import sys; from pathlib import Path; from tutor.core.locking import LockHeld, file_lock\n"
            "try:\n    with file_lock(Path(sys.argv[1]), blocking=False): print('got it')\n"
            "except LockHeld: print('held')\n")
    with file_lock(lock):
        other = subprocess.run([sys.executable, "-c", code, str(lock)], capture_output=True, text=True,
                               check=True, timeout=60)
    assert other.stdout.strip() == "held"
    again = subprocess.run([sys.executable, "-c", code, str(lock)], capture_output=True, text=True,
                           check=True, timeout=60)
    assert again.stdout.strip() == "got it"


def test_the_practice_registry_takes_the_same_portable_lock(tmp_path: Path) -> None:
    """Starting or stopping the practice registry holds data_dir/.lock through file_lock (Windows too)."""
    from tutor.core.registry.practice import PracticeRegistry

    practice = PracticeRegistry(tmp_path / "practice")
    with practice._locked(), pytest.raises(LockHeld), file_lock(tmp_path / "practice" / ".lock",
                                                                  blocking=False):
        pass
    with file_lock(tmp_path / "practice" / ".lock", blocking=False):
        pass
