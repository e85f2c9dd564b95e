"""The practice registry's web companion against the real registry and the real docker CLI."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from tests import test_practice
from tests.companion_support import board, checked_digest_start, get, row, wait_until
from tests.conftest import HELLO_IMAGE, build_image
from tests.test_practice import Practice, push_hello
from tutor.core.registry.companion import events as store
from tutor.core.registry.companion import pages
from tutor.core.registry.companion.settings import load as load_settings

practice = test_practice.practice  # the same fixtures: the CLI on the test's own data dir
running = test_practice.running
Cli = Callable[..., subprocess.CompletedProcess[str]]
TEMPLATES = Path(pages.__file__).parent / "templates"


def web(practice: Practice) -> str:
    url = practice.registry.status().web_url
    assert url, "practice start names no web address"
    return url


def login(docker_cli: Cli, practice: Practice, user: str, password: str) -> bool:
    """`docker login` with the real CLI; True when it worked."""
    ran = docker_cli("login", "-u", user, "--password-stdin", practice.address, stdin=password)
    return ran.returncode == 0


def test_status_prints_both_addresses(running: Practice) -> None:
    """`practice status` names the registry and the web pages; both answer."""
    shown = running.run("status")
    url = web(running)
    assert shown.code == 0 and running.address in shown.out and url in shown.out
    assert get(url + "/")[0] == 200 and get(url + "/board")[0] == 200


def test_a_wrong_login_a_push_the_page_and_a_pull_fill_the_row(running: Practice, docker_cli: Cli,
                                                                hello_image: str) -> None:
    """Each lab step the registry sees lands in the account's row, and a wrong password as its error."""
    user, password = running.add_user()
    url = web(running)
    assert row(url, user)["current_step"] == "login"
    wrong = docker_cli("login", "-u", user, "--password-stdin", running.address, stdin="not-" + password)
    assert wrong.returncode != 0
    wait_until("the failed login on the board", lambda: row(url, user)["last_error"] == "login_failed")
    assert "Wrong password" in get(url + "/board")[1]
    assert login(docker_cli, running, user, password)
    wait_until("the login on the board", lambda: "login" in row(url, user)["done"])  # before any push
    assert row(url, user)["current_step"] == "push"
    remote = f"{running.address}/{user}/{HELLO_IMAGE}:latest"
    try:
        assert docker_cli("tag", HELLO_IMAGE, remote).returncode == 0
        assert docker_cli("push", remote).returncode == 0
        wait_until("the push on the board", lambda: "push" in row(url, user)["done"])
        assert row(url, user)["current_step"] == "verify"
        status, page = get(f"{url}/r/{user}/{HELLO_IMAGE}")
        assert status == 200 and row(url, user)["digest"] in page
        wait_until("the page view as verified", lambda: "verify" in row(url, user)["done"])
        assert docker_cli("rmi", remote).returncode == 0
        assert docker_cli("pull", remote).returncode == 0
        wait_until("the pull on the board", lambda: "pull" in row(url, user)["done"])
    finally:
        docker_cli("rmi", remote)
    assert row(url, user)["current_step"] is None
    assert "tutor-admin" not in {item["user"] for item in board(url)["rows"]}


def test_the_repository_page_shows_what_check_json_reports(running: Practice, engine: docker.DockerClient,
                                                          hello_image: str, docker_cli: Cli) -> None:
    """Tag, digest, OS/architecture, size, layers and pull lines; the digest is check --json's."""
    user, password = running.add_user()
    assert login(docker_cli, running, user, password)
    digest = push_hello(engine, running.address, user, password)
    shown = checked_digest_start(user)
    status, page = get(f"{web(running)}/r/{user}/{HELLO_IMAGE}")
    on_page = re.findall(r'data-tag="latest">(sha256:[0-9a-f]{64})<', page)
    assert status == 200 and on_page == [digest] and on_page[0].startswith(shown)
    assert "linux/amd64" in page and ("MB" in page or "kB" in page)
    assert f"docker pull {running.address}/{user}/{HELLO_IMAGE}:latest" in page
    assert f"podman pull {running.address}/{user}/{HELLO_IMAGE}:latest" in page
    listed = get(web(running) + "/")[1]
    assert f"/r/{user}/{HELLO_IMAGE}" in listed
    assert get(f"{web(running)}/r/{user}/no-such-image")[0] == 404


