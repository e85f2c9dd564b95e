"""The lab's target (registry, user, image) and image reference parsing as Docker does it."""

from __future__ import annotations

import ipaddress
import re
from enum import Enum

from tutor.core.i18n import _
from tutor.core.records import record

DOCKER_HUB = "docker.io"
DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"
DOCKER_HUB_API = "https://registry-1.docker.io"
QUAY = "quay.io"
PRACTICE = "practice"
DEFAULT_IMAGE = "python-hello-world"
DEFAULT_TAG = "latest"

_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+(?::[0-9]{1,5})?$"
    r"|^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$"
)
_USER = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,253}[a-z0-9])?$")


class RegistryKind(Enum):
    """Which family of registry the lab runs against."""

    DOCKER_HUB = "docker-hub"
    QUAY = "quay"
    PRACTICE = "practice"
    OTHER = "other"


class InvalidName(ValueError):
    """An image name, tag, user name or registry address that a registry would refuse.

    The message is in the learner's language; `key` names the mistake in any language (the
    explainer's key where it has one: "uppercase", "invalid_reference").
    """

    def __init__(self, message: str, key: str = "invalid_reference") -> None:
        super().__init__(message)
        self.key = key


@record
class Reference:
    """A parsed image reference: [registry/]path[:tag][@digest]."""

    registry: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def repository(self) -> str:
        """The full repository name as the engine shows it (docker.io is left implied)."""
        if self.registry == DOCKER_HUB:
            return hub_name(self.path[len("library/"):] if self.path.startswith("library/") else self.path)
        return f"{self.registry}/{self.path}"

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def hub_name(path: str) -> str:
    """A Docker Hub path as engines print it: docker.io/ stays where the first part looks like a host."""
    first = path.split("/", 1)[0]
    looks_like_host = "/" in path and ("." in first or ":" in first or first == "localhost")
    return f"{DOCKER_HUB}/{path}" if looks_like_host else path


def normalize_registry(address: str) -> str:
    """Return the canonical form of a registry address (Docker Hub's aliases become docker.io)."""
    text = address.strip()
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text.rstrip("/")
    if text.endswith("/v1") or text.endswith("/v2"):
        text = text[:-3]
    if text.lower() in _HUB_ALIASES:
        return DOCKER_HUB
    if not text or not _HOST.match(text):
        raise InvalidName(_("'{address}' is not a registry address; use HOST or HOST:PORT").format(
            address=address), "invalid_registry")
    port = text.rsplit("]", 1)[-1].rpartition(":")[2] if ":" in text.rsplit("]", 1)[-1] else ""
    if port and not 0 < int(port) < 65536:
        raise InvalidName(_("'{address}' has port {port}; a port is a number from 1 to 65535").format(
            address=address, port=port), "invalid_registry")
    return text.lower()


def parse_reference(text: str) -> Reference:
    """Parse an image reference the way the Docker CLI normalises it; raise InvalidName if invalid."""
    if not text or text != text.strip():
        raise InvalidName(_("an image name cannot be empty or start or end with spaces"))
    name, _at, digest_text = text.partition("@")
    digest = digest_text if "@" in text else None
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
        if not _TAG.match(tag):
            problem = _("'{tag}' is not a valid tag (letters, digits, '_', '.', '-'; max 128)")
            raise InvalidName(problem.format(tag=tag))
    parts = name.split("/")
    registry = DOCKER_HUB
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = normalize_registry(parts[0])
        parts = parts[1:]
    for part in parts:
        _check_component(part, text)
    if registry == DOCKER_HUB and len(parts) == 1:
        parts = ["library", *parts]
    if digest is not None and not re.match(r"^sha256:[0-9a-f]{64}$", digest):
        problem = _("'{digest}' is not a valid digest (sha256:<64 hex digits>)")
        raise InvalidName(problem.format(digest=digest))
    return Reference(registry, "/".join(parts), tag, digest)


def _check_component(part: str, whole: str) -> None:
    if part.lower() == part and _COMPONENT.match(part):
        return
    if part and part.lower() != part and _COMPONENT.match(part.lower()):
        raise InvalidName(_("repository name must be lowercase: '{name}'").format(name=whole), "uppercase")
    raise InvalidName(_(
        "'{name}' is not a valid image name: '{part}' may use only lowercase letters, "
        "digits and separators ('.', '_', '-') between them").format(name=whole, part=part))


