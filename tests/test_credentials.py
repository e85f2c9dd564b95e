"""Credentials round-trip with the real docker CLI: what one side stores, the other side uses.

Over 400 lines because config.json has many shapes to prove (helpers, symlinks, broken files,
Podman's auth.json) and each case needs its own real file and real CLI run.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest
from tutor.core.engine.credentials import CredentialsError, CredentialStore
from tutor.core.target import DOCKER_HUB_AUTH_KEY

Cli = Callable[..., CompletedProcess[str]]

HELPER_SOURCE = '''#!{python}
"""A real credential helper speaking docker's protocol, storing into a JSON file beside itself."""
import json, pathlib, sys
store = pathlib.Path(__file__).with_name("helper-store.json")
data = json.loads(store.read_text()) if store.exists() else {{}}
action = sys.argv[1]
if action == "store":
    entry = json.loads(sys.stdin.read())
    data[entry["ServerURL"]] = {{"Username": entry["Username"], "Secret": entry["Secret"]}}
elif action == "get":
    url = sys.stdin.read().strip()
    if url not in data:
        print("credentials not found in native keychain")
        sys.exit(1)
    print(json.dumps({{"ServerURL": url, **data[url]}}))
elif action == "erase":
    data.pop(sys.stdin.read().strip(), None)
elif action == "list":
    print(json.dumps({{url: entry["Username"] for url, entry in data.items()}}))
