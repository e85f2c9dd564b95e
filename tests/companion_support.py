"""Helpers for the companion's tests: read its pages and board, wait for a change with a deadline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

DEADLINE = 30.0  # a bound for a hung test, never a speed claim


def get(url: str, lang: str | None = None) -> tuple[int, str]:
    """GET url; (status, body text)."""
    headers = {"Accept-Language": lang} if lang else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def board(web_url: str) -> dict[str, Any]:
    """The board's rows and event count as JSON."""
    data: dict[str, Any] = json.loads(get(web_url + "/board.json")[1])
    return data


def row(web_url: str, user: str) -> dict[str, Any]:
    """One account's row of the board."""
    return next(item for item in board(web_url)["rows"] if item["user"] == user)


def wait_until(what: str, condition: Callable[[], bool], deadline: float = DEADLINE) -> None:
    """Poll condition until it holds; fail naming what never happened."""
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"{what} did not happen within {deadline:.0f} s"
        time.sleep(0.05)


def checked_digest_start(user: str) -> str:
    """The manifest digest's start as `registry-tutor check --json` names it in the push step."""
    command = ["check", "--registry", "practice", "--user", user, "--engine", "docker", "--json"]
    checked = subprocess.run([sys.executable, "-m", "tutor", *command], capture_output=True, text=True,
                             timeout=120, env=dict(os.environ))
    pushed = next(step for step in json.loads(checked.stdout)["steps"] if step["id"] == "push")
    found = re.findall(r"sha256:[0-9a-f]{12}", pushed["detail"])
    assert found, pushed
    return str(found[0])
