"""Credentials kept exactly where and how `docker login` / `podman login` keep them.

Docker: $DOCKER_CONFIG/config.json (else ~/.docker/config.json), `auths.<key>.auth` = base64
`user:pass`, or a `docker-credential-<helper>` named by `credHelpers`/`credsStore`, with `{}`
left in `auths`. Podman: containers' auth.json, same `auths` format, Docker Hub as docker.io.
Helpers are run directly (never through a shell) and get secrets on stdin, never in argv.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Literal

from tutor.core.files import write_atomically
from tutor.core.i18n import N_, _
from tutor.core.records import record
from tutor.core.target import DOCKER_HUB, DOCKER_HUB_AUTH_KEY, InvalidName, normalize_registry

Flavour = Literal["docker", "podman"]
_HELPER_TIMEOUT = 30
_NOT_FOUND = "credentials not found"


class CredentialsError(Exception):
    """The credential file or helper could not be read or written; the message says why."""


@record
class Credential:
    """A user name and secret for one registry key."""

    key: str
    username: str
    secret: str


@record
class StoredLogin:
    """Where a login was stored, and whether in plain (base64) text."""

    location: str
    plaintext: bool


def docker_config_path() -> Path:
    """The config.json that the docker CLI reads: $DOCKER_CONFIG, else ~/.docker."""
    folder = os.environ.get("DOCKER_CONFIG")
    return (Path(folder) if folder else Path.home() / ".docker") / "config.json"


def podman_auth_path() -> Path:
    """The auth.json that `podman login` writes: $REGISTRY_AUTH_FILE, else the runtime dir's."""
    explicit = os.environ.get("REGISTRY_AUTH_FILE")
    if explicit:
        return Path(explicit)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "containers" / "auth.json"
    if not hasattr(os, "getuid"):  # Windows: no runtime dir, Podman's client uses the config folder
        return podman_fallback_paths()[0]
    return Path(f"/run/containers/{os.getuid()}/auth.json")


def podman_fallback_paths() -> list[Path]:
    """Files Podman also reads logins from, unless REGISTRY_AUTH_FILE names the only one."""
    if os.environ.get("REGISTRY_AUTH_FILE"):
        return []
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [Path(config_home) / "containers" / "auth.json", docker_config_path()]


def _same_registry(key: str, registry: str) -> bool:
    """True when a file's key names the registry, as docker compares them (host part only)."""
    host = key.split("://", 1)[-1].split("/", 1)[0]
    try:
        return normalize_registry(host) == registry
    except InvalidName:
        return False


def broken_file(path: Path, problem: str) -> CredentialsError:
    """The error for a credential file the tutor cannot use: where, what is wrong, what to do."""
    return CredentialsError(_(
        "{path}: {problem}. The file was left as it is (the tutor never overwrites it): fix it by "
        "hand, or move it aside (e.g. rename it to {name}.bak), then log in again.").format(
            path=path, problem=problem, name=path.name))


def _decode_auth(path: Path, name: str, key: str, entry: object) -> Credential | None:
    """The login in one `auths` entry (None when it holds none); a malformed entry raises."""
    if not isinstance(entry, dict):
        problem = _('the entry "auths": {{"{name}": ...}} is not a JSON object')
        raise broken_file(path, problem.format(name=name))
    encoded = entry.get("auth")
    if encoded is not None and not isinstance(encoded, str):
        raise broken_file(path, _('"auth" of "{name}" is not a string').format(name=name))
    if encoded:
        username, sep, secret = _user_and_secret(encoded)
        if not sep:
            raise broken_file(path, _('"auth" of "{name}" is not base64 of USER:PASSWORD').format(name=name))
        token = entry.get("identitytoken")  # a token login keeps "user:" in auth
        return Credential(key, username, str(token) if token and not secret else secret)
    if entry.get("username") and entry.get("password"):
        return Credential(key, str(entry["username"]), str(entry["password"]))
    return None


