"""Reset undoes exactly what the lab recorded, against the real daemon and the fixture registry."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import docker
import pytest

from tests.conftest import RegistryUnderTest
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine
from tutor.core.events import CommandFailed, PushFinished
from tutor.core.lab.progress import LessonProgress, ProgressKey, ProgressStore
from tutor.core.lab.reset import apply_reset, plan_reset
from tutor.core.registry.api import NotFound, RegistryClient
from tutor.core.target import Target

OTHER_ENTRIES = {
    "auths": {"elsewhere.example:5000": {"auth": base64.b64encode(b"me:their-secret").decode()}},
    "HttpHeaders": {"X-Keep-Me": "1"},
    "psFormat": "table {{.ID}}",
}


@dataclass
class LabState:
    """A lab run for real: login stored, tag made, image pushed, all recorded in progress."""

    engine: Engine
    target: Target
    credentials: CredentialStore
    store: ProgressStore
    progress: LessonProgress
    password: str
    digest: str


@pytest.fixture(name="tutor_engine")
def tutor_engine_fixture(engine: docker.DockerClient) -> Iterator[Engine]:
    """The tutor's engine gateway on the real daemon."""
    gateway = Engine.connect("docker")
    yield gateway
    gateway.close()


@pytest.fixture(name="scratch_tags")
def scratch_tags_fixture(engine: docker.DockerClient) -> Iterator[list[str]]:
    """Tags a test makes; whichever still exist at the end are removed (never python-hello-world)."""
    names: list[str] = []
    yield names
    for name in names:
        with contextlib.suppress(docker.errors.ImageNotFound):
            engine.images.remove(name)


def push(engine: Engine, reference: str, user: str, password: str) -> str:
    """Push through the tutor's engine and return the manifest digest."""
    events = list(engine.push(reference, user, password))
    failures = [event.message for event in events if isinstance(event, CommandFailed)]
    assert not failures, failures
    finished = [event for event in events if isinstance(event, PushFinished)]
    assert finished and finished[-1].digest
    return finished[-1].digest


def run_lab(engine: Engine, registry_address: str, user: str, password: str,
            scratch_tags: list[str]) -> LabState:
    """Do what the lab does, recording it the way the TUI does."""
    config = Path(os.environ["DOCKER_CONFIG"]) / "config.json"
    config.write_text(json.dumps(OTHER_ENTRIES))
    target = Target.create(registry_address, user)
    credentials = CredentialStore("docker")
    store = ProgressStore()
    progress = store.load(ProgressKey(target.registry, user, "push-to-registry"))
    credentials.store(target.registry, user, password)
    progress.mark_done("login")
    progress.record_created("login", target.auth_key)
    scratch_tags.append(target.remote_ref)
    engine.tag("python-hello-world", target.remote_ref)
    progress.record_created("tag", target.remote_ref)
    digest = push(engine, target.remote_ref, user, password)
    progress.mark_done("push", {"pushed_digest": digest})
    progress.record_created("repository", target.remote_ref)
    store.save(progress)
    return LabState(engine, target, credentials, store, progress, password, digest)


@pytest.fixture(name="lab")
def lab_fixture(tutor_engine: Engine, hello_image: str, registry: RegistryUnderTest,
        account: tuple[str, str], scratch_tags: list[str]) -> LabState:
    """A whole lab done against the session registry with a fresh account."""
    return run_lab(tutor_engine, registry.address, *account, scratch_tags)


def client_for(lab: LabState) -> RegistryClient:
    return RegistryClient(lab.target.api_base, lab.target.user, lab.password)


def remote_tags(lab: LabState, repository: str) -> list[str]:
    try:
        return client_for(lab).tags(repository)
    except NotFound:
        return []


def test_plan_lists_exactly_what_the_lab_made_in_words(lab: LabState) -> None:
    plan = plan_reset(lab.engine, lab.target, lab.credentials, lab.progress)
    assert [item.kind for item in plan.items] == ["repository", "tag", "login", "progress"]
    text = "\n".join(plan.lines())
    assert f"Delete the tag {lab.target.remote_ref} from the registry" in text
    assert f"Remove the local tag {lab.target.remote_ref}" in text
    assert f"Log out {lab.target.user} from" in text
    assert "Forget your progress" in text
    assert "python-hello-world" not in text.replace(lab.target.remote_ref, "")
    assert plan.items[0].digest == lab.digest


