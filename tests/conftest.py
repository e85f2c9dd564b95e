"""Fixtures over real processes: the Docker daemon, a Podman service, a Distribution registry.

Nothing here mocks an engine or a registry. A missing piece skips the tests that need it,
unless TUTOR_REQUIRE_ENGINE=1 (CI), where it fails the run loudly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import pytest

from tutor.core.registry import server as registry_server
from tutor.core.registry.server import ServerConfig

# The modern Docker (containerd image store) and the Docker Hub-like token registry.
pytest_plugins = ("tests.modern_fixtures", "tests.hub_fixtures")
REQUIRE = os.environ.get("TUTOR_REQUIRE_ENGINE") == "1"
BUSYBOX = Path("/bin/busybox")
HELLO_IMAGE = "python-hello-world"
# Environment variables that point the tutor, the engines' CLIs and platformdirs at the user's
# files, and the folder each gets below a temporary home (the bench isolates itself the same way).
ISOLATED_DIRS = {
    "HOME": "",
    "DOCKER_CONFIG": ".docker",
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
    "XDG_RUNTIME_DIR": "run",
}


def missing(what: str) -> None:
    """Skip, or fail when the run requires every real part."""
    if REQUIRE:
        pytest.fail(f"TUTOR_REQUIRE_ENGINE=1 but {what}", pytrace=False)
    pytest.skip(what)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give every test its own HOME, DOCKER_CONFIG and XDG dirs: the machine's are never touched."""
    home = tmp_path_factory.mktemp("home")
    for name, sub in ISOLATED_DIRS.items():
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(path))
    (home / "run").chmod(0o700)
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(home / "run" / "containers" / "auth.json"))
    monkeypatch.delenv("DOCKERHUB_USERNAME", raising=False)
    return home


def _docker_client(base_url: str | None = None) -> docker.DockerClient | None:
    try:
        client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
        client.ping()
        return client
    except Exception:
        return None


@pytest.fixture(scope="session")
def engine() -> Iterator[docker.DockerClient]:
    """A docker SDK client on the machine's real Docker daemon."""
    client = _docker_client()
    if client is None:
        missing("no Docker daemon answers (start one: dockerd --iptables=false)")
    assert client is not None
    yield client
    client.close()


@pytest.fixture(scope="session")
def podman_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `podman system service` on a socket of our own, stopped after the session."""
    podman = shutil.which("podman")
    if podman is None:
        missing("podman is not installed (apt-get install podman)")
    folder = tmp_path_factory.mktemp("podman")
    socket = folder / "podman.sock"
    log = open(folder / "service.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([str(podman), "system", "service", "--time=0", f"unix://{socket}"],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"unix://{socket}"
    deadline = time.monotonic() + 30
    while _docker_client(url) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            missing(f"podman system service did not start: {(folder / 'service.log').read_text()}")
        time.sleep(0.1)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def podman_engine(podman_socket: str) -> Iterator[docker.DockerClient]:
    """A docker SDK client on the Podman service's Docker-compatible socket."""
    client = docker.DockerClient(base_url=podman_socket)
    yield client
    client.close()


@dataclass
class RegistryUnderTest:
    """A running Distribution registry with htpasswd accounts, for one test session."""

    config: ServerConfig
    process: subprocess.Popen[bytes]
    user: str = "student"
    password: str = field(default_factory=lambda: "pw-" + secrets.token_hex(6))

    @property
    def address(self) -> str:
        """localhost:PORT, the name engines use (Podman allows plain HTTP only for it)."""
        return self.config.address

    @property
    def url(self) -> str:
        return self.config.url

    def add_user(self, name: str, password: str) -> None:
        """Create an account; the registry reloads its htpasswd file by itself."""
        users = registry_server.read_htpasswd(self.config.htpasswd)
        users[name] = registry_server.hash_password(password)
        registry_server.write_htpasswd(self.config.htpasswd, users)

    def new_account(self) -> tuple[str, str]:
        """A fresh account, so that a test's repositories start empty."""
        name, password = "learner" + secrets.token_hex(4), "pw-" + secrets.token_hex(8)
        self.add_user(name, password)
        return name, password

    def stop(self) -> None:
        registry_server.stop_process(self.process)


