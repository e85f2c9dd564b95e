"""A lesson's files (assets/NAME/), copied where the learner can edit them, placeholders filled in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tutor.core.lessons.model import Lesson, fill
from tutor.core.resources import data_dir

WORK_DIR_VARIABLE = "REGISTRY_TUTOR_WORKDIR"


def work_root() -> Path:
    """Where lessons put the folders a learner edits: ~/registry-tutor (or $REGISTRY_TUTOR_WORKDIR)."""
    return Path(os.environ.get(WORK_DIR_VARIABLE) or Path.home() / "registry-tutor")


def files_folder(lesson: Lesson, root: Path | None = None) -> Path | None:
    """Where LESSON's files are for the learner, or None when it has none."""
    return (root or work_root()) / lesson.id if lesson.files else None


def copy_files(lesson: Lesson, values: Mapping[str, str], destination: Path) -> bool:
    """Copy the lesson's asset folder to DESTINATION unless it is there (the learner's edits stay).

    Text files get their {placeholders} filled (a Dockerfile's FROM {image}). True when copied;
    OSError when the folder cannot be written.
    """
    if not lesson.files or destination.exists():
        return False
    source = data_dir("assets") / lesson.files
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        for path in sorted(source.rglob("*")):
            target = staging / path.relative_to(source)
            if path.is_dir():
                target.mkdir(exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_text(fill(path.read_text(encoding="utf-8"), values), encoding="utf-8")
            except UnicodeDecodeError:
                shutil.copyfile(path, target)
        staging.rename(destination)  # the folder appears whole or not at all
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return True
