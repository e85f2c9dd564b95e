"""The progress file: round trip, atomic writes, damaged files, unwritable folders, no going back."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.core.lab.progress import (
    SCHEMA_VERSION,
    LessonProgress,
    ProgressError,
    ProgressKey,
    ProgressStore,
    default_path,
)

KEY = ProgressKey("localhost:5000", "alice", "push-image")
STEPS = ["image", "account", "login", "tag", "push", "verify", "pull"]


def _filled() -> LessonProgress:
    progress = LessonProgress(KEY)
    progress.mark_done("image", {"local_image_id": "sha256:" + "a" * 64})
    progress.mark_skipped("account")
    progress.mark_done("push", {"pushed_digest": "sha256:" + "b" * 64, "push_time_ns": 1_700_000_000_123})
    progress.record_created("tag", "localhost:5000/alice/python-hello-world:latest")
    progress.record_created("login", "localhost:5000")
    progress.record_created("repository", "localhost:5000/alice/python-hello-world:latest")
    return progress


def test_default_path_is_in_the_isolated_data_dir(isolated_home: Path) -> None:
    assert default_path() == isolated_home / ".local/share/registry-tutor/progress.json"


def test_round_trip_keeps_states_times_facts_and_created() -> None:
    store = ProgressStore()
    saved = _filled()
    store.save(saved)
    loaded = ProgressStore().load(KEY)
    assert loaded.to_json() == saved.to_json()
    assert loaded.state("image") == "done" and loaded.state("account") == "skipped"
    assert loaded.state("login") is None
    assert loaded.first_unfinished(STEPS) == "login"
    assert loaded.facts["push_time_ns"] == 1_700_000_000_123
    assert loaded.created_of("login") == ["localhost:5000"]


def test_file_is_versioned_json_with_mode_0600() -> None:
    store = ProgressStore()
    store.save(_filled())
    data = json.loads(store.path.read_text())
    assert data["version"] == SCHEMA_VERSION
    assert data["lessons"][KEY.text]["version"] == SCHEMA_VERSION
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_entries_for_other_keys_are_kept() -> None:
    store = ProgressStore()
    other = LessonProgress(ProgressKey("docker.io", "bob", "push-image"))
    other.mark_done("image")
    store.save(other)
    store.save(_filled())
    assert {key.text for key in store.saved_keys()} == {KEY.text, other.key.text}
    assert store.load(other.key).state("image") == "done"
    store.forget(KEY)
    assert store.load(KEY).is_empty
    assert store.load(other.key).state("image") == "done"


def test_writes_leave_no_temporary_files() -> None:
    store = ProgressStore()
    for step in STEPS:
        progress = store.load(KEY)
        progress.mark_done(step)
        store.save(progress)
    assert sorted(p.name for p in store.path.parent.iterdir()) == [".progress.json.lock", "progress.json"]
    assert store.load(KEY).first_unfinished(STEPS) is None


def test_done_keeps_its_first_time_and_skip_never_undoes_done() -> None:
    progress = LessonProgress(KEY)
    progress.mark_done("tag")
    first = progress.done_at("tag")
    progress.mark_done("tag", {"extra": "yes"})
    progress.mark_skipped("tag")
    assert progress.state("tag") == "done"
    assert progress.done_at("tag") == first
    assert progress.facts["extra"] == "yes"


def test_skipped_step_can_still_become_done() -> None:
    progress = LessonProgress(KEY)
    progress.mark_skipped("account")
    progress.mark_done("account")
    assert progress.state("account") == "done"


def test_saved_progress_never_goes_back_without_forget() -> None:
    store = ProgressStore()
    store.save(_filled())
    again = store.load(KEY)
    again.mark_done("image")
    store.save(again)
    assert store.load(KEY).done_at("image") == _loaded_time(store, "image")
    assert store.load(KEY).state("push") == "done"


def _loaded_time(store: ProgressStore, step: str) -> str | None:
    return json.loads(store.path.read_text())["lessons"][KEY.text]["steps"][step]["at"]


def test_record_created_is_unique_and_refuses_unknown_kinds() -> None:
    progress = LessonProgress(KEY)
    progress.record_created("tag", "x/y:latest")
    progress.record_created("tag", "x/y:latest")
    assert progress.created_of("tag") == ["x/y:latest"]
    with pytest.raises(ValueError, match="unknown kind"):
        progress.record_created("image", "python-hello-world")  # type: ignore[arg-type]


@pytest.mark.parametrize("damage", [
    b"{not json",
    b"\xff\xfe\x00garbage",
    json.dumps({"version": 99, "lessons": {}}).encode(),
    json.dumps(["a", "list"]).encode(),
    b"",
])
def test_damaged_file_is_kept_as_backup_and_lab_starts_fresh(damage: bytes) -> None:
    store = ProgressStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(damage)
    loaded = store.load(KEY)
    assert loaded.is_empty
    backups = list(store.path.parent.glob("progress.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == damage
    assert "kept as" in store.notices[0]
    store.save(_filled())
    assert ProgressStore().load(KEY).state("image") == "done"


def test_unknown_entry_version_starts_that_entry_fresh_and_keeps_a_copy() -> None:
    store = ProgressStore()
    store.save(_filled())
    data = json.loads(store.path.read_text())
    data["lessons"][KEY.text]["version"] = 7
    store.path.write_text(json.dumps(data))
    assert store.load(KEY).is_empty
    backup = next(store.path.parent.glob("progress.json.corrupt-*"))
    assert json.loads(backup.read_text())["lessons"][KEY.text]["version"] == 7


def test_unwritable_folder_raises_a_clear_error_and_keeps_progress_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    store = ProgressStore(blocker / "registry-tutor" / "progress.json")
    progress = _filled()
    with pytest.raises(ProgressError, match="cannot be saved") as caught:
        store.save(progress)
    assert "XDG_DATA_HOME" in str(caught.value)
    assert store.load(KEY).state("push") == "done"


@pytest.fixture
def immutable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder even root cannot write into (chattr +i), made writable again afterwards."""
    folder = tmp_path / "frozen"
    folder.mkdir()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_immutable_folder_raises_progress_error_and_leaves_file_alone(immutable_folder: Path) -> None:
    path = immutable_folder / "progress.json"
    subprocess.run(["chattr", "-i", str(immutable_folder)], check=True)
    ProgressStore(path).save(_filled())
    before = path.read_bytes()
    subprocess.run(["chattr", "+i", str(immutable_folder)], check=True)
    store = ProgressStore(path)
    progress = store.load(KEY)
    progress.mark_done("verify")
    with pytest.raises(ProgressError, match="cannot be saved"):
        store.save(progress)
    assert path.read_bytes() == before
    assert store.load(KEY).state("verify") == "done"
    assert sorted(os.listdir(immutable_folder)) == [".progress.json.lock", "progress.json"]