def test_pages_follow_accept_language_and_lang(running: Practice) -> None:
    """German for a German browser, English when ?lang=en says so."""
    url = web(running)
    assert "Klassenübersicht" in get(url + "/board", lang="de-DE,de;q=0.9,en;q=0.5")[1]
    assert "Class board" in get(url + "/board?lang=en", lang="de-DE")[1]
    assert "Konten und Repositorys" in get(url + "/?lang=de")[1]


def test_the_stream_sends_the_new_row_after_a_push(running: Practice, engine: docker.DockerClient,
                                                   hello_image: str) -> None:
    """Server-sent events: after a push the stream carries the account's row with the push ticked."""
    user, password = running.add_user()
    seen: list[str] = []
    response = urllib.request.urlopen(web(running) + "/board/stream", timeout=30)
    assert response.headers["Content-Type"].startswith("text/event-stream")

    def read() -> None:
        # closing the response below ends this loop with whatever error the socket gives
        with contextlib.suppress(AttributeError, OSError, ValueError):
            for raw in response:
                seen.append(raw.decode("utf-8"))

    threading.Thread(target=read, daemon=True).start()
    wait_until("the first board event", lambda: any(line.startswith("event: board") for line in seen))
    push_hello(engine, running.address, user, password)
    pushed = 'data-step="push">✓'
    wait_until("the pushed row on the stream", lambda: any(f'id="row-{user}"' in line for line in seen)
               and any(pushed in line for line in seen))
    response.close()


def test_events_survive_a_killed_registry_and_companion(running: Practice, engine: docker.DockerClient,
                                                        hello_image: str) -> None:
    """kill -9 of both mid-class: start brings them back, the board keeps every event and goes on."""
    user, password = running.add_user()
    push_hello(engine, running.address, user, password, "v1")
    url = web(running)
    wait_until("the first push", lambda: "push" in row(url, user)["done"])
    before = board(url)["events"]
    state = json.loads((running.data / "state.json").read_text())
    for pid in (state["pid"], state["companion_pid"]):
        os.kill(pid, signal.SIGKILL)
        wait_until("the kill", lambda pid=pid: not Path(f"/proc/{pid}").exists()
                   or Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z")
    assert running.start().code == 0
    url = web(running)
    assert board(url)["events"] >= before and "push" in row(url, user)["done"]
    push_hello(engine, running.address, user, password, "v2")
    wait_until("the push after the restart",
               lambda: row(url, user)["tag"] == "v2")
    ids = [event.id for event in store.load(store.events_path(running.data))]
    assert len(ids) == len(set(ids))


def test_a_killed_companion_alone_comes_back_on_start(running: Practice, engine: docker.DockerClient,
                                                      hello_image: str) -> None:
    """The registry keeps running; start restarts the companion on the same ports; the board is rebuilt."""
    user, password = running.add_user()
    push_hello(engine, running.address, user, password)
    url = web(running)
    wait_until("the push", lambda: "push" in row(url, user)["done"])
    os.kill(json.loads((running.data / "state.json").read_text())["companion_pid"], signal.SIGKILL)
    wait_until("the companion gone", lambda: not running.registry.status().web_running)
    assert "NOT RUNNING" in running.run("status").out
    assert running.start().code == 0 and web(running) == url
    assert "push" in row(url, user)["done"]


def test_seed_copies_a_local_image_for_students(running: Practice, engine: docker.DockerClient,
                                                tmp_path: Path, docker_cli: Cli) -> None:
    """`practice seed IMAGE` pushes a local FROM-scratch image; a student can pull it by the printed name."""
    build_image(engine, tmp_path / "base", "tutor-seed-base:1")
    try:
        ran = running.run("seed", "tutor-seed-base:1")
        assert ran.code == 0, ran.err
        remote = f"{running.address}/tutor-seed-base:1"
        assert f"docker pull {remote}" in ran.out
        assert "tutor-seed-base" in running.registry.status().repositories
        assert f"docker pull {remote}<" in get(web(running) + "/")[1]
        user, password = running.add_user()
        assert login(docker_cli, running, user, password)
        assert docker_cli("pull", remote).returncode == 0
        docker_cli("rmi", remote)
    finally:
        engine.images.remove("tutor-seed-base:1", force=True)
    missing = running.run("seed", "no-such-image-here:1")
    assert missing.code == 1 and "not found" in missing.err and "Traceback" not in missing.err


def test_the_webhook_wants_the_token(running: Practice) -> None:
    """Only the registry (with the token from companion.json) may post events."""
    settings = load_settings(running.data)
    assert settings is not None
    request = urllib.request.Request(settings.hook_url, data=b'{"events": []}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401


def test_every_template_text_is_in_the_catalog() -> None:
    """Each t("...") in a template is marked in pages.PAGE_TEXTS (so it is extracted and translated)."""
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r't\("([^"]+)"\)', template.read_text()))
    assert used and used <= set(pages.PAGE_TEXTS)


