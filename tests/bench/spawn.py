"""Run the bench's child processes (`python -m tests.bench.child MODE ARG`) and read their answer."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def _command(mode: str, args: list[str]) -> list[str]:
    return [sys.executable, "-m", "tests.bench.child", mode, *args]


@dataclass(frozen=True)
class StartTimes:
    """One start-up child: wall and CPU ms to its first screen (READY) and to going quiet (IDLE)."""

    ready: float
    ready_cpu: float
    idle: float
    idle_cpu: float


def time_to_ready(mode: str, args: list[str]) -> StartTimes:
    """Milliseconds from spawning a child to its READY line and to its IDLE line, with their CPU ms."""
    started = time.perf_counter()
    child = subprocess.Popen(_command(mode, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=REPO_ROOT)
    assert child.stdout is not None
    seen: dict[str, tuple[float, float]] = {}
    for word in ("READY", "IDLE"):
        line = child.stdout.readline()
        said, _, cpu = line.strip().partition(" ")
        if said != word:
            break
        seen[word] = ((time.perf_counter() - started) * 1000, float(cpu))
    _, errors = child.communicate(timeout=60)
    if len(seen) < 2:
        raise RuntimeError(f"{mode} never drew its screen: {errors.strip()[-600:]}")
    return StartTimes(*seen["READY"], *seen["IDLE"])


def run_json(mode: str, spec: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
    """Run a child with a JSON spec and return the JSON line it printed last."""
    result = subprocess.run(_command(mode, [json.dumps(spec)]), capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=timeout)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"bench child {mode} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer
