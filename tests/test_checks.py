"""Each check before and after its step, on the real daemon and registry, with a fresh account."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest, build_image
from tests.lab_support import Lab, by_id, failures, remove_names
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine
from tutor.core.events import CheckResult, Status
from tutor.core.i18n import translate
from tutor.core.lab import checks
from tutor.core.lab.checks import CHECK_IDS, LabContext, run_all, run_check
from tutor.core.records import replace
from tutor.core.registry.api import RegistryClient
from tutor.core.registry.practice import PracticeRegistry
from tutor.core.target import Target

pytest_plugins = ("tests.lab_fixtures",)  # the gateway and lab fixtures

DONE, TODO, UNKNOWN = Status.DONE, Status.TODO, Status.UNKNOWN


def login(lab: Lab) -> None:
    assert not failures(lab.run(f"docker login {lab.registry.address} -u {lab.user}", lab.password))


def tag_and_push(lab: Lab, source: str = HELLO_IMAGE) -> None:
    assert lab.run(f"docker tag {source} {lab.target.repository}") == []
    assert not failures(lab.run(f"docker push {lab.target.repository}"))


def test_image_before_and_after_it_exists(gateway: Engine, registry: RegistryUnderTest,
                                          account: tuple[str, str], engine: docker.DockerClient,
                                          tmp_path: Path) -> None:
    """A source image that is not there is todo; once built it is done."""
    name = "tutor-check-image-" + secrets.token_hex(4)
    lab = Lab(gateway, registry, *account, image=name)
    assert lab.status("image") is TODO
    result = run_check("image", lab.context())
    assert result.hint and name in result.detail
    build_image(engine, tmp_path / "ctx", name)
    try:
        assert lab.status("image") is DONE
    finally:
        remove_names(gateway, [name])


def test_login_before_after_and_when_the_registry_refuses(lab: Lab) -> None:
    """No login is todo; the tutor's login is done; a stale password is todo with its explanation."""
    result = run_check("login", lab.context())
    assert result.status is TODO and result.explanation is not None
    assert result.explanation.key == "not_logged_in" and result.hint == \
        f"docker login {lab.registry.address} -u {lab.user}"
    login(lab)
    assert lab.status("login") is DONE
    lab.credentials.store(lab.registry.address, lab.user, "changed-since")
    result = run_check("login", lab.context())
    assert result.status is TODO and result.explanation is not None
    assert result.explanation.key == "wrong_password"


def test_login_as_another_user_is_not_this_learners_login(lab: Lab, registry: RegistryUnderTest) -> None:
    """Credentials that work, but for someone else, leave the step todo: 'logged in as another user'."""
    other, password = registry.new_account()
    lab.credentials.store(registry.address, other, password)
    result = run_check("login", lab.context())
    assert result.status is TODO and other in result.detail
    assert result.explanation is not None and result.explanation.key == "other_user"


def test_login_and_push_are_unknown_when_the_registry_is_down(gateway: Engine,
                                                              private_registry: RegistryUnderTest) -> None:
    """A stopped registry never gives a false verdict: unknown, with the explainer's reason."""
    lab = Lab(gateway, private_registry, *private_registry.new_account())
    login(lab)
    private_registry.stop()
    results = by_id(run_all(lab.context()))
    for step in ("login", "push", "verify"):
        assert results[step].status is UNKNOWN, results[step]
        assert results[step].explanation is not None and results[step].explanation.key == "registry_down"


def test_account_on_another_registry_is_proved_by_a_login(lab: Lab) -> None:
    """Before a login nothing can be said (unknown, never a false failure); a working login proves it."""
    assert lab.status("account") is UNKNOWN
    login(lab)
    assert lab.status("account") is DONE


@pytest.mark.parametrize("registry_name", ["docker.io", "quay.io"])
def test_account_on_hub_and_quay_offline_is_unknown(gateway: Engine, registry_name: str) -> None:
    """Without internet the public user APIs cannot answer: unknown, with the reason."""
    ctx = LabContext(gateway, Target(registry_name, "alice"), CredentialStore(gateway.kind))
    result = run_check("account", ctx)
    assert result.status is UNKNOWN and result.explanation is not None
    assert result.explanation.key in ("no_such_host", "registry_down")