def test_with_tls_the_pages_are_https_with_the_tutors_ca(practice: Practice) -> None:
    """--tls: the web companion serves HTTPS with the practice CA's certificate, and only that."""
    assert practice.start("--tls").code == 0
    status = practice.registry.status()
    assert status.web_url and status.web_url.startswith("https://127.0.0.1:") and status.ca_file
    trusted = ssl.create_default_context(cafile=status.ca_file)
    with urllib.request.urlopen(status.web_url + "/board", timeout=10, context=trusted) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(status.web_url + "/board", timeout=10)


def test_the_registry_view_offers_the_companions_page(running: Practice, engine: docker.DockerClient,
                                                      hello_image: str) -> None:
    """web_page (what the tutor's registry view opens with its web-page key) is the repository page."""
    user, password = running.add_user()
    push_hello(engine, running.address, user, password)
    page = running.registry.web_page(f"{user}/{HELLO_IMAGE}")
    assert page == f"{web(running)}/r/{user}/{HELLO_IMAGE}" and get(page)[0] == 200
    running.run("stop")
    assert running.registry.web_page(f"{user}/{HELLO_IMAGE}") is None


def test_a_buildkit_index_shows_each_platform_and_marks_the_attestation(
        running: Practice, modern_cli: Cli, tmp_path: Path) -> None:
    """Docker 26 + BuildKit push an index: the page shows its digest, linux/amd64, and the
    provenance entry as an attestation, not an image."""
    user, password = running.add_user()
    name = f"{running.address}/{user}/bk-app:v1"
    context = tmp_path / "bk"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\nCOPY note /note\n")
    (context / "note").write_text("hello\n")
    built = modern_cli("buildx", "build", "--provenance=mode=min", "-t", name, str(context))
    assert built.returncode == 0, built.stderr
    try:
        assert modern_cli("login", "-u", user, "--password-stdin", running.address,
                          stdin=password).returncode == 0
        pushed = modern_cli("push", name)
        assert pushed.returncode == 0, pushed.stderr
        index_digest = modern_cli("image", "inspect", "--format", "{{.Id}}", name).stdout.strip()
        status, page = get(f"{web(running)}/r/{user}/bk-app")
        assert status == 200 and f'data-tag="v1">{index_digest}<' in page
        assert '<tr class="image">' in page and "linux/amd64" in page
        assert '<tr class="attestation">' in page and "attestation (not an image)" in page
    finally:
        modern_cli("rmi", name)
