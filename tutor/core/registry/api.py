"""The one module that talks to a registry over its HTTP API (distribution spec v2)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from tutor.core.events import LayerInfo, RemoteImage

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


def is_index(body: dict[str, Any], media_type: str) -> bool:
    """True for an image index or manifest list: it names a manifest per platform, not layers."""
    return media_type in _INDEX_TYPES or "manifests" in body


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


@dataclass
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
        self._context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self._tokens: dict[str, tuple[str, float]] = {}

    # -- transport -------------------------------------------------------------------------
    def _open(self, method: str, url: str, headers: dict[str, str]) -> _Response:
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout, context=self._context) as r:
                return _Response(r.status, dict(r.headers.items()), r.read())
        except urllib.error.HTTPError as error:
            return _Response(error.code, dict(error.headers.items()), error.read())
        except (urllib.error.URLError, OSError, ssl.SSLError) as error:
            reason = getattr(error, "reason", error)
            raise RegistryUnreachable(f"cannot reach {self.base_url}: {reason}") from error

    def _basic(self) -> str | None:
        if self._username is None or self._password is None:
            return None
        raw = f"{self._username}:{self._password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def _token(self, params: dict[str, str], scope: str | None) -> str:
        key = scope or ""
        cached = self._cached_token(key)
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
        if scope is not None and (token := self._cached_token(scope)) is not None:
            headers["Authorization"] = "Bearer " + token
        response = self._open(method, url, headers)
        if response.status == 401:
            scheme, params = _challenge(response.headers.get("Www-Authenticate", "")
                                        or response.headers.get("WWW-Authenticate", ""))
            if scheme == "bearer" and "realm" in params:
                headers["Authorization"] = "Bearer " + self._token(params, scope or params.get("scope"))
            elif (basic := self._basic()) is not None:
                headers["Authorization"] = basic
            else:
                raise Unauthorized("the registry wants a login", 401, "UNAUTHORIZED")
            response = self._open(method, url, headers)
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
        kind = {401: Unauthorized, 403: Unauthorized, 404: NotFound}.get(response.status, RegistryError)
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
            path = _next_link(response.headers.get("Link", ""))
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
        headers = {k.lower(): v for k, v in response.headers.items()}
        media_type = body.get("mediaType") or headers.get("content-type", "")
        return headers.get("docker-content-digest", ""), body, media_type

    def blob_json(self, repository: str, digest: str) -> dict[str, Any]:
        """A small JSON blob, such as an image config."""
        response = self.request("GET", f"/v2/{repository}/blobs/{digest}", scope=_pull(repository))
        data: dict[str, Any] = json.loads(response.body)
        return data

    def image_manifest(self, repository: str, reference: str) -> tuple[str, dict[str, Any], str]:
        """One image's manifest for a tag or digest, following an index to linux/amd64."""
        digest, body, media_type = self.manifest(repository, reference)
        if is_index(body, media_type):
            return self.manifest(repository, pick_platform(body.get("manifests") or []))
        return digest, body, media_type

    def remote_image(self, repository: str, tag: str) -> RemoteImage:
        """What the registry holds for repository:tag, following an index to linux/amd64."""
        digest, body, media_type = self.image_manifest(repository, tag)
        config_digest = body["config"]["digest"]
        created = None
        with contextlib.suppress(RegistryError):
            created = self.blob_json(repository, config_digest).get("created")
        layers = tuple(LayerInfo(layer["digest"], int(layer.get("size", 0)))
                       for layer in body.get("layers") or [])
        return RemoteImage(repository, tag, digest, config_digest, media_type, layers, created,
                           tuple(self.tags(repository)))

    def delete_manifest(self, repository: str, digest: str) -> None:
        """Delete a manifest by digest (the registry must have delete enabled)."""
        self.request("DELETE", f"/v2/{repository}/manifests/{digest}",
                     scope=f"repository:{repository}:delete,pull,push")


def _pull(repository: str) -> str:
    return f"repository:{repository}:pull"


def _next_link(link: str) -> str:
    match = re.match(r"<([^>]+)>", link)
    return match.group(1) if match else ""


def pick_platform(manifests: list[dict[str, Any]]) -> str:
    """The digest of the linux/amd64 entry of an index, else its first entry."""
    for entry in manifests:
        platform = entry.get("platform") or {}
        if platform.get("os") == "linux" and platform.get("architecture") == "amd64":
            return str(entry["digest"])
    if not manifests:
        raise NotFound("the index lists no manifests", 404, "MANIFEST_UNKNOWN")
    return str(manifests[0]["digest"])