def _version_1_file(store: ProgressStore) -> dict[str, object]:
    """A progress file as registry-tutor wrote it before version 2 (no start, no proofs, no choice)."""
    entry = {"version": 1, "registry": KEY.registry, "user": KEY.user, "lesson": KEY.lesson,
             "steps": {"image": {"state": "done", "at": "2026-11-30T09:00:00.000+00:00"},
                       "pull": {"state": "done", "at": "2026-11-30T09:20:00.000+00:00"}},
             "facts": {"pushed_digest": "sha256:" + "c" * 64}, "created": {"tag": ["x/y:latest"]}}
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps({"version": 1, "lessons": {KEY.text: entry}}))
    return entry


def test_a_version_1_file_is_read_and_rewritten_as_version_2() -> None:
    """Nothing is lost; the lab began no later than its first finished step; no backup is made."""
    store = ProgressStore()
    _version_1_file(store)
    other = LessonProgress(ProgressKey("docker.io", "bob", KEY.lesson))
    progress = store.load(KEY)
    assert progress.state("pull") == "done" and progress.created_of("tag") == ["x/y:latest"]
    assert progress.started == "2026-11-30T09:00:00.000+00:00"
    assert progress.proof("pull") == {}  # a version 1 pull has no evidence: its check decides again
    store.save(other)
    data = json.loads(store.path.read_text())
    assert data["version"] == 2 and {entry["version"] for entry in data["lessons"].values()} == {2}
    assert data["lessons"][KEY.text]["started"] == "2026-11-30T09:00:00.000+00:00"
    assert not list(store.path.parent.glob("progress.json.corrupt-*")) and store.notices == []


def test_a_proof_is_kept_with_its_step_and_goes_with_a_revocation() -> None:
    store = ProgressStore()
    progress = store.load(KEY)
    proof = {"reference": "localhost:5000/alice/app:latest", "image_id": "sha256:" + "d" * 64,
             "digest": "sha256:" + "e" * 64, "at": "2026-12-01T10:00:00+00:00", "registry": "localhost:5000"}
    progress.mark_done("pull", proof=proof)
    first = progress.done_at("pull")
    progress.mark_done("pull")  # seen done again without new evidence: the proof stays
    store.save(progress)
    loaded = store.load(KEY)
    assert loaded.proof("pull") == proof and loaded.done_at("pull") == first
    loaded.revoke("pull")
    assert loaded.state("pull") is None and loaded.proof("pull") == {}
    loaded.mark_skipped("login")
    loaded.revoke("login")  # only a done step is taken back
    assert loaded.state("login") == "skipped"


def test_the_lab_start_is_stored_and_only_moves_back() -> None:
    progress = LessonProgress(KEY)
    begun = progress.started_nano
    progress.begin_at(begun - 3_600_000_000_000)
    assert progress.started_nano == begun - 3_600_000_000_000
    progress.begin_at(begun)
    assert progress.started_nano == begun - 3_600_000_000_000
    store = ProgressStore()
    store.save(progress)
    assert store.load(KEY).started_nano == progress.started_nano


def test_recent_labs_come_most_recent_first_with_how_they_were_chosen() -> None:
    store = ProgressStore()
    older = LessonProgress(ProgressKey("docker.io", "bob", KEY.lesson))
    older.remember_choice({"registry": "docker.io", "user": "bob", "engine": "podman"})
    older.used = "2026-11-01T10:00:00.000+00:00"
    store.save(older)
    newer = _filled()
    newer.remember_choice({"registry": "practice", "user": "alice", "lang": "de", "image": ""})
    store.save(newer)
    newer.remember_choice({"engine": "docker"})  # a later run that named only the engine keeps the rest
    assert newer.choice == {"registry": "practice", "user": "alice", "lang": "de", "engine": "docker"}
    assert [entry.key for entry in store.recent()] == [KEY, older.key]
    assert store.recent()[1].choice["engine"] == "podman"
