"""The engine gateway: the only module that imports docker. Docker and Podman alike.

Every Podman difference is handled here, so callers never ask which engine answered:
Podman pushes to and pulls from loopback registries only with tlsVerify=false, pulls through
its libpod endpoint (the compat pull ignores tlsVerify), reports no per-layer push progress
and ends a push with a status line instead of an `aux` digest.

Failures inside a push, pull, run or build stream, and a connection lost on the way, become a
CommandFailed event (never an exception): a stream always ends with a finished or failed event.
Turning the engine's JSON into events lives in tutor.core.engine.streams; every docker call
stays here (the import contract), which is why this file is longer than most.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import docker
import docker.auth
import docker.constants
import docker.context
import docker.errors
import docker.types
import docker.utils
import requests

from tutor.core.engine import probe
from tutor.core.engine.sockets import docker_default, listening_here, podman_sockets
from tutor.core.engine.streams import (
    EngineEvent,
    engine_event,
    familiar_name,
    familiar_value,
    progress_events,
    push_events,
    seconds_text,
    stream_error,
    text_lines,
    unavailable_message,
)
from tutor.core.events import CommandFailed, Event, OutputLine, PullFinished
from tutor.core.i18n import _
from tutor.core.records import record
from tutor.core.target import InvalidName, is_loopback, parse_reference

EngineKind = Literal["docker", "podman"]
ImageStore = Literal["classic", "containerd"]
_CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1"

_CONNECT_TIMEOUT = 10
_CALL_TIMEOUT = 60
_PORT_RETRIES = 25
# What a refused or lost connection to the engine raises: the SDK's own errors, requests', the socket's.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (docker.errors.DockerException, requests.RequestException,
                                                 OSError)
_STREAM_ERRORS: tuple[type[Exception], ...] = (*TRANSPORT_ERRORS, TypeError)


class EngineUnavailable(Exception):
    """No engine answers; the message says how to start one on this operating system."""


class EngineError(Exception):
    """The engine refused an operation; the message is the engine's own text."""


@record
class EngineInfo:
    """Which engine answered, and where."""

    kind: EngineKind
    version: str
    api_version: str
    base_url: str
    os: str = ""
    arch: str = ""


@record
class LocalImage:
    """An image in the engine's local store."""

    id: str
    tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    size: int = 0
    created: str = ""


def _context_host() -> str | None:
    """The engine address of the docker CLI's current context (`docker context use`), if any."""
    try:
        context = docker.context.ContextAPI.get_current_context()
    except (docker.errors.DockerException, OSError, ValueError, KeyError):
        return None
    host = getattr(context, "Host", None) if context is not None else None
    return str(host) if host and getattr(context, "Name", "default") != "default" else None


def candidate_urls(kind: str, base_url: str | None) -> list[str]:
    """The addresses to try, in order, for the requested engine kind."""
    if base_url:
        return [base_url]
    docker_host = os.environ.get("DOCKER_HOST") or _context_host()
    docker_urls = [docker_host] if docker_host else []
    docker_urls.append(docker_default())
    if kind == "docker":
        return docker_urls
    if kind == "podman":
        hosts = [os.environ.get("CONTAINER_HOST"), os.environ.get("DOCKER_HOST")]
        return list(dict.fromkeys([host for host in hosts if host] + podman_sockets()))
    return list(dict.fromkeys(docker_urls + podman_sockets()))


def _may_start_podman(base_url: str | None) -> bool:
    """Start Podman's service only where no address was named (an address named is the user's choice)."""
    from tutor.core.engine import podman_service  # only when no engine answers, as in _own_podman

    named = base_url or os.environ.get("CONTAINER_HOST") or os.environ.get("DOCKER_HOST")
    return not named and podman_service.can_start()


def _detect_kind(version: dict[str, Any]) -> EngineKind:
    components = version.get("Components") or []
    names = {str(component.get("Name", "")) for component in components}
    return "podman" if any("Podman" in name for name in names) else "docker"


def _client_options(url: str) -> dict[str, Any]:
    """SDK client options; DOCKER_HOST brings its TLS settings (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)."""
    options: dict[str, Any] = {"base_url": url, "timeout": _CONNECT_TIMEOUT}
    if url == os.environ.get("DOCKER_HOST"):
        options.update(docker.utils.kwargs_from_env())
    return options