def test_apply_undoes_only_what_the_lab_made(lab: LabState, engine: docker.DockerClient,
                                             hello_image: str, scratch_tags: list[str],
                                             private_registry: RegistryUnderTest,
                                             docker_cli: Callable[..., CompletedProcess[str]]) -> None:
    mine = f"tutor-reset-mine-{secrets.token_hex(4)}:latest"
    scratch_tags.append(mine)
    assert docker_cli("tag", "python-hello-world", mine).returncode == 0
    own_user, own_password = private_registry.new_account()
    own_login = docker_cli("login", private_registry.address, "-u", own_user, "--password-stdin",
                           stdin=own_password)
    assert own_login.returncode == 0, own_login.stderr
    other_repository = f"{lab.target.registry}/{lab.target.user}/kept:latest"
    scratch_tags.append(other_repository)
    lab.engine.tag("python-hello-world", other_repository)
    push(lab.engine, other_repository, lab.target.user, lab.password)
    config = lab.credentials.path
    before = json.loads(config.read_text())

    plan = plan_reset(lab.engine, lab.target, lab.credentials, lab.progress)
    results = apply_reset(plan, lab.engine, lab.target, lab.credentials, lab.store)

    assert all(result.ok for result in results), [r.message for r in results]
    assert lab.engine.image(lab.target.remote_ref) is None
    assert "latest" not in remote_tags(lab, lab.target.api_path)
    assert lab.credentials.get(lab.target.registry) is None
    assert lab.store.saved_keys() == []
    assert engine.images.get("python-hello-world").id == hello_image
    assert lab.engine.image(mine) is not None
    assert lab.engine.image(other_repository) is not None
    assert remote_tags(lab, f"{lab.target.user}/kept") == ["latest"]
    after = json.loads(config.read_text())
    del before["auths"][lab.target.registry]
    assert after == before
    assert private_registry.address in after["auths"]


def test_things_no_longer_the_labs_are_left_alone(lab: LabState, docker_cli: object) -> None:
    other_user, other_password = "someone-else", "theirs"
    lab.credentials.store(lab.target.registry, other_user, other_password)
    lab.progress.record_created("tag", "python-hello-world")
    lab.engine.remove(lab.target.remote_ref)

    plan = plan_reset(lab.engine, lab.target, lab.credentials, lab.progress)
    kinds = [item.kind for item in plan.items]
    assert "login" not in kinds and "tag" not in kinds
    alone = "\n".join(plan.left_alone)
    assert f"now {other_user}'s" in alone
    assert "python-hello-world is the source image" in alone
    assert "already gone" in alone

    apply_reset(plan, lab.engine, lab.target, lab.credentials, lab.store)
    stored = lab.credentials.get(lab.target.registry)
    assert stored is not None and stored.username == other_user
    assert lab.engine.image("python-hello-world") is not None


def test_a_remote_tag_sharing_the_image_is_protected(lab: LabState, scratch_tags: list[str]) -> None:
    theirs = f"{lab.target.repository}:theirs"
    scratch_tags.append(theirs)
    lab.engine.tag("python-hello-world", theirs)
    push(lab.engine, theirs, lab.target.user, lab.password)

    plan = plan_reset(lab.engine, lab.target, lab.credentials, lab.progress)
    assert "repository" not in [item.kind for item in plan.items]
    assert any(":theirs" in reason for reason in plan.left_alone)
    apply_reset(plan, lab.engine, lab.target, lab.credentials, lab.store)
    assert remote_tags(lab, lab.target.api_path) == ["latest", "theirs"]
    kept = lab.store.load(lab.progress.key)
    assert kept.created_of("repository") == [lab.target.remote_ref]
    assert kept.steps == {}