store.write_text(json.dumps(data))
'''


@pytest.fixture
def helper_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install docker-credential-tutortest on PATH (for us and the CLI); return its store file."""
    folder = tmp_path / "helper-bin"
    folder.mkdir()
    script = folder / "docker-credential-tutortest"
    script.write_text(HELPER_SOURCE.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder / "helper-store.json"


def config_path() -> Path:
    return Path(os.environ["DOCKER_CONFIG"]) / "config.json"


def write_config(content: dict[str, object]) -> Path:
    path = config_path()
    path.write_text(json.dumps(content, indent=2))
    return path


def cli_login(docker_cli: Cli, registry: RegistryUnderTest, user: str, password: str) -> None:
    result = docker_cli("login", "--username", user, "--password-stdin", registry.address,
                        stdin=password)
    assert result.returncode == 0, result.stderr


def cli_push_and_pull(docker_cli: Cli, remote: str) -> None:
    """Tag, push, untag and pull back with the CLI alone: proves the stored login works."""
    assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
    try:
        pushed = docker_cli("push", remote)
        assert pushed.returncode == 0, pushed.stderr
        assert docker_cli("rmi", remote).returncode == 0
        pulled = docker_cli("pull", remote)
        assert pulled.returncode == 0, pulled.stderr
    finally:
        docker_cli("rmi", remote)


def test_cli_pushes_and_pulls_with_what_store_wrote(
    docker_cli: Cli, registry: RegistryUnderTest, account: tuple[str, str], hello_image: str,
) -> None:
    """After store(), the real docker CLI pushes and pulls with no login of its own."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
    refused = docker_cli("push", remote)
    assert refused.returncode != 0 and "no basic auth credentials" in refused.stderr
    stored = CredentialStore("docker").store(registry.address, user, password)
    assert stored.plaintext and stored.location == str(config_path())
    cli_push_and_pull(docker_cli, remote)


def test_store_writes_what_docker_login_writes(
    docker_cli: Cli, registry: RegistryUnderTest, account: tuple[str, str],
) -> None:
    """The JSON after store() equals the JSON after `docker login` of the same account."""
    user, password = account
    cli_login(docker_cli, registry, user, password)
    by_cli = json.loads(config_path().read_text())
    config_path().unlink()
    CredentialStore("docker").store(registry.address, user, password)
    assert json.loads(config_path().read_text()) == by_cli


def test_get_sees_a_login_made_with_the_cli(
    docker_cli: Cli, registry: RegistryUnderTest, account: tuple[str, str],
) -> None:
    """After `docker login --password-stdin` in a terminal, get() returns that login."""
    user, password = account
    store = CredentialStore("docker")
    assert store.get(registry.address) is None
    cli_login(docker_cli, registry, user, password)
    found = store.get(registry.address)
    assert found is not None
    assert (found.key, found.username, found.secret) == (registry.address, user, password)
    assert store.get(f"http://{registry.address}/") == found


def test_erase_removes_what_docker_logout_removes(
    docker_cli: Cli, registry: RegistryUnderTest, account: tuple[str, str],
) -> None:
    """Logout by the CLI and erase() leave the same JSON, other entries and keys kept."""
    user, password = account
    others = {"auths": {"quay.io": {"auth": "cTp4"}, f"https://{registry.address}": {"auth": "eDp5"}},
              "psFormat": "table {{.ID}}"}
    write_config(others)
    cli_login(docker_cli, registry, user, password)
    before = config_path().read_text()
    assert docker_cli("logout", registry.address).returncode == 0
    by_cli = json.loads(config_path().read_text())
    config_path().write_text(before)
    assert CredentialStore("docker").erase(registry.address) is True
    assert json.loads(config_path().read_text()) == by_cli
    assert by_cli["auths"] == {"quay.io": {"auth": "cTp4"}}
    assert CredentialStore("docker").erase(registry.address) is False


def test_store_keeps_every_other_entry_and_key_in_order() -> None:
    """Unknown top-level keys, other registries and their order survive a store."""
    original = {"currentContext": "default", "auths": {"quay.io": {"auth": "cTp4"}},
                "proxies": {"default": {"httpProxy": "http://proxy:3128"}}, "detachKeys": "ctrl-e,e",
                "plugins": {"x": {"ünïcode": "ok"}}}
    path = write_config(original)
    CredentialStore("docker").store("localhost:5999", "anna", "s3cret")
    after = json.loads(path.read_text())
    assert list(after) == list(original)
    assert list(after["auths"]) == ["quay.io", "localhost:5999"]
    assert {key: value for key, value in after.items() if key != "auths"} == {
        key: value for key, value in original.items() if key != "auths"}
    assert after["auths"]["quay.io"] == {"auth": "cTp4"}


def test_new_file_is_private_and_replaces_atomically(isolated_home: Path) -> None:
    """A new config is 0600 in a 0700 folder; a rewrite leaves no temp file behind."""
    folder = isolated_home / "fresh-docker"
    store = CredentialStore("docker", folder / "config.json")
    store.store("docker.io", "anna", "s3cret")
    store.store("localhost:5000", "anna", "s3cret")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "config.json").stat().st_mode) == 0o600
    assert [entry.name for entry in folder.iterdir()] == ["config.json"]
    assert set(json.loads((folder / "config.json").read_text())["auths"]) == {
        DOCKER_HUB_AUTH_KEY, "localhost:5000"}


def test_corrupt_config_is_never_overwritten() -> None:
    """A broken config.json raises a clear CredentialsError and stays byte for byte."""
    path = config_path()
    path.write_text('{"auths": {"quay.io": ')
    store = CredentialStore("docker")
    with pytest.raises(CredentialsError, match=r"not valid JSON.*left as it is"):
        store.store("localhost:5000", "anna", "s3cret")
    with pytest.raises(CredentialsError, match="not valid JSON"):
        store.get("localhost:5000")
    assert path.read_text() == '{"auths": {"quay.io": '


MALFORMED = [
    ({"auths": "a string"}, '"auths" is a string, not a JSON object'),
    ({"auths": ["localhost:5000"]}, '"auths" is a list, not a JSON object'),
    ({"auths": {"localhost:5000": "YW5uYTpwdw=="}}, '{"localhost:5000": ...} is not a JSON object'),
    ({"auths": {"localhost:5000": {"auth": "not base64!"}}}, "is not base64 of USER:PASSWORD"),
    ({"auths": {"localhost:5000": {"auth": "bm9jb2xvbg=="}}}, "is not base64 of USER:PASSWORD"),  # "nocolon"
    ({"auths": {"localhost:5000": {"auth": 42}}}, '"auth" of "localhost:5000" is not a string'),
    ({"credHelpers": "tutortest"}, '"credHelpers" is a string, not a JSON object'),
    ({"credHelpers": {"localhost:5000": 7}}, "is not a string"),
    ({"credsStore": ["tutortest"]}, '"credsStore" is not a string'),
]


@pytest.mark.parametrize(("content", "problem"), MALFORMED, ids=lambda value: str(value)[:40])
def test_a_malformed_file_is_an_error_that_says_what_to_do(content: dict[str, object], problem: str) -> None:
    """get, store and erase name the file and the fault, say how to mend it, and write nothing."""
    path = write_config(content)
    before = path.read_bytes()
    store = CredentialStore("docker")
    for attempt in (lambda: store.get("localhost:5000"), lambda: store.store("localhost:5000", "anna", "pw"),
                    lambda: store.erase("localhost:5000")):
        with pytest.raises(CredentialsError) as caught:
            attempt()
        message = str(caught.value)
        assert message.startswith(f"{path}: ") and problem in message
        assert "left as it is" in message and "never overwrites" in message and "move it aside" in message
    assert path.read_bytes() == before


def test_a_malformed_entry_of_another_registry_does_not_block_this_one() -> None:
    """Only the entries for the asked registry are read, as the CLIs read them."""
    path = write_config({"auths": {"elsewhere.example": "junk", "localhost:5000": {}}})
    store = CredentialStore("docker")
    assert store.get("localhost:5000") is None
    store.store("localhost:5000", "anna", "pw")
    found = store.get("localhost:5000")
    assert found is not None and (found.username, found.secret) == ("anna", "pw")
    assert json.loads(path.read_text())["auths"]["elsewhere.example"] == "junk"


def test_podman_names_the_fallback_file_that_is_malformed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken docker config.json that Podman falls back to is named, not its own auth.json."""
    monkeypatch.delenv("REGISTRY_AUTH_FILE")
    broken = write_config({"auths": {"localhost:5000": {"auth": "%%%"}}})
    with pytest.raises(CredentialsError, match=f"^{broken}: .*not base64"):
        CredentialStore("podman").get("localhost:5000")


def test_docker_hub_aliases_share_one_key() -> None:
    """docker.io, index.docker.io and the v1 URL all mean Docker Hub's key."""
    store = CredentialStore("docker")
    store.store("docker.io", "anna", "tok")
    assert list(json.loads(config_path().read_text())["auths"]) == [DOCKER_HUB_AUTH_KEY]
    for alias in ("docker.io", "index.docker.io", "https://index.docker.io/v1/"):
        found = store.get(alias)
        assert found is not None and found.username == "anna"
    assert store.erase("index.docker.io") is True
    assert store.get("docker.io") is None


def test_token_logins_and_legacy_prefixed_keys_are_read() -> None:
    """An identity-token login and a key written as https://host (older CLIs) are both found."""
    write_config({"auths": {
        DOCKER_HUB_AUTH_KEY: {"auth": "YW5uYTo=", "identitytoken": "tok-123"},
        "https://localhost:5000": {"auth": "Ym9iOnB3"}}})
    store = CredentialStore("docker")
    hub = store.get("docker.io")
    assert hub is not None and (hub.username, hub.secret) == ("anna", "tok-123")
    local = store.get("localhost:5000")
    assert local is not None and (local.key, local.username, local.secret) == ("localhost:5000", "bob", "pw")


def test_creds_store_helper_round_trip_with_the_cli(
    docker_cli: Cli, registry: RegistryUnderTest, account: tuple[str, str], hello_image: str,
    helper_store: Path,
) -> None:
    """With credsStore, the secret goes to the helper, auths keeps {}, and the CLI uses it."""
    user, password = account
    write_config({"credsStore": "tutortest"})
    stored = CredentialStore("docker").store(registry.address, user, password)
    assert stored == type(stored)("docker-credential-tutortest", plaintext=False)
    assert json.loads(config_path().read_text()) == {"credsStore": "tutortest",
                                                     "auths": {registry.address: {}}}
    assert password not in config_path().read_text()
    assert json.loads(helper_store.read_text())[registry.address]["Secret"] == password
    cli_push_and_pull(docker_cli, f"{registry.address}/{user}/{HELLO_IMAGE}:latest")


def test_helper_login_by_cli_is_seen_and_erased_like_logout(
    docker_cli: Cli, registry: RegistryUnderTest, account: tuple[str, str], helper_store: Path,
) -> None:
    """A CLI login into a credHelpers helper is read back; erase() leaves what logout leaves."""
    user, password = account
    write_config({"credHelpers": {registry.address: "tutortest"}})
    cli_login(docker_cli, registry, user, password)
    store = CredentialStore("docker")
    assert store.helper_for(registry.address) == "tutortest"
    found = store.get(registry.address)
    assert found is not None and (found.username, found.secret) == (user, password)
    config_before, helper_before = config_path().read_text(), helper_store.read_text()
    assert docker_cli("logout", registry.address).returncode == 0
    by_cli = (json.loads(config_path().read_text()), json.loads(helper_store.read_text()))
    config_path().write_text(config_before)
    helper_store.write_text(helper_before)
    assert store.erase(registry.address) is True
    assert (json.loads(config_path().read_text()), json.loads(helper_store.read_text())) == by_cli
    assert by_cli[1] == {} and store.get(registry.address) is None


def test_missing_helper_is_a_clear_error() -> None:
    """A credsStore naming an absent program says what to install, and keeps the file."""
    path = write_config({"credsStore": "nosuchhelper"})
    before = path.read_text()
    with pytest.raises(CredentialsError, match=r"docker-credential-nosuchhelper.*not installed"):
        CredentialStore("docker").store("localhost:5000", "anna", "s3cret")
    assert path.read_text() == before


def podman_cli(*args: str, stdin: str | None = None) -> CompletedProcess[str]:
    """Run the real podman CLI (it honours REGISTRY_AUTH_FILE from the test's environment)."""
    import shutil
    import subprocess

    binary = shutil.which("podman")
    if binary is None:
        pytest.skip("podman is not installed")
    return subprocess.run([binary, *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))


def test_podman_cli_pushes_and_pulls_with_what_store_wrote(
    registry: RegistryUnderTest, account: tuple[str, str], podman_hello_image: str,
) -> None:
    """After store() into auth.json, `podman push/pull --tls-verify=false` need no login."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}:latest"
    assert podman_cli("tag", HELLO_IMAGE, remote).returncode == 0
    store = CredentialStore("podman")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text('{"auths": {}}')  # podman refuses a named auth file that is missing
    try:
        refused = podman_cli("push", "--tls-verify=false", remote)
        assert refused.returncode != 0 and "authentication required" in refused.stderr
        stored = store.store(registry.address, user, password)
        assert stored == type(stored)(os.environ["REGISTRY_AUTH_FILE"], plaintext=True)
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        pushed = podman_cli("push", "--tls-verify=false", remote)
        assert pushed.returncode == 0, pushed.stderr
        assert podman_cli("rmi", remote).returncode == 0
        pulled = podman_cli("pull", "--tls-verify=false", remote)
        assert pulled.returncode == 0, pulled.stderr
    finally:
        podman_cli("rmi", remote)


def test_podman_login_by_cli_is_seen_and_logout_matches_erase(
    registry: RegistryUnderTest, account: tuple[str, str],
) -> None:
    """`podman login` writes auth.json that get() reads; erase() leaves what `podman logout` does."""
    user, password = account
    store = CredentialStore("podman")
    logged_in = podman_cli("login", "--tls-verify=false", "--username", user, "--password-stdin",
                           registry.address, stdin=password)
    assert logged_in.returncode == 0, logged_in.stderr
    found = store.get(registry.address)
    assert found is not None and (found.key, found.username, found.secret) == (
        registry.address, user, password)
    by_cli = json.loads(store.path.read_text())
    store.path.unlink()
    store.store(registry.address, user, password)
    assert json.loads(store.path.read_text()) == by_cli
    assert podman_cli("logout", registry.address).returncode == 0
    after_logout = json.loads(store.path.read_text())
    store.store(registry.address, user, password)
    assert store.erase(registry.address) is True
    assert json.loads(store.path.read_text()) == after_logout


def test_podman_keys_docker_hub_as_docker_io() -> None:
    """podman login docker.io files the login under docker.io, not Docker's v1 URL."""
    store = CredentialStore("podman")
    store.store("index.docker.io", "anna", "tok")
    assert list(json.loads(store.path.read_text())["auths"]) == ["docker.io"]
    found = store.get("docker.io")
    assert found is not None and found.secret == "tok"


def test_podman_falls_back_to_docker_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without REGISTRY_AUTH_FILE, Podman also reads logins from Docker's config.json."""
    monkeypatch.delenv("REGISTRY_AUTH_FILE")
    CredentialStore("docker").store("docker.io", "anna", "tok")
    podman = CredentialStore("podman")
    assert podman.path == Path(os.environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    found = podman.get("docker.io")
    assert found is not None and (found.username, found.secret) == ("anna", "tok")


def test_podman_namespace_scoped_login_is_found() -> None:
    """`podman login localhost:5000/team` files the login under that path; get() finds it."""
    store = CredentialStore("podman")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps({"auths": {"localhost:5000/team": {"auth": "Ym9iOnB3"}}}))
    found = store.get("localhost:5000")
    assert found is not None and (found.username, found.secret) == ("bob", "pw")


def test_podman_auth_file_named_explicitly_has_no_fallback() -> None:
    """With REGISTRY_AUTH_FILE set, Podman reads only that file, and so does get()."""
    CredentialStore("docker").store("localhost:5000", "anna", "tok")
    assert CredentialStore("podman").get("localhost:5000") is None


def test_store_writes_through_a_symlinked_config_and_tightens_its_mode(tmp_path: Path) -> None:
    """A config.json that links elsewhere stays a link; the real file ends up 0600 like the CLI's."""
    real = tmp_path / "dotfiles" / "docker-config.json"
    real.parent.mkdir()
    real.write_text('{"auths": {}, "psFormat": "x"}')
    real.chmod(0o644)
    config_path().symlink_to(real)
    CredentialStore("docker").store("localhost:5000", "anna", "s3cret")
    assert config_path().is_symlink()
    assert json.loads(real.read_text())["psFormat"] == "x"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert [entry.name for entry in real.parent.iterdir()] == ["docker-config.json"]
