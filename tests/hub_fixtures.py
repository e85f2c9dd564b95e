"""A registry like Docker Hub or Quay, from real parts: token auth, namespaces, blobs from a "CDN".

- A small token server (this file) checks Basic credentials and signs RS256 JWTs that carry its
  certificate in the `x5c` header; a user is granted push and pull only under USER/.
- Debian's Distribution 2.8 with `auth: token` trusts that certificate and, through the
  `redirect` storage middleware, sends every blob download to a second loopback server.
- That "CDN" serves the blobs from the registry's storage and records the headers of every
  request it receives, so a test can prove that no Authorization header ever reached it.
  `rate_limited` makes the CDN and the token server answer 429 toomanyrequests, as Docker Hub does.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.conftest import missing
from tutor.core.registry import server as registry_server

SERVICE = "hub-test-registry"
ISSUER = "hub-test-token-issuer"
_TOO_MANY = {"errors": [{"code": "TOOMANYREQUESTS", "message": "toomanyrequests: You have reached your "
                         "pull rate limit. You may increase the limit by authenticating and upgrading"}]}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Signer:
    """An RSA key and its self-signed certificate: what signs the tokens and what the registry trusts."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls) -> Signer:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=2)).sign(key, hashes.SHA256()))
        return cls(key, cert)

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def token(self, subject: str, access: list[dict[str, Any]], lifetime: int) -> str:
        """A JWT as Distribution's token auth wants it: RS256, the certificate in x5c."""
        der = self.cert.public_bytes(serialization.Encoding.DER)
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode("ascii")]}
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "iat": now, "nbf": now - 10,
                  "exp": now + lifetime, "jti": secrets.token_hex(8), "access": access}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}"


@dataclass
class Recorded:
    """One request a test server received: method, path and headers (lower-case names)."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class HubState:
    """What the token server and the CDN share with the tests: accounts, switches, records."""

    signer: Signer
    storage: Path
    users: dict[str, str] = field(default_factory=dict)
    token_lifetime: int = 300
    rate_limited: bool = False
    cdn_requests: list[Recorded] = field(default_factory=list)
    token_requests: list[Recorded] = field(default_factory=list)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(self, user: str | None, scopes: list[str]) -> list[dict[str, Any]]:
        """Every requested action under the user's own namespace; nothing anywhere else."""
        granted = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind == "repository" and user is not None and name.startswith(user + "/"):
                allowed = [a for a in actions.split(",") if a in ("pull", "push", "delete", "*")]
                granted.append({"type": kind, "name": name, "actions": allowed})
        return granted