def _user_and_secret(encoded: str) -> tuple[str, str, str]:
    """base64 "user:secret" split at its first colon; ("", "", "") when it is not that."""
    try:
        return base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", "", ""


class CredentialStore:
    """The credential store of one engine family: Docker's config.json or containers' auth.json."""

    def __init__(self, flavour: Literal["docker", "podman"], path: Path | None = None) -> None:
        if flavour not in ("docker", "podman"):
            raise ValueError(f"unknown credential store flavour {flavour!r}")
        self.flavour: Flavour = flavour
        self._explicit = path is not None
        self._path = path or (docker_config_path() if flavour == "docker" else podman_auth_path())

    @property
    def path(self) -> Path:
        """The file that `docker login` / `podman login` would write."""
        return self._path

    def key_for(self, registry: str) -> str:
        """The key the CLI files a registry's login under (Docker Hub differs per CLI)."""
        normal = normalize_registry(registry)
        if normal == DOCKER_HUB:
            return DOCKER_HUB_AUTH_KEY if self.flavour == "docker" else DOCKER_HUB
        return normal

    def helper_for(self, registry: str) -> str | None:
        """The credential helper that holds this registry's secret, if config.json names one."""
        return self._helper(self._load(self.path), normalize_registry(registry))

    def get(self, registry: str) -> Credential | None:
        """The stored login for a registry, or None; CredentialsError when the file is malformed."""
        normal = normalize_registry(registry)
        config = self._load(self.path)
        helper = self._helper(config, normal)
        if helper is not None:
            return _helper_get(helper, self.key_for(normal))
        found = self._from_auths(self.path, config, normal)
        if found is None and self.flavour == "podman" and not self._explicit:
            for fallback in podman_fallback_paths():
                found = self._from_auths(fallback, self._load(fallback), normal)
                if found is not None:
                    break
        return found

    def store(self, registry: str, username: str, secret: str) -> StoredLogin:
        """Store a login as the CLI would (helpers honoured, atomic 0600, other keys kept)."""
        normal = normalize_registry(registry)
        key = self.key_for(normal)
        config = self._load(self.path)
        self._from_auths(self.path, config, normal)  # a malformed entry is the learner's to mend
        auths = self._auths(config)
        helper = self._helper(config, normal)
        if helper is not None:
            _helper_call(helper, "store", json.dumps(
                {"ServerURL": key, "Username": username, "Secret": secret}))
            if self.flavour == "docker":
                auths[key] = {}
            self._write(config)
            return StoredLogin(f"docker-credential-{helper}", plaintext=False)
        token = base64.b64encode(f"{username}:{secret}".encode()).decode()
        auths[key] = {"auth": token}
        self._write(config)
        return StoredLogin(str(self.path), plaintext=True)

    def erase(self, registry: str) -> bool:
        """Remove exactly what `docker logout REGISTRY` removes; True when something was removed."""
        normal = normalize_registry(registry)
        key = self.key_for(normal)
        config = self._load(self.path)
        self._from_auths(self.path, config, normal)  # a malformed entry is the learner's to mend
        auths, helper = self._auths(config), self._helper(config, normal)
        keys = [key] if normal == DOCKER_HUB else [key, f"http://{key}", f"https://{key}"]
        present = [name for name in keys if name in auths]
        if not present:
            return False
        if helper is not None:
            with contextlib.suppress(CredentialsError):  # docker logout only warns here
                _helper_call(helper, "erase", key)
        for name in present:
            del auths[name]
        self._write(config)
        return True

    def _from_auths(self, path: Path, config: dict[str, Any], registry: str) -> Credential | None:
        auths = _section(path, config, "auths")
        key = self.key_for(registry)
        names = [key] if key in auths else [name for name in auths if _same_registry(name, registry)]
        for name in names:
            found = _decode_auth(path, name, key, auths[name])
            if found is not None:
                return found
        return None

    def _helper(self, config: dict[str, Any], registry: str) -> str | None:
        for name, helper in _section(self.path, config, "credHelpers").items():
            if not isinstance(helper, str):
                problem = _('"credHelpers": {{"{name}": ...}} is not a string')
                raise broken_file(self.path, problem.format(name=name))
            if helper and _same_registry(name, registry):
                return helper
        store = config.get("credsStore")
        if store is not None and not isinstance(store, str):
            raise broken_file(self.path, _('"credsStore" is not a string'))
        return store or None

    def _auths(self, config: dict[str, Any]) -> dict[str, Any]:
        """The file's `auths` object, added when missing, for writing a login into it."""
        auths = _section(self.path, config, "auths")
        config["auths"] = auths
        return auths

    def _load(self, path: Path) -> dict[str, Any]:
        """The file's JSON object ({} when it does not exist); a broken file raises, untouched."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            message = _("cannot read {path}: {error}").format(path=path, error=error.strerror)
            raise CredentialsError(message) from None
        if not text.strip():
            return {}
        try:
            config = json.loads(text)
        except (ValueError, UnicodeDecodeError) as error:
            raise broken_file(path, _("not valid JSON ({error})").format(error=error)) from None
        if not isinstance(config, dict):
            raise broken_file(path, _("it does not hold a JSON object ({...})"))
        return config

    def _write(self, config: dict[str, Any]) -> None:
        """Replace the file atomically: a 0600 temp file in the same folder, then rename."""
        target = Path(os.path.realpath(self.path))
        try:
            if not target.parent.exists():
                target.parent.mkdir(mode=0o700, parents=True)
            write_atomically(target, json.dumps(config, indent="\t"))
        except OSError as error:
            raise CredentialsError(_("cannot write {path}: {error}").format(
                path=target, error=error.strerror or error)) from None


def _section(path: Path, config: dict[str, Any], name: str) -> dict[str, Any]:
    """A top-level object of the file such as "auths" ({} when absent); any other value raises."""
    section = config.get(name)
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise broken_file(path, _('"{name}" is {kind}, not a JSON object').format(
            name=name, kind=_json_kind(section)))
    return section


def _json_kind(value: object) -> str:
    """How JSON would name the kind of a value, for messages about a malformed file."""
    kinds = {str: N_("a string"), list: N_("a list"), bool: N_("true or false"), int: N_("a number"),
             float: N_("a number")}
    return _(kinds.get(type(value), N_("something else")))


def _helper_binary(helper: str) -> str:
    binary = shutil.which(f"docker-credential-{helper}")
    if binary is None:
        raise CredentialsError(_(
            "the credential helper docker-credential-{helper} is configured but not installed. "
            "Install it, or remove \"credsStore\"/\"credHelpers\" from config.json.").format(helper=helper))
    return binary


def _helper_call(helper: str, action: str, stdin: str) -> str:
    """Run `docker-credential-<helper> <action>` with its input on stdin; return its output."""
    try:
        result = subprocess.run([_helper_binary(helper), action], input=stdin, capture_output=True,
                                text=True, timeout=_HELPER_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CredentialsError(_("docker-credential-{helper} {action} failed: {error}").format(
            helper=helper, action=action, error=error)) from None
    if result.returncode != 0:
        message = (result.stdout.strip() or result.stderr.strip() or f"exit {result.returncode}")
        raise CredentialsError(f"docker-credential-{helper} {action}: {message}")
    return result.stdout


def _helper_get(helper: str, key: str) -> Credential | None:
    try:
        output = _helper_call(helper, "get", key)
    except CredentialsError as error:
        if _NOT_FOUND in str(error):
            return None
        raise
    try:
        answer = json.loads(output)
    except ValueError:
        raise CredentialsError(_("docker-credential-{helper} get answered with something that is "
                                 "not JSON").format(helper=helper)) from None
    username, secret = answer.get("Username") or "", answer.get("Secret") or ""
    return Credential(key, str(username), str(secret)) if secret else None