def _start_registry(data_dir: Path) -> RegistryUnderTest:
    if registry_server.find_binary() is None:
        missing("no registry binary (apt-get install docker-registry)")
    config = ServerConfig(data_dir=data_dir, port=registry_server.free_port())
    registry_server.prepare(config)
    under_test = RegistryUnderTest(config, process=None)  # type: ignore[arg-type]
    under_test.add_user(under_test.user, under_test.password)
    under_test.process = registry_server.start_process(config)
    return under_test


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryUnderTest]:
    """A real registry on a free 127.0.0.1 port, temp storage, delete on, one known account."""
    under_test = _start_registry(tmp_path_factory.mktemp("registry"))
    yield under_test
    under_test.stop()


@pytest.fixture
def private_registry(tmp_path: Path) -> Iterator[RegistryUnderTest]:
    """A registry of the test's own, for tests that stop or kill it."""
    under_test = _start_registry(tmp_path / "registry")
    yield under_test
    under_test.stop()


@pytest.fixture
def account(registry: RegistryUnderTest) -> tuple[str, str]:
    """A fresh (user, password) on the session registry."""
    return registry.new_account()


def _write_context(folder: Path, layers: int, layer_bytes: int) -> None:
    if not BUSYBOX.exists():
        missing("static busybox is missing (apt-get install busybox-static)")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUSYBOX, folder / "busybox")
    lines = ["FROM scratch", "COPY busybox /bin/busybox"]
    for index in range(layers):
        (folder / f"blob{index}").write_bytes(os.urandom(layer_bytes))
        lines.append(f"COPY blob{index} /data/blob{index}")
    lines.append('CMD ["/bin/busybox", "echo", "Hello from python-hello-world!"]')
    (folder / "Dockerfile").write_text("\n".join(lines) + "\n")


def build_image(client: docker.DockerClient, folder: Path, tag: str,
                layers: int = 0, layer_bytes: int = 0) -> str:
    """Build a FROM-scratch busybox image and return its ID."""
    _write_context(folder, layers, layer_bytes)
    image, _ = client.images.build(path=str(folder), tag=tag, rm=True)
    return str(image.id)


@pytest.fixture(scope="session")
def hello_image(engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`python-hello-world` on the Docker daemon (busybox FROM scratch); returns its image ID."""
    return build_image(engine, tmp_path_factory.mktemp("hello"), HELLO_IMAGE)


@pytest.fixture(scope="session")
def podman_hello_image(podman_engine: docker.DockerClient,
                       tmp_path_factory: pytest.TempPathFactory) -> str:
    """`python-hello-world` in Podman's storage; returns its image ID."""
    return build_image(podman_engine, tmp_path_factory.mktemp("phello"), HELLO_IMAGE)


@pytest.fixture
def layered_image(engine: docker.DockerClient, tmp_path: Path) -> Iterator[str]:
    """A larger image with several layers of fresh random data, for progress tests; returns its tag.

    Fresh per test: a registry that already holds a layer mounts it instead of uploading it,
    and then no upload progress would be seen.
    """
    tag = "tutor-test-layered:" + secrets.token_hex(4)
    build_image(engine, tmp_path / "layered", tag, layers=6, layer_bytes=512 * 1024)
    yield tag
    with contextlib.suppress(docker.errors.APIError):
        engine.images.remove(tag, force=True)


def podman_push(client: docker.DockerClient, remote: str, user: str,
                password: str) -> list[dict[str, object]]:
    """Push remote:latest through Podman's compat API and return its stream.

    Podman verifies TLS even for localhost unless told not to; the tutor's gateway does the same.
    """
    api = client.api
    header = docker.auth.encode_header({"username": user, "password": password})
    response = api._post(api._url("/images/{0}/push", remote), stream=True,
                         params={"tag": "latest", "tlsVerify": "false"},
                         headers={"X-Registry-Auth": header})
    return list(api._stream_helper(response, decode=True))


@pytest.fixture
def docker_cli(isolated_home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real `docker` CLI with the test's own DOCKER_CONFIG; never through a shell."""
    binary = shutil.which("docker")
    if binary is None:
        missing("the docker CLI is not installed")

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(binary), *args], input=stdin, capture_output=True, text=True,
                              timeout=120, env=dict(os.environ))

    return run
