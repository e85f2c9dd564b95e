"""The one module that talks to a registry over its HTTP API (distribution spec v2).

Secrets stay with the host they were meant for: redirects are followed here, not by requests,
and an Authorization header never crosses to another origin (Docker Hub and Quay send blob
downloads to CDNs, S3-backed registries to presigned URLs that refuse a second authorization).
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
from typing import Any

import requests

from tutor.core.events import LayerInfo, RemoteImage
from tutor.core.records import record

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)
_INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 5
DEFAULT_PLATFORM = "linux/amd64"


def is_index(body: dict[str, Any], media_type: str) -> bool:
    """True for an image index or manifest list: it names a manifest per platform, not layers."""
    return media_type in _INDEX_TYPES or ("manifests" in body and "config" not in body)


class RegistryError(Exception):
    """The registry answered with an error, or could not be reached."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RegistryUnreachable(RegistryError):
    """Nothing answered at the registry's address (down, wrong port, no network, TLS trouble)."""


class Unauthorized(RegistryError):
    """The registry refused the credentials, or wants some."""


class NotFound(RegistryError):
    """The repository, tag or blob does not exist."""


class PlatformMissing(NotFound):
    """The tag names an index without an image for the engine's platform (a partial index)."""


class TooManyRequests(RegistryError):
    """The registry's rate limit (Docker Hub's pull limit): toomanyrequests, try later or log in."""


@record(frozen=False)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8") or "null")


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = header.partition(" ")
    params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return scheme.lower(), params


