"""The practice registry as a container: the registry image on Docker or Podman.

Used when no registry program is installed. On a Linux engine it runs on the host's network, so
it binds the practice address itself and reaches the companion's loopback webhook (inner_config);
its log goes to the engine, where the companion follows it (follow_log). The data dir is mounted
read-only at /etc/registry-tutor (config.yml, htpasswd, tls/) and its storage read-write at
/var/lib/registry. The whole folder is mounted, not the htpasswd file alone: accounts are written
by replacing the file, and a bind mount of a single file would keep showing the old one.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tutor.core.engine.gateway import Engine, EngineError, EngineUnavailable
from tutor.core.records import record
from tutor.core.registry import server as registry_server
from tutor.core.registry.server import Notify, RegistryServerError, ServerConfig

CONTAINER_DIR = Path("/etc/registry-tutor")
CONTAINER_STORAGE = Path("/var/lib/registry")
CONTAINER_PORT = 5000
LABEL = "org.registry-tutor.practice"
_READY_SECONDS = 20.0


@record
class RunningContainer:
    """A started registry container and the engine it runs on."""

    container_id: str
    engine_url: str


@contextlib.contextmanager
def connected(engine_url: str | None = None) -> Iterator[Engine]:
    """An engine connection (the one at engine_url, else the usual one), closed afterwards."""
    engine = Engine.connect("auto", base_url=engine_url)
    try:
        yield engine
    finally:
        engine.close()


def image_candidates(image: str) -> list[str]:
    """The names the registry image may have locally (Podman keeps the docker.io/library/ prefix)."""
    first = image.split("/", 1)[0]
    qualified = "/" in image and ("." in first or ":" in first or first == "localhost")
    return [image] if qualified else [image, f"docker.io/library/{image}"]


def find_image(engine: Engine, image: str) -> str | None:
    """The ID of the local registry image, or None when the engine does not have it."""
    for name in image_candidates(image):
        found = engine.image(name)
        if found is not None:
            return found.id
    return None


def container_name(data_dir: Path) -> str:
    """One container name per data dir, so a leftover container is found and replaced."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return f"registry-tutor-practice-{digest}"


def inner_config(config: ServerConfig, host_network: bool) -> ServerConfig:
    """The same registry as the container sees it, with in-container paths.

    On the host's network it binds the real address itself (loopback stays loopback) and reaches
    the companion's webhook at 127.0.0.1 as a process would. Otherwise (Docker Desktop) it binds
    all addresses at port 5000 inside its VM, the engine publishes that on config.host, and the
    webhook on this machine's loopback is reached as host.docker.internal, which Docker Desktop
    forwards there. That second path is not tested here: no Docker Desktop on the test machines.
    """
    def inside(path: Path | None) -> Path | None:
        return CONTAINER_DIR / path.relative_to(config.data_dir) if path else None

    notify = config.notify
    if host_network:
        host, port = config.host, config.port
    else:
        host, port = "0.0.0.0", CONTAINER_PORT
        if notify is not None:
            notify = Notify(notify.url.replace("//127.0.0.1:", "//host.docker.internal:", 1), notify.token)
    return ServerConfig(CONTAINER_DIR, host, port, inside(config.tls_cert), inside(config.tls_key),
                        storage=CONTAINER_STORAGE, notify=notify)


def launch(config: ServerConfig, image: str) -> RunningContainer | None:
    """Run the registry image and wait until it answers; None when no engine has the image."""
    try:
        with connected() as engine:
            image_id = find_image(engine, image)
            if image_id is None:
                return None
            return _run(engine, config, image_id)
    except EngineUnavailable:
        return None
    except EngineError as error:
        raise RegistryServerError(f"the engine could not start the registry image: {error}") from None


def _run(engine: Engine, config: ServerConfig, image_id: str) -> RunningContainer:
    registry_server.prepare(config)
    host_network = engine.shares_host_network
    config.config_file.write_text(registry_server.render_config(inner_config(config, host_network)),
                                  encoding="utf-8")
    name = container_name(config.data_dir)
    engine.stop_container(name)  # a leftover of an earlier run would hold the name
    container_id = engine.run_service(
        image_id, name, ["serve", str(CONTAINER_DIR / config.config_file.name)],
        publish=None if host_network else (config.host, config.port, CONTAINER_PORT),
        mounts={str(config.data_dir): f"{CONTAINER_DIR}:ro",
                str(config.storage_dir): str(CONTAINER_STORAGE)},
        labels={LABEL: str(config.data_dir)}, host_network=host_network,
    )
    try:
        _wait_ready(engine, config, container_id)
    except RegistryServerError:
        engine.stop_container(container_id)
        raise
    return RunningContainer(container_id, engine.info.base_url)


def _wait_ready(engine: Engine, config: ServerConfig, container_id: str) -> None:
    """Poll the published port until the registry answers; fail early when the container exits."""
    deadline = time.monotonic() + _READY_SECONDS
    while True:
        with contextlib.suppress(RegistryServerError):
            registry_server.wait_ready(config.url, timeout=0.5)
            return
        if not engine.container_running(container_id) or time.monotonic() > deadline:
            logs = engine.container_logs(container_id).strip()[-600:]
            state = "stopped at start" if not engine.container_running(container_id) else "did not answer"
            raise RegistryServerError(f"the registry container {state} ({config.url}).\n{logs}".strip())


def is_running(container: RunningContainer) -> bool:
    """True when the container runs; an engine that no longer answers counts as not running."""
    try:
        with connected(container.engine_url) as engine:
            return engine.container_running(container.container_id)
    except (EngineUnavailable, EngineError):
        return False


def follow_log(container: RunningContainer, stop_following: threading.Event,
               since_seconds: int = 0) -> Iterator[str]:
    """The container's log lines, each after the engine's RFC 3339 time and a space, from
    since_seconds on, until the container stops or stop_following is set.

    Raises EngineError when the container is gone, EngineUnavailable when its engine is.
    """
    with connected(container.engine_url) as engine:
        yield from engine.follow_logs(container.container_id, stop_following, since_seconds)


def stop(container: RunningContainer) -> None:
    """Stop and remove the container (a missing one, or a gone engine, is fine)."""
    with contextlib.suppress(EngineUnavailable), connected(container.engine_url) as engine:
        engine.stop_container(container.container_id)