def _basic_user(header: str, users: dict[str, str]) -> str | bool | None:
    """The user a Basic header proves, None without a header, False for wrong credentials."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    ok = scheme.lower() == "basic" and user in users and secrets.compare_digest(users[user], password)
    return user if ok else False


class _Handler(BaseHTTPRequestHandler):
    state: HubState  # set on the subclass each server gets

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the records
        pass

    def _record(self) -> Recorded:
        return Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")


class _TokenHandler(_Handler):
    """GET with Basic credentials (the docker daemon, the tutor), or the OAuth2 POST form that
    containerd uses (grant_type=password or refresh_token), as Docker Hub's auth service accepts."""

    def do_GET(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        self._answer(_basic_user(self.headers.get("Authorization", ""), self.state.users),
                     query.get("scope", []), refresh=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        grant = form.get("grant_type", [""])[0]
        user: str | bool | None = False
        if grant == "password":
            name, password = form.get("username", [""])[0], form.get("password", [""])[0]
            ok = name in self.state.users and secrets.compare_digest(self.state.users[name], password)
            user = name if ok else False
        elif grant == "refresh_token":
            user = self.state.refresh_tokens.get(form.get("refresh_token", [""])[0], False)
        scopes = [scope for value in form.get("scope", []) for scope in value.split(" ")]
        self._answer(user, scopes, refresh=True)

    def _answer(self, user: str | bool | None, scopes: list[str], refresh: bool) -> None:
        state = self.state
        with state.lock:
            state.token_requests.append(self._record())
        if state.rate_limited:
            self._json(429, _TOO_MANY)
            return
        if user is False:
            self._json(401, {"details": "incorrect username or password"})
            return
        name = user if isinstance(user, str) else None
        token = state.signer.token(name or "", state.grant(name, scopes), state.token_lifetime)
        body: dict[str, Any] = {"token": token, "access_token": token, "expires_in": state.token_lifetime,
                                "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        if refresh and name is not None:
            body["refresh_token"] = secrets.token_hex(16)
            with state.lock:
                state.refresh_tokens[body["refresh_token"]] = name
        self._json(200, body)


class _CdnHandler(_Handler):
    def do_GET(self) -> None:
        state = self.state
        with state.lock:
            state.cdn_requests.append(self._record())
        if state.rate_limited:
            self._json(429, _TOO_MANY)
            return
        path = urllib.parse.urlparse(self.path).path
        blob = (state.storage / path.lstrip("/")).resolve()
        if not blob.is_relative_to(state.storage.resolve()) or not blob.is_file():
            self._json(404, {"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown"}]})
            return
        self._send(200, blob.read_bytes(), "application/octet-stream")

    do_HEAD = do_GET


# The CDN has a host of its own, as a real one has: an HTTP client that drops a credential on a
# redirect to another host keeps it when only the port differs (Go's, the engines', does).
CDN_HOST = "127.0.0.2"


def _serve(handler: type[_Handler], state: HubState, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    bound = type(handler.__name__, (handler,), {"state": state})
    server = ThreadingHTTPServer((host, 0), bound)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=handler.__name__, daemon=True).start()
    return server


@dataclass
class HubRegistry:
    """The running token server, CDN and registry, with the state tests look at and switch."""

    state: HubState
    token_server: ThreadingHTTPServer
    cdn: ThreadingHTTPServer
    port: int
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cdn_url(self) -> str:
        return f"http://{CDN_HOST}:{self.cdn.server_address[1]}"

    def new_account(self) -> tuple[str, str]:
        """A fresh (user, password): an empty namespace of its own."""
        user, password = "hub" + secrets.token_hex(4), "pw-" + secrets.token_hex(8)
        with self.state.lock:
            self.state.users[user] = password
        return user, password

    def cdn_records(self) -> list[Recorded]:
        with self.state.lock:
            return list(self.state.cdn_requests)

    def stop(self) -> None:
        registry_server.stop_process(self.process)
        for server in (self.token_server, self.cdn):
            server.shutdown()
            server.server_close()


def _config(folder: Path, port: int, realm: str, cdn_url: str, cert: Path, storage: Path) -> str:
    return (
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {storage}\n"
        "  delete:\n    enabled: true\n"
        "  redirect:\n    disable: false\n"
        "middleware:\n  storage:\n    - name: redirect\n"
        f"      options:\n        baseurl: {cdn_url}\n"
        "http:\n"
        f"  addr: 127.0.0.1:{port}\n"
        f"  secret: {secrets.token_hex(16)}\n"
        "auth:\n  token:\n"
        f"    realm: {realm}\n    service: {SERVICE}\n    issuer: {ISSUER}\n"
        f"    rootcertbundle: {cert}\n"
    )


def start_hub_registry(folder: Path) -> HubRegistry:
    """Start token server, CDN and Distribution with token auth; missing() without a registry binary."""
    binary = registry_server.find_binary()
    if binary is None:
        missing("no registry binary (apt-get install docker-registry)")
    assert binary is not None
    storage = folder / "storage"
    storage.mkdir(parents=True)
    state = HubState(Signer.create(), storage)
    cert = folder / "token-signer.pem"
    cert.write_bytes(state.signer.pem())
    token_server, cdn = _serve(_TokenHandler, state), _serve(_CdnHandler, state, CDN_HOST)
    port = registry_server.free_port()
    realm = f"http://127.0.0.1:{token_server.server_address[1]}/token"
    config = folder / "config.yml"
    config.write_text(_config(folder, port, realm, f"http://{CDN_HOST}:{cdn.server_address[1]}", cert,
                              storage))
    log = open(folder / "registry.log", "ab")  # noqa: SIM115 - the child keeps it open
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True,
                               env=registry_server.registry_env())
    log.close()
    hub = HubRegistry(state, token_server, cdn, port, process)
    try:
        registry_server.wait_ready(hub.url, process=process)
    except registry_server.RegistryServerError as error:
        hub.stop()
        missing(f"the token-auth registry did not start: {error}: {(folder / 'registry.log').read_text()}")
    return hub


@pytest.fixture(scope="session")
def hub_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubRegistry]:
    """A Docker Hub-like registry for the session: token auth, namespaces, blobs through a CDN."""
    hub = start_hub_registry(tmp_path_factory.mktemp("hub"))
    yield hub
    hub.stop()


@pytest.fixture
def hub_account(hub_registry: HubRegistry) -> Iterator[tuple[str, str]]:
    """A fresh account on the hub registry; the rate-limit switch is off again afterwards."""
    yield hub_registry.new_account()
    hub_registry.state.rate_limited = False