def test_account_on_the_practice_registry(gateway: Engine, tmp_path: Path, registry: RegistryUnderTest,
                                          account: tuple[str, str]) -> None:
    """The practice registry's own account list decides: missing is todo, created is done."""
    practice = PracticeRegistry(tmp_path / "practice")
    user = "learner" + secrets.token_hex(4)
    ctx = LabContext(gateway, Target(registry.address, user, practice=True), CredentialStore(gateway.kind),
                     practice)
    assert run_check("account", ctx).status is TODO
    practice.add_user(user, "pw-" + secrets.token_hex(4))
    assert run_check("account", ctx).status is DONE


def test_tag_before_after_and_on_the_wrong_image(lab: Lab, layered_image: str) -> None:
    """No local name is todo; the right image is done; another image under the name is todo."""
    assert lab.status("tag") is TODO
    assert lab.run(f"docker tag {layered_image} {lab.target.repository}") == []
    assert lab.status("tag") is TODO
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    assert lab.status("tag") is DONE
    assert lab.run(f"docker rmi {lab.target.remote_ref}") != []
    assert lab.status("tag") is TODO


def test_push_and_verify_before_and_after(lab: Lab) -> None:
    """Before the push: push and verify todo; after: done, with the registry's facts."""
    login(lab)
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    assert (lab.status("push"), lab.status("verify")) == (TODO, TODO)
    assert not failures(lab.run(f"docker push {lab.target.repository}"))
    result = run_check("verify", lab.context())
    assert lab.status("push") is DONE and result.status is DONE
    local = lab.engine.image(HELLO_IMAGE)
    assert local is not None and result.facts["config_digest"] == local.id
    assert result.facts["digest"].startswith("sha256:") and int(result.facts["size"]) > 0
    assert int(result.facts["layers"]) >= 1 and result.facts["created"] == local.created


def test_push_without_any_login_is_unknown_not_todo(lab: Lab) -> None:
    """The registry shows nothing to anonymous users, so the verdict is unknown with the login fix."""
    result = run_check("push", lab.context())
    assert result.status is UNKNOWN and result.explanation is not None
    assert result.explanation.key == "not_logged_in"


def test_verify_notices_a_different_image_under_the_tag(lab: Lab, layered_image: str) -> None:
    """If the registry's tag holds another image than the local source, verify is todo."""
    login(lab)
    tag_and_push(lab, layered_image)
    assert lab.status("push") is DONE
    assert lab.status("verify") is TODO


def test_pull_is_todo_right_after_the_push_and_done_after_a_pull(lab: Lab) -> None:
    """The pull check wants a pull of the repository after its last push, with the source's ID."""
    started = time.time_ns()
    login(lab)
    tag_and_push(lab)
    assert lab.status("pull", started) is TODO
    assert lab.run(f"docker rmi {lab.target.remote_ref}") != []
    assert lab.status("pull", started) is TODO
    assert lab.status("tag", started) is DONE  # pushed, so the tag step stays done
    assert not failures(lab.run(f"docker pull {lab.target.repository}"))
    assert lab.status("pull", started) is DONE
    tag_and_push(lab)
    assert lab.status("pull", started) is TODO  # a new push needs a new pull


def test_run_all_agrees_with_each_check_and_keeps_the_order(lab: Lab) -> None:
    """run_all gives the same verdicts as single checks, in CHECK_IDS order."""
    login(lab)
    tag_and_push(lab)
    together = by_id(run_all(lab.context()))
    for check_id in CHECK_IDS:
        assert together[check_id].status is run_check(check_id, lab.context()).status