class RegistryClient:
    """A small client for one registry: ping, login check, catalog, tags, manifests, deletes."""

    def __init__(
        self,
        base_url: str,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._timeout = timeout
        self._verify: str | bool = ca_file or True
        self._tokens: dict[str, tuple[str, float]] = {}
        self._session = requests.Session()
        # No .netrc, no proxies from the environment: only the credentials given here are sent,
        # and a loopback registry is never asked through a proxy.
        self._session.trust_env = False

    def close(self) -> None:
        """Release the pooled connections."""
        self._session.close()

    # -- transport -------------------------------------------------------------------------
    def _open(self, method: str, url: str, headers: dict[str, str]) -> _Response:
        """One request, following redirects; Authorization goes only to the origin it was meant for."""
        for _hop in range(_MAX_REDIRECTS + 1):
            response = self._send(method, url, headers)
            location = response.headers.get("location", "")
            if response.status not in _REDIRECTS or not location:
                return response
            target = urllib.parse.urljoin(url, location)
            if _origin(target) != _origin(url):
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            method = "GET" if response.status == 303 and method != "HEAD" else method
            url = target
        raise RegistryError(f"{self.base_url} redirected more than {_MAX_REDIRECTS} times", 310)

    def _send(self, method: str, url: str, headers: dict[str, str]) -> _Response:
        try:
            with self._session.request(method, url, headers=headers, allow_redirects=False,
                                       timeout=self._timeout, verify=self._verify, stream=False) as r:
                return _Response(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)
        except requests.RequestException as error:
            raise RegistryUnreachable(f"cannot reach {self.base_url}: {_reason(error)}") from error

    def _basic(self) -> str | None:
        if self._username is None or self._password is None:
            return None
        raw = f"{self._username}:{self._password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def _token(self, params: dict[str, str], scope: str | None, renew: bool = False) -> str:
        """A bearer token for the scope: the cached one while fresh, else one from the realm."""
        key = scope or ""
        cached = None if renew else self._cached_token(key)
        if cached is not None:
            return cached
        query = {"service": params.get("service", "")}
        if scope:
            query["scope"] = scope
        url = params["realm"] + "?" + urllib.parse.urlencode(query)
        headers = {}
        if basic := self._basic():
            headers["Authorization"] = basic
        response = self._open("GET", url, headers)
        if response.status in (401, 403):
            raise Unauthorized("incorrect username or password", response.status, "UNAUTHORIZED")
        if response.status == 429:
            self._raise_for(response)
        if response.status != 200:
            raise RegistryError(f"token service answered {response.status}", response.status)
        body = response.json()
        token = body.get("token") or body.get("access_token") or ""
        # The spec's default lifetime is 60 s; renew a little early so a request never races expiry.
        lifetime = float(body.get("expires_in") or 60)
        self._tokens[key] = (token, time.monotonic() + max(lifetime - 10, 1))
        return token

    def _cached_token(self, key: str) -> str | None:
        token, expires = self._tokens.get(key, ("", 0.0))
        return token if token and time.monotonic() < expires else None

    def request(self, method: str, path: str, scope: str | None = None,
                accept: str | None = None) -> _Response:
        """Send a request, answering a Basic or Bearer challenge once with our credentials."""
        url = self.base_url + path
        headers = {"Accept": accept} if accept else {}
        cached = self._cached_token(scope) if scope is not None else None
        basic = self._basic()
        # The login goes with the first request to the registry it belongs to (a Basic registry then
        # answers in one round trip, not two); a token registry answers 401 with its realm, as without
        # it. A redirect to another host never carries it (_open).
        if cached is not None:
            headers["Authorization"] = "Bearer " + cached
        elif basic is not None:
            headers["Authorization"] = basic
        response = self._open(method, url, headers)
        if response.status == 401:
            scheme, params = _challenge(response.headers.get("www-authenticate", ""))
            if scheme == "bearer" and "realm" in params:
                # A cached token the registry refused (expired, revoked) is renewed, not reused.
                token = self._token(params, scope or params.get("scope"), renew=cached is not None)
                headers["Authorization"] = "Bearer " + token
                response = self._open(method, url, headers)
            elif basic is None:
                raise Unauthorized("the registry wants a login", 401, "UNAUTHORIZED")
            # else Basic went with the request and was refused: _raise_for says so, with no resend
        self._raise_for(response)
        return response

    def _raise_for(self, response: _Response) -> None:
        if response.status < 400:
            return
        code, message = None, f"registry answered HTTP {response.status}"
        try:
            errors = response.json().get("errors") or []
            if errors:
                code, message = errors[0].get("code"), errors[0].get("message") or message
        except (ValueError, AttributeError):
            pass
        if response.status == 429 and "toomanyrequests" not in message.lower():
            message = f"toomanyrequests: {message}"
        kinds = {401: Unauthorized, 403: Unauthorized, 404: NotFound, 429: TooManyRequests}
        kind = kinds.get(response.status, RegistryError)
        raise kind(message, response.status, code)

    # -- the API ---------------------------------------------------------------------------
    def ping(self) -> bool:
        """True when a registry answers at the address (with or without wanting a login)."""
        response = self._open("GET", self.base_url + "/v2/", {})
        return response.status in (200, 401)

    def check_login(self) -> None:
        """Raise Unauthorized unless the stored user name and password are accepted now."""
        if self._basic() is None:
            raise Unauthorized("no credentials given", 401, "UNAUTHORIZED")
        self.request("GET", "/v2/")

    def catalog(self) -> list[str]:
        """Every repository the registry lists (the practice registry lists all)."""
        repositories: list[str] = []
        path = "/v2/_catalog?n=1000"
        while path:
            response = self.request("GET", path, scope="registry:catalog:*")
            repositories.extend(response.json().get("repositories") or [])
            path = _next_link(response.headers.get("link", ""))
        return repositories

    def tags(self, repository: str) -> list[str]:
        """The tags of one repository; an unknown repository raises NotFound."""
        response = self.request("GET", f"/v2/{repository}/tags/list", scope=_pull(repository))
        return sorted(response.json().get("tags") or [])

    def manifest(self, repository: str, reference: str) -> tuple[str, dict[str, Any], str]:
        """The manifest for a tag or digest: (digest, body, media type)."""
        response = self.request("GET", f"/v2/{repository}/manifests/{reference}",
                                scope=_pull(repository), accept=MANIFEST_TYPES)
        body = response.json()
        media_type = body.get("mediaType") or response.headers.get("content-type", "")
        return response.headers.get("docker-content-digest", ""), body, media_type

    def blob_json(self, repository: str, digest: str) -> dict[str, Any]:
        """A small JSON blob, such as an image config."""
        response = self.request("GET", f"/v2/{repository}/blobs/{digest}", scope=_pull(repository))
        data: dict[str, Any] = json.loads(response.body)
        return data

    def image_manifest(self, repository: str, reference: str,
                       platform: str = DEFAULT_PLATFORM) -> tuple[str, dict[str, Any], str]:
        """One image's manifest for a tag or digest, following an index to platform's image."""
        return self._platform_manifest(repository, reference, platform)[1:]

    def _platform_manifest(self, repository: str, reference: str,
                           platform: str) -> tuple[str, str, dict[str, Any], str]:
        """(index digest or "", manifest digest, manifest, media type) for the platform."""
        digest, body, media_type = self.manifest(repository, reference)
        if not is_index(body, media_type):
            return "", digest, body, media_type
        return (digest, *self.manifest(repository, pick_platform(body, platform)))

    def remote_image(self, repository: str, tag: str, platform: str = DEFAULT_PLATFORM,
                     with_tags: bool = True, with_created: bool = True) -> RemoteImage:
        """What the registry holds for repository:tag; an index is followed to platform's image.

        with_created=False leaves out the config blob (one request less): created is then None.
        """
        index_digest, digest, body, media_type = self._platform_manifest(repository, tag, platform)
        config_digest = body["config"]["digest"]
        config = self.blob_json(repository, config_digest) if with_created else {}
        layers = tuple(LayerInfo(layer["digest"], int(layer.get("size", 0)))
                       for layer in body.get("layers") or [])
        tags = tuple(self.tags(repository)) if with_tags else ()
        return RemoteImage(repository, tag, digest, config_digest, media_type, layers,
                           config.get("created"), tags, index_digest)

    def delete_manifest(self, repository: str, digest: str) -> None:
        """Delete a manifest by digest (the registry must have delete enabled)."""
        self.request("DELETE", f"/v2/{repository}/manifests/{digest}",
                     scope=f"repository:{repository}:delete,pull,push")


def _pull(repository: str) -> str:
    return f"repository:{repository}:pull"


def _next_link(link: str) -> str:
    match = re.match(r"<([^>]+)>", link)
    return match.group(1) if match else ""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _reason(error: requests.RequestException) -> str:
    """The cause that names the trouble (refused, timed out, certificate), without urllib3's wrapping."""
    cause: object = error.args[0] if error.args else error
    cause = getattr(cause, "reason", None) or cause
    return re.sub(r"^(<[^>]*>|\w+\([^)]*\)): ", "", str(cause)) or type(error).__name__


def is_attestation(entry: dict[str, Any]) -> bool:
    """True for an index entry that is no image: BuildKit's provenance/SBOM (unknown/unknown)."""
    platform = entry.get("platform") or {}
    annotations = entry.get("annotations") or {}
    return (platform.get("os"), platform.get("architecture")) == ("unknown", "unknown") or \
        annotations.get("vnd.docker.reference.type") == "attestation-manifest"


def platform_text(entry: dict[str, Any]) -> str:
    """os/architecture[/variant] of an index entry."""
    platform = entry.get("platform") or {}
    parts = [platform.get("os", "?"), platform.get("architecture", "?"), platform.get("variant")]
    return "/".join(str(part) for part in parts if part)


def pick_platform(index: dict[str, Any], platform: str = DEFAULT_PLATFORM) -> str:
    """The digest of the index's image for platform (os/arch[/variant]), never an attestation.

    An index without an image for the platform (a partial index) raises PlatformMissing naming
    what it does hold, as the engine refuses to pull it.
    """
    wanted = platform.split("/")
    images = [entry for entry in index.get("manifests") or [] if not is_attestation(entry)]
    for entry in images:
        have = platform_text(entry).split("/")
        if have[:2] == wanted[:2] and (len(wanted) < 3 or len(have) < 3 or have[2] == wanted[2]):
            return str(entry["digest"])
    listed = ", ".join(platform_text(entry) for entry in images) or "no image at all"
    raise PlatformMissing(f"no matching manifest for {platform} in the index (it holds: {listed})", 404,
                          "MANIFEST_UNKNOWN")
