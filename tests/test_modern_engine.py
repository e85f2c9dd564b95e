"""The lab on Docker Engine 26 with the containerd image store, as most learners now have it.

There an image ID is the digest of what its tag named (a manifest, or an index) instead of the
config digest, BuildKit stores an index with a provenance attestation, and a pull through an
index keeps the index digest: every check must still say done exactly when the classic store does.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest
import requests

from tests.conftest import HELLO_IMAGE, RegistryUnderTest, _write_context
from tests.lab_support import Lab, failures, remove_names
from tests.modern_fixtures import ModernDaemon
from tests.test_interpreter_lab import whole_lab
from tutor.__main__ import main
from tutor.core.engine.gateway import Engine
from tutor.core.events import Status
from tutor.core.explainer import explain
from tutor.core.lab.checks import run_check
from tutor.core.registry.api import MANIFEST_TYPES, RegistryClient, is_attestation, is_index
from tutor.core.target import Target
from tutor.widgets.registry_view import registry_lines

DONE, TODO = Status.DONE, Status.TODO
pytest_plugins = ("tests.lab_fixtures",)  # the gateway on the system's classic-store Docker
LAB_STEPS = ("image", "login", "tag", "push", "verify", "pull")
Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def modern_lab(modern_gateway: Engine, registry: RegistryUnderTest, account: tuple[str, str],
               modern_hello_image: str) -> Iterator[Lab]:
    """A fresh learner on the containerd store, with the legacy builder's python-hello-world."""
    fresh = Lab(modern_gateway, registry, *account)
    yield fresh
    fresh.cleanup()


def buildkit_image(cli: Cli, folder: Path, tag: str) -> str:
    """Build with buildx/BuildKit (an index with a provenance attestation); return the image ID."""
    _write_context(folder, 0, 0)
    built = cli("buildx", "build", "--provenance=mode=min", "-t", tag, str(folder))
    assert built.returncode == 0, built.stderr
    return cli("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()


def test_the_modern_daemon_uses_the_containerd_image_store(modern_engine: docker.DockerClient,
                                                            modern_gateway: Engine,
                                                            gateway: Engine) -> None:
    """The fixture's daemon is Engine 26 on the containerd snapshotter; the system's is classic."""
    info = modern_engine.info()
    assert info["ServerVersion"].startswith("26.")
    assert ["driver-type", "io.containerd.snapshotter.v1"] in info["DriverStatus"]
    assert (modern_gateway.image_store, gateway.image_store) == ("containerd", "classic")
    assert modern_gateway.platform == "linux/amd64"


def test_legacy_builder_image_passes_every_check_no_earlier_than_its_step(modern_lab: Lab,
                                                                          modern_hello_image: str) -> None:
    """Before each step its check is todo, after it done; verify compares the tag's digest, not config."""
    lab, started = modern_lab, time.time_ns()
    assert lab.status("tag") is TODO
    assert not failures(lab.run(f"docker login {lab.registry.address} -u {lab.user}", lab.password))
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    assert (lab.status("tag"), lab.status("push"), lab.status("verify")) == (DONE, TODO, TODO)
    assert not failures(lab.run(f"docker push {lab.target.repository}"))
    verify = run_check("verify", lab.context())
    assert verify.status is DONE, verify
    assert verify.facts["digest"] == modern_hello_image and verify.facts["local_is"] == "manifest"
    assert verify.facts["config_digest"] != modern_hello_image  # the classic rule would fail here
    assert lab.status("pull", started) is TODO
    assert lab.run(f"docker rmi {lab.target.remote_ref}")
    assert lab.status("tag", started) is DONE
    assert not failures(lab.run(f"docker pull {lab.target.repository}"))
    assert all(lab.status(step, started) is DONE for step in LAB_STEPS)


def test_another_image_under_the_tag_is_still_noticed(modern_lab: Lab, modern_engine: docker.DockerClient,
                                                     tmp_path: Path) -> None:
    """No early pass: another image pushed under the lab's name leaves tag and verify todo."""
    lab = modern_lab
    other = "tutor-other-" + secrets.token_hex(4)
    _write_context(tmp_path / "other", 1, 4096)
    modern_engine.images.build(path=str(tmp_path / "other"), tag=other, rm=True)
    try:
        assert not failures(lab.run(f"docker login {lab.registry.address} -u {lab.user}", lab.password))
        assert lab.run(f"docker tag {other} {lab.target.repository}") == []
        assert not failures(lab.run(f"docker push {lab.target.repository}"))
        assert (lab.status("tag"), lab.status("push"), lab.status("verify")) == (TODO, DONE, TODO)
    finally:
        remove_names(lab.engine, [other])


def test_whole_interpreter_lab_on_the_containerd_store(modern_lab: Lab, modern_hello_image: str) -> None:
    """Every lab command through the command box behaves as on the classic store."""
    whole_lab(modern_lab, "docker", modern_hello_image)


def test_buildkit_index_with_attestation_passes_verify(modern_gateway: Engine, registry: RegistryUnderTest,
                                                       account: tuple[str, str], modern_cli: Cli,
                                                       tmp_path: Path) -> None:
    """A BuildKit image is an index; verify matches its digest and never picks the attestation."""
    name = "tutor-bk-" + secrets.token_hex(4)
    image_id = buildkit_image(modern_cli, tmp_path / "bk", name)
    lab = Lab(modern_gateway, registry, *account, image=name)
    try:
        assert not failures(lab.run(f"docker login {registry.address} -u {lab.user}", lab.password))
        assert lab.run(f"docker tag {name} {lab.target.repository}") == []
        assert lab.status("verify") is TODO
        assert not failures(lab.run(f"docker push {lab.target.repository}"))
        client = RegistryClient(registry.url, *account)
        digest, body, media_type = client.manifest(lab.target.api_path, "latest")
        assert digest == image_id and is_index(body, media_type)
        assert any(is_attestation(entry) for entry in body["manifests"])
        remote = client.remote_image(lab.target.api_path, "latest", modern_gateway.platform)
        assert remote.index_digest == image_id and remote.digest_named(image_id) == "index"
        assert remote.layers and remote.created
        shown = registry_lines(remote, image_id, None)
        assert shown[0].startswith("✓") and any("is the index digest" in line for line in shown)
        verify = run_check("verify", lab.context())
        assert verify.status is DONE and verify.facts["local_is"] == "index", verify
    finally:
        lab.cleanup()
        remove_names(modern_gateway, [name])


def publish_index(registry: RegistryUnderTest, user: str, password: str, repository: str,
                  architecture: str = "amd64") -> str:
    """Put an OCI index naming repository:latest's manifest (as linux/ARCH) under the tag; its digest."""
    manifest = requests.get(f"{registry.url}/v2/{repository}/manifests/latest", auth=(user, password),
                            headers={"Accept": MANIFEST_TYPES}, timeout=30)
    assert manifest.status_code == 200, manifest.text
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": manifest.headers["Content-Type"],
                            "digest": manifest.headers["Docker-Content-Digest"],
                            "size": len(manifest.content),
                            "platform": {"os": "linux", "architecture": architecture}}]}
    response = requests.put(f"{registry.url}/v2/{repository}/manifests/latest", auth=(user, password),
                            data=json.dumps(index).encode(), timeout=30,
                            headers={"Content-Type": "application/vnd.oci.image.index.v1+json"})
    assert response.status_code == 201, response.text
    return str(response.headers["Docker-Content-Digest"])