def _server_version(url: str) -> dict[str, Any]:
    """The engine's /version: which API version to speak and which engine it is, in one request
    (the SDK's version="auto" asks for it before the client exists, and keeps only the number)."""
    probe = docker.APIClient(**_client_options(url), version=docker.constants.MINIMUM_DOCKER_API_VERSION)
    _skip_environment(probe, url)
    try:
        version: dict[str, Any] = probe.version(api_version=False)
    finally:
        probe.close()
    return version


def _skip_environment(api: docker.APIClient, url: str) -> None:
    """On a Unix socket, requests' look-ups on every call (proxy variables, ~/.netrc) mean nothing
    (the SDK's socket adapter ignores proxies): skip them."""
    if url.startswith("unix://"):
        api.trust_env = False


def _is_dead_socket(url: str) -> bool:
    return url.startswith("unix://") and not listening_here(url)


def _auth_header(username: str | None, password: str | None) -> dict[str, str]:
    # Like the docker CLI, always send a header: Docker refuses a push without one.
    config = {"username": username, "password": password or ""} if username else {}
    return {"X-Registry-Auth": docker.auth.encode_header(config)}


def _tls_flag(registry: str, tls_verify: bool | None) -> str:
    verify = not is_loopback(registry) if tls_verify is None else tls_verify
    return "true" if verify else "false"


def _split_reference(reference: str) -> tuple[str, str, str]:
    """(registry, repository as written, tag) of a reference; the tag defaults to latest."""
    parsed = parse_reference(reference)
    name = reference.split("@")[0]
    repository = name.rsplit(":", 1)[0] if parsed.tag else name
    return parsed.registry, repository, parsed.tag or "latest"