def test_a_finished_lab_in_one_run_asks_for_no_config_blob_nor_the_image_store(
        lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the whole lab, run_all (its lookups side by side) says word for word what each check
    says alone, reads the registry's manifest but not the image's config blob, and never asks the
    engine for its image store: which digest the local ID matches tells it."""
    started = time.time_ns()
    login(lab)
    tag_and_push(lab)
    assert lab.run(f"docker rmi {lab.target.remote_ref}") != []
    assert not failures(lab.run(f"docker pull {lab.target.repository}"))
    alone = {check_id: run_check(check_id, lab.context(started)) for check_id in CHECK_IDS}
    asked: list[str] = []
    send = RegistryClient._send

    def counted(client: RegistryClient, method: str, url: str, headers: dict[str, str]) -> Any:
        asked.append(url)
        return send(client, method, url, headers)

    monkeypatch.setattr(RegistryClient, "_send", counted)
    monkeypatch.setattr(Engine, "image_store", property(lambda _: pytest.fail("asked for the image store")))
    together = run_all(lab.context(started))
    assert [(r.step, r.status, r.detail, r.hint) for r in together] == \
        [(r.step, r.status, r.detail, r.hint) for r in alone.values()]
    assert all(result.status is DONE for result in together), failures_of(together)
    assert asked and all("/manifests/" in url or url.endswith("/v2/") for url in asked), asked


def failures_of(results: list[CheckResult]) -> list[str]:
    return [f"{result.step}: {result.detail}" for result in results if result.status is not DONE]


def test_a_fresh_learner_has_nothing_done_but_the_image(lab: Lab) -> None:
    """Starting state: only the image that the machine already has can be done."""
    statuses = lab.statuses()
    assert statuses["image"] is DONE
    assert all(status is not DONE for step, status in statuses.items() if step != "image"), statuses


def test_checks_never_raise_on_a_dead_engine(gateway: Engine, tmp_path: Path,
                                             registry: RegistryUnderTest) -> None:
    """An engine that stopped answering (its socket is gone) gives unknown verdicts, not exceptions."""
    client = docker.DockerClient(base_url=f"unix://{tmp_path}/gone.sock", version=gateway.info.api_version)
    lost = Engine(client, gateway.info)
    results = by_id(run_all(LabContext(lost, Target(registry.address, "nobody"), CredentialStore("docker"))))
    for step in ("image", "tag", "pull"):
        assert results[step].status is UNKNOWN
        assert results[step].explanation is not None and results[step].explanation.key == "engine_down"
    lost.close()


def test_podman_lab_before_and_after_each_step(podman_lab: Lab, registry: RegistryUnderTest) -> None:
    """The same checks agree with a lab done on Podman."""
    lab, started = podman_lab, time.time_ns()
    assert [lab.statuses(started)[step] for step in ("login", "tag", "pull")] == [TODO, TODO, TODO]
    assert not failures(lab.run(f"podman login {registry.address} -u {lab.user}", lab.password))
    assert lab.status("login") is DONE and lab.status("push") is TODO
    assert lab.run(f"podman tag {HELLO_IMAGE} {lab.target.repository}") == []
    assert lab.status("tag") is DONE
    assert not failures(lab.run(f"podman push {lab.target.repository}"))
    statuses = lab.statuses(started)
    assert (statuses["push"], statuses["verify"], statuses["pull"]) == (DONE, DONE, TODO), statuses
    assert lab.run(f"podman rmi {lab.target.remote_ref}") != []
    assert not failures(lab.run(f"podman pull {lab.target.repository}"))
    assert lab.statuses(started) == dict.fromkeys(CHECK_IDS, DONE)


def test_podman_image_check_before_and_after(podman_gateway: Engine, registry: RegistryUnderTest,
                                             account: tuple[str, str], podman_hello_image: str) -> None:
    """On Podman too, a missing source image is todo and done once it exists."""
    name = "tutor-check-image-" + secrets.token_hex(4)
    lab = Lab(podman_gateway, registry, *account, image=name)
    assert lab.status("image") is TODO
    podman_gateway.tag(HELLO_IMAGE, name)
    try:
        assert lab.status("image") is DONE
    finally:
        remove_names(podman_gateway, [name])


def test_a_target_for_another_user_changes_the_verdicts(lab: Lab) -> None:
    """Checks follow the target: the same state is not done for a different account name."""
    login(lab)
    tag_and_push(lab)
    other = replace(lab.target, user="someone" + secrets.token_hex(3))
    ctx = LabContext(lab.engine, other, lab.credentials)
    assert run_check("tag", ctx).status is TODO and run_check("login", ctx).status is TODO


def test_every_text_has_a_german_version_with_the_same_names() -> None:
    """Each English template has a German one in the catalog that uses exactly the same {names}."""
    source = Path(checks.__file__).read_text()
    used = re.findall(r'_result\(ctx, "?\w+"?, Status\.\w+, N_\("([^"]+)"\)', source)
    used += re.findall(r'(?:other|same) = N_\("([^"]+)"\)', source)
    german = {english: translate(english, "de") for english in used}
    for english, text in german.items():
        assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", text)), english
    assert used and all(german[text] != text for text in used), [t for t in used if german[t] == t]


def test_checks_speak_german_when_asked(lab: Lab) -> None:
    """With lang='de' the details and hints are German, and the explanation too."""
    ctx = replace(lab.context(), lang="de")
    result = run_check("login", ctx)
    assert result.detail == f"Nicht bei {lab.registry.address} angemeldet"
    assert result.explanation is not None and result.explanation.what.startswith("Du bist bei")
    english = run_check("login", replace(ctx, lang="en"))
    assert english.detail == f"Not logged in to {lab.registry.address}"
