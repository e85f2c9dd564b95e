"""Watch mode's core against the real daemon and the real docker CLI."""

from __future__ import annotations

import os
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import CompletedProcess

import docker
import pytest

from tests.conftest import RegistryUnderTest
from tests.test_reset import scratch_tags_fixture, tutor_engine_fixture  # noqa: F401 - shared fixtures
from tutor.core.engine.gateway import Engine
from tutor.core.engine.watcher import Change, file_signature, watch_changes

GUARD = 20.0  # only a guard against a hang; speed is measured by the benchmark, not here


@dataclass
class Watching:
    """watch_changes running in a thread, its Changes collected in a queue."""

    stop: threading.Event
    thread: threading.Thread
    changes: queue.Queue[Change] = field(default_factory=queue.Queue)

    def next(self, source: str, text: str) -> Change:
        """The first Change from a source with an event that mentions the text (others' are skipped)."""
        deadline = time.monotonic() + GUARD
        while (remaining := deadline - time.monotonic()) > 0:
            change = self.changes.get(timeout=remaining)
            if change.source == source and any(text in event for event in change.events):
                return change
        raise AssertionError(f"no {source} change mentioning {text!r} came")


@pytest.fixture
def start_watching() -> Iterator[Callable[[Engine | None, list[Path]], Watching]]:
    """Start watch_changes in a thread; always stopped at the end of the test."""
    started: list[Watching] = []

    def start(engine: Engine | None, paths: list[Path]) -> Watching:
        stop = threading.Event()
        watching = Watching(stop, threading.Thread(daemon=True))
        ready = threading.Event()

        def run() -> None:
            changes = watch_changes(engine, paths, stop)
            ready.set()
            for change in changes:
                watching.changes.put(change)

        watching.thread = threading.Thread(target=run, daemon=True)
        watching.thread.start()
        ready.wait(GUARD)
        started.append(watching)
        return watching

    yield start
    for watching in started:
        watching.stop.set()
        watching.thread.join(GUARD)


def _connected(watching: Watching, engine: docker.DockerClient, scratch_tags: list[str]) -> None:
    """Wait until the engine's event stream is live: a primer tag made now must come through."""
    primer = f"tutor-primer-{secrets.token_hex(4)}:latest"
    scratch_tags.append(primer)
    engine.images.get("python-hello-world").tag(primer)
    watching.next("engine", primer)


def test_cli_docker_tag_is_noticed(tutor_engine: Engine, hello_image: str, engine: docker.DockerClient,
                                   docker_cli: Callable[..., CompletedProcess[str]],
                                   start_watching: Callable[..., Watching], scratch_tags: list[str]) -> None:
    name = f"tutor-watch-{secrets.token_hex(4)}:latest"
    scratch_tags.append(name)
    watching = start_watching(tutor_engine, [])
    _connected(watching, engine, scratch_tags)
    assert docker_cli("tag", "python-hello-world", name).returncode == 0
    change = watching.next("engine", name)
    assert f"tag {name}" in change.events
    assert change.noticed_ns > 0


def test_a_tag_made_before_the_first_iteration_still_arrives(
        tutor_engine: Engine, hello_image: str, engine: docker.DockerClient, scratch_tags: list[str]) -> None:
    """The learner tags while the watcher is still connecting: the tag is reported, not lost."""
    name = f"tutor-early-{secrets.token_hex(4)}:latest"
    scratch_tags.append(name)
    stop = threading.Event()
    changes = watch_changes(tutor_engine, [], stop)
    engine.images.get("python-hello-world").tag(name)
    seen: list[str] = []
    guard = threading.Timer(GUARD, stop.set)  # the watcher ends within a poll once stopped
    guard.start()
    try:
        for change in changes:
            seen.extend(change.events)
            if any(name in event for event in change.events):
                break
    finally:
        stop.set()
        guard.cancel()
    assert f"tag {name}" in seen


def test_cli_docker_login_changes_config_json(registry: RegistryUnderTest, isolated_home: Path,
                                               docker_cli: Callable[..., CompletedProcess[str]],
                                               start_watching: Callable[..., Watching]) -> None:
    config = Path(os.environ["DOCKER_CONFIG"]) / "config.json"
    user, password = registry.new_account()
    watching = start_watching(None, [config])
    done = docker_cli("login", registry.address, "-u", user, "--password-stdin", stdin=password)
    assert done.returncode == 0, done.stderr
    change = watching.next("file", str(config))
    assert "created" in change.detail or "changed" in change.detail
    assert docker_cli("logout", registry.address).returncode == 0
    assert "changed" in watching.next("file", str(config)).detail


def test_a_burst_of_tags_is_coalesced(tutor_engine: Engine, hello_image: str, engine: docker.DockerClient,
                                      start_watching: Callable[..., Watching],
                                      scratch_tags: list[str]) -> None:
    names = [f"tutor-burst-{secrets.token_hex(3)}:v{index}" for index in range(6)]
    scratch_tags.extend(names)
    watching = start_watching(tutor_engine, [])
    _connected(watching, engine, scratch_tags)
    image = engine.images.get("python-hello-world")
    for name in names:
        repository, tag = name.split(":")
        image.tag(repository, tag)
    seen: list[Change] = []
    deadline = time.monotonic() + GUARD
    while not all(any(name in event for c in seen for event in c.events) for name in names):
        seen.append(watching.changes.get(timeout=max(0.0, deadline - time.monotonic())))
    ours = [change for change in seen if any(name in event for name in names for event in change.events)]
    assert all(change.source == "engine" for change in ours)
    assert len(ours) < len(names)


def test_file_replaced_atomically_is_noticed_and_removal_too(tmp_path: Path,
                                                            start_watching: Callable[..., Watching]) -> None:
    watched = tmp_path / "auth.json"
    watched.write_text("{}")
    watching = start_watching(None, [watched])
    replacement = tmp_path / "auth.json.tmp"
    replacement.write_text("{}")
    os.replace(replacement, watched)
    assert "changed" in watching.next("file", "auth.json").detail
    watched.unlink()
    assert "removed" in watching.next("file", "auth.json").detail


def test_stop_ends_the_watch_promptly(tutor_engine: Engine, tmp_path: Path) -> None:
    stop = threading.Event()
    finished = threading.Event()

    def run() -> None:
        for _ in watch_changes(tutor_engine, [tmp_path / "none.json"], stop):
            pass
        finished.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert not finished.wait(0.5)
    stop.set()
    assert finished.wait(GUARD)
    thread.join(GUARD)
    assert not thread.is_alive()


def test_file_signature_is_none_for_a_missing_file(tmp_path: Path) -> None:
    assert file_signature(tmp_path / "missing") is None
    (tmp_path / "here").write_text("x")
    assert file_signature(tmp_path / "here") is not None
