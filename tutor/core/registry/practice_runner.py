"""What runs the practice registry: a process of the registry program, else a registry:2 container."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.core.registry import server as registry_server
from tutor.core.registry.practice_process import PracticeError, pid_serves, terminate, wait_port_closed
from tutor.core.registry.server import RegistryServerError, ServerConfig

if TYPE_CHECKING:
    from tutor.core.registry.container import RunningContainer

REGISTRY_IMAGE = "registry:2"  # run on the engine when no registry program is installed
STATE_FILE = "state.json"  # in the data dir: what runs, as PracticeRegistry records it


def launch(config: ServerConfig) -> dict[str, Any]:
    """Start the registry program, else the registry image; what state.json records of it."""
    binary = registry_server.find_binary()
    if binary is None:
        return _launch_container(config)
    try:
        return {"pid": registry_server.start_process(config, binary).pid}
    except RegistryServerError as error:
        log = config.log_file.read_text(errors="replace")[-600:] if config.log_file.exists() else ""
        raise PracticeError(f"{error}\n{log}".strip()) from error


def _launch_container(config: ServerConfig) -> dict[str, Any]:
    from tutor.core.registry import container as practice_container
    try:
        container = practice_container.launch(config, REGISTRY_IMAGE)
    except RegistryServerError as error:
        raise PracticeError(str(error)) from error
    if container is None:
        raise PracticeError(no_registry_message())
    return {"container": container.container_id, "engine": container.engine_url}


def container_of(state: dict[str, Any]) -> RunningContainer | None:
    """The registry container a state names, if it names one."""
    container, engine = state.get("container"), state.get("engine")
    if not (isinstance(container, str) and container and isinstance(engine, str)):
        return None
    from tutor.core.registry.container import RunningContainer

    return RunningContainer(container, engine)


def read_state(data_dir: Path) -> dict[str, Any]:
    """The data dir's state.json as PracticeRegistry wrote it, or {} when missing or unreadable."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def recorded_container(data_dir: Path) -> RunningContainer | None:
    """The registry container the data dir's state names, read only (PracticeRegistry writes it)."""
    return container_of(read_state(data_dir))


def is_alive(state: dict[str, Any], config: ServerConfig) -> bool:
    """True when the process or container that state names still serves this config."""
    container = container_of(state)
    if container is not None:
        from tutor.core.registry import container as practice_container
        return practice_container.is_running(container)
    return pid_serves(state["pid"], config.config_file)


def halt(state: dict[str, Any], config: ServerConfig) -> None:
    """Stop what state names and wait until its port is closed; a dead container is removed too."""
    container, pid = container_of(state), state.get("pid")
    if container is not None:
        from tutor.core.registry import container as practice_container
        practice_container.stop(container)
    elif isinstance(pid, int) and pid_serves(pid, config.config_file):
        terminate(pid)
    else:
        pid = None  # nothing of ours ran: whoever holds the port now is not ours to wait for
    if (container is not None or pid is not None) and not wait_port_closed(config.host, config.port):
        raise PracticeError(f"the practice registry at {config.address} did not stop; "
                            "stop it by hand (kill its process) and try again")


def no_registry_message() -> str:
    """Why nothing can be started, and how to get a registry program or image."""
    return (f"no registry program found and no '{REGISTRY_IMAGE}' image in Docker or Podman. Either "
            "install the registry program (Debian/Ubuntu: sudo apt-get install docker-registry), "
            f"or load the image where you have internet (docker pull {REGISTRY_IMAGE}; or docker "
            f"save {REGISTRY_IMAGE} on a machine that has it, then docker load here), and start again.")