def test_a_remote_tag_repushed_with_other_content_is_protected(lab: LabState) -> None:
    lab.progress.facts["pushed_digest"] = "sha256:" + "0" * 64
    plan = plan_reset(lab.engine, lab.target, lab.credentials, lab.progress)
    assert "repository" not in [item.kind for item in plan.items]
    assert any("another image" in reason for reason in plan.left_alone)


def test_unreachable_registry_keeps_the_record_for_the_next_reset(
        tutor_engine: Engine, hello_image: str, private_registry: RegistryUnderTest,
        scratch_tags: list[str]) -> None:
    user, password = private_registry.new_account()
    lab = run_lab(tutor_engine, private_registry.address, user, password, scratch_tags)
    private_registry.stop()

    plan = plan_reset(lab.engine, lab.target, lab.credentials, lab.progress)
    assert [item.kind for item in plan.items] == ["tag", "progress"]
    assert any("could not be asked" in reason for reason in plan.left_alone)
    assert any("kept, the next reset needs it" in reason for reason in plan.left_alone)
    results = apply_reset(plan, lab.engine, lab.target, lab.credentials, lab.store)
    assert all(result.ok for result in results)
    kept = lab.store.load(lab.progress.key)
    assert kept.created == {"repository": [lab.target.remote_ref], "login": [lab.target.auth_key]}
    assert lab.engine.image(lab.target.remote_ref) is None
    assert lab.credentials.get(lab.target.registry) is not None


def test_nothing_recorded_means_nothing_to_do(tutor_engine: Engine, registry: RegistryUnderTest) -> None:
    target = Target.create(registry.address, "nobody")
    progress = LessonProgress(ProgressKey(target.registry, "nobody", "push-to-registry"))
    plan = plan_reset(tutor_engine, target, CredentialStore("docker"), progress)
    assert plan.is_empty and plan.left_alone == ()


@pytest.fixture
def frozen_registry_storage(private_registry: RegistryUnderTest) -> Iterator[Path]:
    """Every file and folder of the registry's storage immutable: it answers 500 to a delete."""
    storage = private_registry.config.storage_dir
    yield storage
    subprocess.run(["chattr", "-R", "-i", str(storage)], check=True)


def test_a_registry_that_will_not_delete_is_reported_and_the_record_kept(
        tutor_engine: Engine, hello_image: str, private_registry: RegistryUnderTest,
        frozen_registry_storage: Path, scratch_tags: list[str]) -> None:
    user, password = private_registry.new_account()
    lab = run_lab(tutor_engine, private_registry.address, user, password, scratch_tags)
    plan = plan_reset(lab.engine, lab.target, lab.credentials, lab.progress)
    if subprocess.run(["chattr", "-R", "+i", str(frozen_registry_storage)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    results = {result.item.kind: result for result in apply_reset(plan, lab.engine, lab.target,
                                                                   lab.credentials, lab.store)}
    assert not results["repository"].ok
    assert "would not delete" in results["repository"].message
    assert "try reset again later" in results["repository"].message
    assert results["tag"].ok
    assert not results["login"].ok and "Kept the login" in results["login"].message
    assert lab.credentials.get(lab.target.registry) is not None
    kept = lab.store.load(lab.progress.key).created
    assert kept == {"repository": [lab.target.remote_ref], "login": [lab.target.auth_key]}


def test_a_login_in_another_store_is_reported_not_pretended(lab: LabState,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Podman reads Docker's config.json as a fallback but cannot log out there: say so."""
    monkeypatch.delenv("REGISTRY_AUTH_FILE")
    podman_store = CredentialStore("podman")
    plan = plan_reset(lab.engine, lab.target, podman_store, lab.progress)
    assert "login" in [item.kind for item in plan.items]
    results = apply_reset(plan, lab.engine, lab.target, podman_store, lab.store)
    login = next(result for result in results if result.item.kind == "login")
    assert not login.ok and "log out there yourself" in login.message
    assert lab.credentials.get(lab.target.registry) is not None
    assert lab.store.load(lab.progress.key).created_of("login") == [lab.target.auth_key]