class Engine:
    """A connection to one Docker or Podman engine."""

    info: EngineInfo

    def __init__(self, client: docker.DockerClient, info: EngineInfo) -> None:
        self.client = client
        self.info = info
        self.notice: str | None = None  # one line for the learner: what connecting started
        self._image_store: ImageStore | None = None

    @classmethod
    def connect(cls, kind: Literal["auto", "docker", "podman"] = "auto",
                base_url: str | None = None) -> Engine:
        """Connect (auto: DOCKER_HOST or the docker context, Docker's socket, then Podman's).

        Raise EngineUnavailable, saying what was tried and how to start an engine.
        """
        tried: list[str] = []
        other: Engine | None = None
        for url in candidate_urls(kind, base_url):
            engine = cls._try(url)
            if isinstance(engine, str):
                tried.append(f"{url} ({engine})")
            elif kind != "auto" and engine.kind != kind:
                tried.append(f"{url} (that is {engine.kind})")
                other = other or engine
            else:
                return engine
        if kind != "docker" and _may_start_podman(base_url):
            started = cls._own_podman(tried)
            if started is not None:
                return started
        message = unavailable_message(kind, tried)
        if other is not None:
            other.close()
            wrong = _("{url} is {found}, not {kind}. Use --engine {found}, or start {kind}.").format(
                url=other.info.base_url, found=other.kind, kind=kind)
            message = f"{wrong}\n{message}"
        raise EngineUnavailable(message)

    @classmethod
    def _own_podman(cls, tried: list[str]) -> Engine | None:
        """Podman's API service, started by the tutor since none answers (see podman_service)."""
        from tutor.core.engine import podman_service  # an engine that answers never needs it

        try:
            service, fresh = podman_service.start_for_tutor()
        except (podman_service.PodmanServiceError, OSError) as error:
            tried.append(f"podman system service ({error})")
            return None
        engine = cls._try(service.url)
        if isinstance(engine, str):
            tried.append(f"{service.url} ({engine})")
            return None
        engine.notice = podman_service.started_notice(service) if fresh else None
        return engine

    @classmethod
    def _try(cls, url: str) -> Engine | str:
        """An engine answering at url, or why none does."""
        if _is_dead_socket(url):
            return "no such socket"
        try:
            version = probe.take(url) or _server_version(url)
            client = docker.DockerClient(**_client_options(url), version=str(version["ApiVersion"]))
        except TRANSPORT_ERRORS as error:
            return "permission denied" if "Permission denied" in str(error) else "nothing answers"
        except KeyError:
            return "nothing answers"
        client.api.timeout = _CALL_TIMEOUT  # push and pull streams pass their own: none
        _skip_environment(client.api, url)
        info = EngineInfo(_detect_kind(version), str(version.get("Version", "")),
                          str(version.get("ApiVersion", "")), url,
                          str(version.get("Os", "")), str(version.get("Arch", "")))
        return cls(client, info)

    @property
    def kind(self) -> EngineKind:
        """docker or podman: which engine answered."""
        return self.info.kind

    @property
    def platform(self) -> str:
        """os/architecture the engine pulls and runs images for (linux/amd64)."""
        return f"{self.info.os or 'linux'}/{self.info.arch or 'amd64'}"

    @property
    def image_store(self) -> ImageStore:
        """How the engine names images: "classic" (ID = config digest; Podman too) or "containerd"
        (Docker with the containerd snapshotter: ID = the digest of the manifest or index)."""
        if self._image_store is None:
            status = self._call(self.client.info).get("DriverStatus") or [] if self.kind == "docker" else []
            containerd = any(list(pair)[-1:] == [_CONTAINERD_SNAPSHOTTER] for pair in status)
            self._image_store = "containerd" if containerd else "classic"
        return self._image_store

    @property
    def api(self) -> Any:
        """The low-level API client (docker.APIClient)."""
        return self.client.api

    def ping(self) -> bool:
        """True when the engine still answers."""
        try:
            return bool(self.api.ping())
        except TRANSPORT_ERRORS:
            return False

    def image(self, reference: str) -> LocalImage | None:
        """The local image a name or ID refers to, or None."""
        attrs = self._inspected(reference)
        return _local_image(attrs) if attrs is not None else None

    def _inspected(self, reference: str) -> dict[str, Any] | None:
        try:
            attrs: dict[str, Any] = self._call(self.api.inspect_image, reference)
        except EngineError as error:
            if "No such image" in str(error) or "image not known" in str(error):
                return None
            raise
        return attrs

    def image_layers(self, reference: str) -> tuple[str, ...] | None:
        """The layer (diff) IDs of a local image, base first, or None when there is no such image."""
        attrs = self._inspected(reference)
        if attrs is None:
            return None
        return tuple(str(layer) for layer in (attrs.get("RootFS") or {}).get("Layers") or ())

    def images(self) -> list[LocalImage]:
        """Every local image."""
        return [_local_image(attrs) for attrs in self._call(self.api.images)]

    def tag(self, source: str, target: str) -> None:
        """Give the source image another name; raise EngineError with the engine's text."""
        try:
            _registry, repository, tag = _split_reference(target)
        except InvalidName as error:
            raise EngineError(f"invalid reference format: {error}") from None
        self._call(self.api.tag, source, repository, tag)

    def remove(self, reference: str) -> list[str]:
        """Remove a name (untag, or delete when last); returns the engine's lines."""
        result = self._call(self.api.remove_image, reference) or []
        lines = [f"{key}: {familiar_value(str(value))}" for item in result for key, value in item.items()]
        return sorted(lines, key=lambda line: not line.startswith("Untagged"))  # Podman lists Deleted first

    def login(self, registry: str, username: str, password: str) -> str:
        """Check a login with the registry through the engine (never cached); raise EngineError.

        Nothing is stored. Podman 4 verifies TLS here for every address except localhost[:PORT],
        so a plain-HTTP registry at 127.0.0.1 fails with "HTTP response to HTTPS client".
        """
        result = self._call(self.client.login, username, password, registry=registry, reauth=True)
        return str(result.get("Status") or "Login Succeeded")

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the engine; its refusals become EngineError, a lost connection EngineUnavailable."""
        try:
            return method(*args, **kwargs)
        except docker.errors.APIError as error:
            raise EngineError(_api_text(error)) from None
        except (docker.errors.DockerException, requests.ConnectionError, OSError) as error:
            raise EngineUnavailable(self._lost_message(error)) from None

    def _lost_message(self, error: BaseException) -> str:
        lost = _("Cannot connect to the {kind} engine at {url}. Is it still running? ({error})").format(
            kind=self.kind, url=self.info.base_url, error=error)
        return lost + "\n" + unavailable_message(self.kind, [self.info.base_url])

    def push(self, reference: str, username: str | None, password: str | None,
             tls_verify: bool | None = None) -> Iterator[Event]:
        """Push, streaming LayerProgressed, OutputLine, then PushFinished or CommandFailed.

        tls_verify (Podman only; Docker follows its daemon.json): None verifies TLS except for
        loopback registries, as `podman push` must be told with --tls-verify=false.
        """
        try:
            registry, repository, tag = _split_reference(reference)
        except InvalidName as error:
            yield CommandFailed(f"invalid reference format: {error}")
            return
        params = {"tag": tag}
        if self.kind == "podman":
            params["tlsVerify"] = _tls_flag(registry, tls_verify)
        url = self.api._url("/images/{0}/push", repository)
        chunks = self._stream(url, params, _auth_header(username, password))
        yield from push_events(f"{repository}:{tag}", chunks)

    def pull(self, reference: str, username: str | None, password: str | None,
             tls_verify: bool | None = None) -> Iterator[Event]:
        """Pull, streaming LayerProgressed, OutputLine, then PullFinished or CommandFailed.

        tls_verify as for push. Podman pulls through libpod: its compat pull ignores tlsVerify.
        """
        try:
            registry, repository, tag = _split_reference(reference)
        except InvalidName as error:
            yield CommandFailed(f"invalid reference format: {error}")
            return
        digest = parse_reference(reference).digest
        version = f"@{digest}" if digest else f":{tag}"  # a pull by digest names no tag
        full = f"{repository}{version}"
        headers = _auth_header(username, password)
        if self.kind == "podman":
            # libpod cannot resolve short names without a terminal: always name the registry.
            qualified = f"{registry}/{parse_reference(full).path}{version}"
            params = {"reference": qualified, "tlsVerify": _tls_flag(registry, tls_verify)}
            url = self.api._url("/libpod/images/pull")
        else:
            url = self.api._url("/images/create")
            params = {"fromImage": repository, "tag": digest or tag}
        yield from self._finish_pull(full, self._stream(url, params, headers))

    def _stream(self, url: str, params: dict[str, str],
                headers: dict[str, str]) -> Iterator[dict[str, Any]]:
        """POST and decode a JSON stream; HTTP and connection failures become an error chunk.

        Closing the iterator early closes the HTTP response, which makes the engine stop the transfer.
        """
        response = None
        try:
            # No read timeout: Podman stays silent until a whole push is done.
            response = self.api._post(url, params=params, headers=headers, stream=True, timeout=None)
            self.api._raise_for_status(response)
            yield from self.api._stream_helper(response, decode=True)
        except docker.errors.APIError as error:
            yield {"error": _api_text(error)}
        except TRANSPORT_ERRORS as error:
            yield {"error": self._lost_message(error)}
        except ValueError as error:  # a JSON line cut short
            yield {"error": _("the {kind} engine sent an unreadable answer ({error}); try again").format(
                kind=self.kind, error=error)}
        finally:
            if response is not None:
                response.close()

    def _finish_pull(self, reference: str, chunks: Iterator[dict[str, Any]]) -> Iterator[Event]:
        digest = None
        for chunk in chunks:
            error = stream_error(chunk)
            if error:
                yield CommandFailed(error)
                return
            status = str(chunk.get("status") or "")
            if status.startswith("Digest: "):
                digest = status[len("Digest: "):].strip()
            yield from progress_events(chunk)
        yield from self._pulled(reference, digest)

    def _pulled(self, reference: str, digest: str | None) -> Iterator[Event]:
        try:
            image = self.image(reference)
        except (EngineError, EngineUnavailable) as error:
            yield CommandFailed(str(error))
            return
        if image is None:
            yield CommandFailed(_("the pull ended but {reference} is not in the local images").format(
                reference=reference))
            return
        if digest is None:
            digest = _digest_for(image, reference)
        yield PullFinished(reference, digest, image.id)

    def run(self, reference: str) -> Iterator[Event]:
        """`run --rm IMAGE`: the container's output as OutputLine events."""
        try:
            container = self._started(reference)
        except docker.errors.ImageNotFound:
            yield CommandFailed(f"Unable to find image '{reference}' locally")
            return
        except docker.errors.APIError as error:
            yield CommandFailed(_api_text(error))
            return
        except TRANSPORT_ERRORS as error:
            yield CommandFailed(self._lost_message(error))
            return
        yield from self._run_container(container)

    def _started(self, reference: str, limited: bool = False) -> Any:
        """A started container; Podman retries with modest ulimits where it may not raise them."""
        options: dict[str, Any] = {"network_mode": "none"}
        if limited:
            options["ulimits"] = [docker.types.Ulimit(name=name, soft=1024, hard=1024)
                                  for name in ("nofile", "nproc")]
        container = self.client.containers.create(reference, **options)
        try:
            container.start()
        except docker.errors.APIError as error:
            with contextlib.suppress(*TRANSPORT_ERRORS):
                container.remove(force=True)
            # Rootful Podman inside a restricted container cannot raise its default rlimits.
            if self.kind == "podman" and not limited and "error setting rlimit" in _api_text(error):
                return self._started(reference, limited=True)
            raise
        return container

    def _run_container(self, container: Any) -> Iterator[Event]:
        try:
            for line in text_lines(container.logs(stream=True, follow=True)):
                yield OutputLine(line)
            code = int(container.wait().get("StatusCode", 0))
            if code != 0:
                yield CommandFailed(_("the container exited with status {code}").format(code=code))
        except docker.errors.APIError as error:
            yield CommandFailed(_api_text(error))
        except TRANSPORT_ERRORS as error:
            yield CommandFailed(self._lost_message(error))
        finally:
            with contextlib.suppress(*TRANSPORT_ERRORS):
                container.remove(force=True)

    def run_service(self, image: str, name: str, command: list[str], publish: tuple[str, int, int] | None,
                    mounts: dict[str, str], labels: dict[str, str] | None = None,
                    environment: dict[str, str] | None = None, host_network: bool = False) -> str:
        """Start a long-running container in the background and return its ID; raise EngineError.

        publish is (host_ip, host_port, container_port), TCP, or None with host_network: then the
        container shares the host's network (`--network host`) and binds its addresses itself.
        mounts maps host paths to container paths; a container path ending in ':ro' is mounted
        read-only. No restart policy: a service that dies stays dead, so its owner notices.
        """
        options: dict[str, Any] = {
            "name": name, "command": command, "labels": labels or {},
            "environment": environment or {}, "restart_policy": {"Name": "no"},
            "mounts": [_bind_mount(source, target) for source, target in mounts.items()],
        }
        if host_network:
            options["network_mode"] = "host"
        if publish is not None:
            host_ip, host_port, container_port = publish
            options["ports"] = {f"{container_port}/tcp": (host_ip, host_port)}
        user = self._service_user()
        if user:
            options["user"] = user
        return str(self._call(self._service_started, image, options))

    def _service_user(self) -> str | None:
        """uid:gid of the caller on a rootful Docker, so files the service writes stay the caller's.

        Rootless engines (and Podman, rootless or run by root) already map the container's root
        to the caller; there a numeric user would be a stranger to its own files.
        """
        if self.kind != "docker" or not hasattr(os, "getuid") or os.getuid() == 0:
            return None
        options = self._call(self.client.info).get("SecurityOptions") or []
        if any("rootless" in str(option) for option in options):
            return None
        return f"{os.getuid()}:{os.getgid()}"

    def _service_started(self, image: str, options: dict[str, Any], limited: bool = False) -> str:
        if limited:
            options = {**options, "ulimits": [docker.types.Ulimit(name=name, soft=1024, hard=1024)
                                              for name in ("nofile", "nproc")]}
        container = self.client.containers.create(image, **options)
        try:
            container.start()
        except docker.errors.APIError as error:
            with contextlib.suppress(*TRANSPORT_ERRORS):
                container.remove(force=True, v=True)
            # As for run: rootful Podman in a restricted container cannot raise its default rlimits.
            if self.kind == "podman" and not limited and "error setting rlimit" in _api_text(error):
                return self._service_limited(image, options)
            raise
        return str(container.id)

    def _service_limited(self, image: str, options: dict[str, Any]) -> str:
        """Start with modest ulimits; Podman may hold the failed try's port for a moment."""
        for _attempt in range(_PORT_RETRIES):
            try:
                return self._service_started(image, options, limited=True)
            except docker.errors.APIError as error:
                if "address already in use" not in _api_text(error):
                    raise
                time.sleep(0.2)
        return self._service_started(image, options, limited=True)

    def container_running(self, container_id: str) -> bool:
        """True when the container exists and runs (not exited, not paused)."""
        try:
            attrs = self._call(self.api.inspect_container, container_id)
        except EngineError as error:
            if _no_such_container(error):
                return False
            raise
        state = attrs.get("State") or {}
        return bool(state.get("Running")) and not state.get("Paused")

    @property
    def shares_host_network(self) -> bool:
        """True when a host-network container shares this machine's own network (its loopback too).

        So it is for Docker Engine and Podman on Linux. Docker Desktop (on any system) and the
        engines of macOS and Windows run containers in a virtual machine, whose host network is
        the VM's, not this machine's.
        """
        if not sys.platform.startswith("linux"):
            return False
        system = str(self._call(self.client.info).get("OperatingSystem") or "")
        return "Docker Desktop" not in system

    def follow_logs(self, container_id: str, stop: threading.Event, since_seconds: int = 0) -> Iterator[str]:
        """Block, yielding the container's output lines (stdout and stderr) from since_seconds on,
        each after the engine's RFC 3339 time and a space, until the container stops or stop is set.

        Raises EngineError when there is no such container, EngineUnavailable when the engine is gone.
        """
        since = since_seconds if since_seconds > 0 else None
        stream = self._call(self.api.logs, container_id, stream=True, follow=True, timestamps=True,
                            since=since)
        with _closed_when_set(stop, stream):
            for line in text_lines(_until_broken(stream)):
                if stop.is_set():
                    return
                yield line

    def container_logs(self, container_id: str, tail: int = 20) -> str:
        """The last lines a container wrote (empty when it is gone), for error messages."""
        try:
            raw = self._call(self.api.logs, container_id, tail=tail)
        except EngineError as error:
            if _no_such_container(error):
                return ""
            raise
        return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)

    def stop_container(self, container_id: str, timeout: int = 5) -> None:
        """Stop the container and remove it with its anonymous volumes; a missing one is fine."""
        for step in (lambda: self.api.stop(container_id, timeout=timeout),
                     lambda: self.api.remove_container(container_id, v=True, force=True)):
            try:
                self._call(step)
            except EngineError as error:
                if not (_no_such_container(error) or "already in progress" in str(error)):
                    raise

    def build(self, context_dir: str, tag: str, dockerfile: str | None = None) -> Iterator[Event]:
        """Build an image from a folder (its Dockerfile, or DOCKERFILE inside it), streaming the output."""
        try:
            chunks = self.api.build(path=context_dir, tag=tag, rm=True, decode=True, dockerfile=dockerfile)
            for chunk in chunks:
                error = stream_error(chunk)
                if error:
                    yield CommandFailed(error)
                    return
                yield from progress_events(chunk)
        except docker.errors.APIError as error:
            yield CommandFailed(_api_text(error))
        except _STREAM_ERRORS as error:  # a chunk of an unexpected shape is a TypeError
            yield CommandFailed(str(error))

    def image_events(self, since_nano: int, until_nano: int,
                     names: tuple[str, ...] = ()) -> list[EngineEvent]:
        """Image events recorded between two times (for the pull check); with names, Docker sends only
        those of these repositories (a busy engine's week of events takes longer to read than a check)."""
        try:
            raw = list(self._recorded_events(since_nano, until_nano, names))
        except docker.errors.APIError as error:
            raise EngineError(_api_text(error)) from None
        except TRANSPORT_ERRORS as error:
            raise EngineUnavailable(self._lost_message(error)) from None
        events = [event for event in map(engine_event, raw) if event is not None]
        return sorted((event for event in events if since_nano <= event.time_nano <= until_nano),
                      key=lambda event: event.time_nano)

    def _recorded_events(self, since_nano: int, until_nano: int,
                         names: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
        if self.kind == "docker":
            filters: dict[str, Any] = {"type": "image", **({"image": list(names)} if names else {})}
            return self.api.events(since=seconds_text(since_nano), until=seconds_text(until_nano),
                                   filters=filters, decode=True)
        # Podman takes only whole seconds and waits for an `until` in the future; stream=false
        # answers at once with everything so far, and the caller cuts by timeNano.
        params = {"since": str(since_nano // 1_000_000_000), "stream": "false"}
        response = self.api._get(self.api._url("/events"), params=params, stream=True, timeout=None)
        self.api._raise_for_status(response)
        return iter(self.api._stream_helper(response, decode=True))

    def _image_filter(self) -> dict[str, str] | None:
        # Podman 4's compat endpoint returns nothing for type=image; engine_event filters instead.
        return {"type": "image"} if self.kind == "docker" else None

    def watch(self, stop: threading.Event, since_nano: int | None = None) -> Iterator[EngineEvent]:
        """Block, yielding image events as they happen, until stop is set.

        With since_nano, events from that time on come first, so nothing between a caller's
        last look and the stream's start is lost. Raises EngineUnavailable if the engine goes.
        """
        since = None
        if since_nano is not None:
            since = seconds_text(since_nano) if self.kind == "docker" else since_nano // 1_000_000_000
        stream = self._call(self.api.events, since=since, filters=self._image_filter(), decode=True)
        with _closed_when_set(stop, stream):
            for raw in _until_broken(stream):
                event = engine_event(raw)
                if event is not None and event.time_nano >= (since_nano or 0) and not stop.is_set():
                    yield event
            if not stop.is_set():
                raise EngineUnavailable(self._lost_message(OSError("the event stream ended")))

    def close(self) -> None:
        """Release the connection."""
        self.client.close()


def _api_text(error: docker.errors.APIError) -> str:
    explanation = error.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return str(explanation or error).strip()


def _no_such_container(error: EngineError) -> bool:
    return "no such container" in str(error).lower()


def _bind_mount(source: str, target: str) -> docker.types.Mount:
    read_only = target.endswith(":ro")
    return docker.types.Mount(target.removesuffix(":ro"), str(Path(source).resolve()), type="bind",
                              read_only=read_only)


def _local_image(attrs: dict[str, Any]) -> LocalImage:
    tags = tuple(familiar_name(tag) for tag in attrs.get("RepoTags") or () if tag != "<none>:<none>")
    digests = tuple(familiar_name(digest) for digest in attrs.get("RepoDigests") or ())
    return LocalImage(str(attrs.get("Id", "")), tags, digests,
                      int(attrs.get("Size") or 0), str(attrs.get("Created") or ""))


def _digest_for(image: LocalImage, reference: str) -> str | None:
    """The one manifest digest the engine records for reference's repository, else None.

    Podman attaches every digest an image ever had to every name it carries, so several digests
    under one name say nothing about which one a registry served: then the answer is None and
    whoever needs the digest asks the registry.
    """
    repository = reference.rsplit(":", 1)[0]
    found = set()
    for repo_digest in image.repo_digests:
        name, _at, digest = repo_digest.partition("@")
        if name == repository or name.endswith("/" + repository):
            found.add(digest)
    return found.pop() if len(found) == 1 else None


@contextlib.contextmanager
def _closed_when_set(stop: threading.Event, stream: Any) -> Iterator[None]:
    """Close an engine stream (events, logs) from another thread as soon as stop is set, which
    ends a read that blocks in it; the closer ends with the block."""
    finished = threading.Event()

    def close_when_stopped() -> None:
        while not stop.wait(0.05) and not finished.is_set():
            pass
        with contextlib.suppress(OSError, AttributeError, docker.errors.DockerException):
            stream.close()

    closer = threading.Thread(target=close_when_stopped, name="engine-stream", daemon=True)
    closer.start()
    try:
        yield
    finally:
        finished.set()
        closer.join(timeout=2)


def _until_broken(stream: Iterator[Any]) -> Iterator[Any]:
    """The stream's items until it ends or its connection breaks (a closed stream ends quietly)."""
    with contextlib.suppress(requests.RequestException, OSError, ValueError):
        yield from stream


