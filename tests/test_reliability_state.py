"""The tutor's own state under faults: a damaged progress file, an unwritable state folder.

The learner's progress is never lost silently: a damaged file is kept beside a fresh one and
said so; a folder that cannot be written gives a message saying where and what to do, and
`registry-tutor reset` reports what it could not do instead of pretending.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_reset import LabState, lab_fixture, scratch_tags_fixture, tutor_engine_fixture  # noqa: F401
from tutor.__main__ import main
from tutor.core.lab.progress import LessonProgress, ProgressKey, ProgressStore, default_path

STEPS = ["image", "account", "login", "tag", "push", "verify", "pull"]


def test_reset_with_a_damaged_progress_file_keeps_it_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 1, "lessons": {"half')
    assert main(["reset", "--registry", "localhost:5000", "--user", "alice", "--yes"]) == 0
    captured = capsys.readouterr()
    assert "could not be used" in captured.err and "kept as" in captured.err
    backups = list(path.parent.glob("progress.json.corrupt-*"))
    assert [backup.read_text() for backup in backups] == ['{"version": 1, "lessons": {"half']
    assert "Nothing to reset" in captured.out


def test_a_progress_file_from_a_newer_tutor_is_kept_not_overwritten() -> None:
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    newer = {"version": 3, "lessons": {"x": {"anything": True}}}
    path.write_text(json.dumps(newer))
    store = ProgressStore()
    progress = store.load(ProgressKey("docker.io", "alice", "push-to-registry"))
    progress.mark_done("image")
    store.save(progress)
    backup = next(path.parent.glob("progress.json.corrupt-*"))
    assert json.loads(backup.read_text()) == newer
    assert ProgressStore().load(progress.key).state("image") == "done"


def test_progress_survives_a_crash_between_write_and_rename(tmp_path: Path) -> None:
    """A temp file left by a crash is ignored; the last complete file is what loads."""
    store = ProgressStore(tmp_path / "progress.json")
    progress = LessonProgress(ProgressKey("docker.io", "alice", "push-to-registry"))
    progress.mark_done("image")
    store.save(progress)
    (tmp_path / ".progress.json.abc123.tmp").write_text('{"version": 1, "lessons": {"half')
    assert ProgressStore(tmp_path / "progress.json").load(progress.key).first_unfinished(STEPS) == "account"


@pytest.fixture
def frozen_state_dir(lab: LabState) -> Iterator[Path]:
    """The progress folder made immutable (chattr +i) after the lab saved its progress."""
    folder = lab.store.path.parent
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_reset_with_an_unwritable_state_folder_reports_it_and_keeps_the_record(
        lab: LabState, frozen_state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = lab.store.path.read_bytes()
    code = main(["reset", "--registry", lab.target.registry, "--user", lab.target.user, "--yes"])
    out = capsys.readouterr().out
    assert code == 1
    assert "✗ not done: Your progress cannot be saved" in out
    assert out.count("✓ done") == 3
    assert lab.store.path.read_bytes() == before
    assert lab.engine.image(lab.target.remote_ref) is None