def pull_through_index(cli: Cli, registry: RegistryUnderTest, user: str, password: str,
                       source: str) -> str:
    """python-hello-world published as an index, pulled back and named source; returns the index digest."""
    published = f"{registry.address}/{user}/published-{source}"
    assert cli("login", registry.address, "-u", user, "--password-stdin", stdin=password).returncode == 0
    assert cli("tag", HELLO_IMAGE, published).returncode == 0
    assert cli("push", published).returncode == 0
    index_digest = publish_index(registry, user, password, f"{user}/published-{source}")
    assert cli("rmi", published).returncode == 0
    assert cli("pull", published).returncode == 0
    assert cli("tag", published, source).returncode == 0
    assert cli("rmi", published).returncode == 0
    return index_digest


def terminal_source(kind: str, cli: Cli, registry: RegistryUnderTest, account: tuple[str, str],
                    folder: Path) -> tuple[str, str]:
    """The learner's source image made in their own terminal: (name, which digest its ID is)."""
    name = f"tutor-{kind}-" + secrets.token_hex(4)
    if kind == "legacy":
        _write_context(folder, 0, 0)
        built = cli("build", "-q", "-t", name, str(folder), env={"DOCKER_BUILDKIT": "0"})
        assert built.returncode == 0, built.stderr
        return name, "manifest"
    if kind == "buildkit":
        buildkit_image(cli, folder, name)
        return name, "index"
    index_digest = pull_through_index(cli, registry, *account, name)
    assert cli("image", "inspect", "--format", "{{.Id}}", name).stdout.strip() == index_digest
    return name, "index"