def validate_user(user: str) -> str:
    """Return the user name if a registry namespace can carry it, else raise InvalidName."""
    if not user:
        raise InvalidName(_("the user name is empty; type the account name you created"), "invalid_user")
    if user.lower() != user and _USER.match(user.lower()):
        raise InvalidName(_("'{user}' has uppercase letters; registry names are lowercase").format(user=user),
                          "uppercase")
    if not _USER.match(user) or ".." in user:
        raise InvalidName(_(
            "'{user}' is not a valid account name: use lowercase letters, digits, '.', '_' "
            "or '-', starting and ending with a letter or digit").format(user=user), "invalid_user")
    return user


def is_loopback(registry: str) -> bool:
    """True when the registry address names this machine (Docker allows plain HTTP there)."""
    if registry.startswith("["):
        host = registry[1:].split("]")[0]
    else:
        host = registry.rsplit(":", 1)[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def registry_kind(registry: str) -> RegistryKind:
    """Classify a normalised registry address."""
    if registry == DOCKER_HUB:
        return RegistryKind.DOCKER_HUB
    if registry == QUAY:
        return RegistryKind.QUAY
    return RegistryKind.OTHER


@record
class Target:
    """What the lab pushes where: the registry, the learner's account and the local source image."""

    registry: str
    user: str
    image: str = DEFAULT_IMAGE
    tag: str = DEFAULT_TAG
    practice: bool = False
    ca_file: str | None = None

    @classmethod
    def create(cls, registry: str, user: str, image: str = DEFAULT_IMAGE) -> Target:
        """Build a Target from user input, normalising the registry and validating names."""
        parse_reference(image)
        return cls(normalize_registry(registry), validate_user(user), image)

    @property
    def kind(self) -> RegistryKind:
        """The registry family; the practice registry is one even though it has an address."""
        return RegistryKind.PRACTICE if self.practice else registry_kind(self.registry)

    @property
    def image_name(self) -> str:
        """The source image's repository part without any tag (python-hello-world)."""
        ref = parse_reference(self.image)
        return ref.path.rsplit("/", 1)[-1]

    @property
    def repository(self) -> str:
        """USER/IMAGE for Docker Hub, REGISTRY/USER/IMAGE elsewhere: the lab's remote name."""
        path = f"{self.user}/{self.image_name}"
        return hub_name(path) if self.registry == DOCKER_HUB else f"{self.registry}/{path}"

    @property
    def remote_ref(self) -> str:
        """The remote name with its tag, e.g. alice/python-hello-world:latest."""
        return f"{self.repository}:{self.tag}"

    @property
    def api_path(self) -> str:
        """The repository's path in the registry's HTTP API (USER/IMAGE)."""
        return f"{self.user}/{self.image_name}"

    @property
    def auth_key(self) -> str:
        """The key under which docker login stores this registry in config.json."""
        return DOCKER_HUB_AUTH_KEY if self.registry == DOCKER_HUB else self.registry

    @property
    def api_base(self) -> str:
        """The base URL of the registry's HTTP API."""
        if self.registry == DOCKER_HUB:
            return DOCKER_HUB_API
        scheme = "http" if is_loopback(self.registry) and not self.ca_file else "https"
        return f"{scheme}://{self.registry}"

    @property
    def web_url(self) -> str | None:
        """The repository's page the lab names (Docker Hub's owner view), where the registry has one."""
        if self.kind is RegistryKind.DOCKER_HUB:
            return f"https://hub.docker.com/repository/docker/{self.api_path}"
        if self.kind is RegistryKind.QUAY:
            return f"https://quay.io/repository/{self.api_path}"
        return None


def learner_names(target: Target, engine_kind: str) -> dict[str, str]:
    """The one table of the learner's names that lessons, check verdicts and explanations are filled with."""
    local = target.registry.replace("127.0.0.1", "localhost")
    return {"user": target.user, "registry": target.registry, "login_registry": target.registry,
            "image": target.image, "tag": target.tag, "repository": target.repository,
            "remote_ref": target.remote_ref, "api_base": target.api_base,
            "localhost_repository": f"{local}/{target.api_path}", "engine": engine_kind, "cli": engine_kind}
