"""What lesson.toml's reader (model.py) and the prose's (prose.py) share: the error and the engines.

Apart from both, so that reading lesson.toml alone (what `check` does) loads no prose parser.
"""

from __future__ import annotations

from pathlib import Path

ENGINES = ("docker", "podman")


class LessonError(ValueError):
    """A lesson file that cannot be read; str() is `file:line: message`."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message