@pytest.mark.parametrize("kind", ["legacy", "buildkit", "pulled-index"])
def test_the_lab_in_the_learners_own_terminal(kind: str, modern_gateway: Engine,
                                              registry: RegistryUnderTest, account: tuple[str, str],
                                              modern_cli: Cli, tmp_path: Path) -> None:
    """Built by the legacy builder, by BuildKit, or pulled through an index: the lab typed in
    Docker 26's own CLI reaches every check, and none before its step."""
    user, password = account
    source, local_is = terminal_source(kind, modern_cli, registry, account, tmp_path / "src")
    lab = Lab(modern_gateway, registry, user, password, image=source)
    try:
        started = time.time_ns()
        assert modern_cli("login", registry.address, "-u", user, "--password-stdin",
                          stdin=password).returncode == 0
        assert lab.status("tag") is TODO
        assert modern_cli("tag", source, lab.target.repository).returncode == 0
        assert (lab.status("tag"), lab.status("push"), lab.status("verify")) == (DONE, TODO, TODO)
        pushed = modern_cli("push", lab.target.repository)
        assert pushed.returncode == 0, pushed.stderr
        verify = run_check("verify", lab.context())
        assert verify.status is DONE and verify.facts["local_is"] == local_is, verify
        assert lab.status("pull", started) is TODO
        assert modern_cli("rmi", lab.target.remote_ref).returncode == 0
        assert modern_cli("pull", lab.target.repository).returncode == 0
        statuses = lab.statuses(started)
        assert all(statuses[step] is DONE for step in LAB_STEPS), statuses
    finally:
        lab.cleanup()
        remove_names(modern_gateway, [source])


def test_a_pulled_index_missing_its_attestation_is_explained(modern_gateway: Engine,
                                                            registry: RegistryUnderTest,
                                                            account: tuple[str, str], modern_cli: Cli,
                                                            tmp_path: Path) -> None:
    """A pull fetches only the engine's platform; pushing that index elsewhere fails: a partial index."""
    user, password = account
    published = f"{registry.address}/{user}/bk-" + secrets.token_hex(4)
    buildkit_image(modern_cli, tmp_path / "bk", published)
    login = modern_cli("login", registry.address, "-u", user, "--password-stdin", stdin=password)
    assert login.returncode == 0
    assert modern_cli("push", published).returncode == 0
    assert modern_cli("rmi", published).returncode == 0
    assert modern_cli("pull", published).returncode == 0
    copy = f"{registry.address}/{user}/copy-" + secrets.token_hex(4)
    try:
        assert modern_cli("tag", published, copy).returncode == 0
        pushed = modern_cli("push", copy)
        assert pushed.returncode != 0
        explained = explain(pushed.stderr, Target(registry.address, user))
        assert explained is not None and explained.key == "partial_index", pushed.stderr
    finally:
        remove_names(modern_gateway, [published, copy])


def test_lessons_test_passes_on_the_containerd_store(registry: RegistryUnderTest,
                                                     modern_daemon: ModernDaemon,
                                                     modern_hello_image: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`registry-tutor lessons test` proves every step's check on Engine 26 as on 20.10."""
    code = main(["lessons", "test", "--engine", "docker", "--engine-url", modern_daemon.url, "--lang", "en",
                 "--registry", registry.address, "--htpasswd", str(registry.config.htpasswd)])
    out = capsys.readouterr()
    assert code == 0, out
    assert "ok    en/docker verify: the check passes after the solution" in out.out
    assert "ok    en/docker pull: the check passes after the solution" in out.out


def test_an_index_without_the_engines_platform_is_unknown_and_explained(
        modern_lab: Lab, modern_cli: Cli) -> None:
    """A tag whose index holds only linux/arm64: the engine refuses the pull, and push and verify say
    unknown with the partial-index explanation instead of a false "another image" or "not pushed"."""
    lab = modern_lab
    assert not failures(lab.run(f"docker login {lab.registry.address} -u {lab.user}", lab.password))
    assert lab.run(f"docker tag {HELLO_IMAGE} {lab.target.repository}") == []
    assert not failures(lab.run(f"docker push {lab.target.repository}"))
    publish_index(lab.registry, lab.user, lab.password, lab.target.api_path, architecture="arm64")
    for step in ("push", "verify"):
        result = run_check(step, lab.context())
        assert result.status is Status.UNKNOWN, result
        assert result.explanation is not None and result.explanation.key == "partial_index"
        assert "linux/arm64" in result.detail
    assert modern_cli("login", lab.registry.address, "-u", lab.user, "--password-stdin",
                      stdin=lab.password).returncode == 0
    pulled = modern_cli("pull", lab.target.repository)
    assert pulled.returncode != 0
    explained = explain(pulled.stderr, lab.target)
    assert explained is not None and explained.key == "partial_index", pulled.stderr
