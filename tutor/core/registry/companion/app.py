"""The companion's web server (aiohttp): pages for people, a webhook for the registry, live updates."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import ssl
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from tutor.core.records import asdict
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import NotFound, RegistryClient, RegistryError
from tutor.core.registry.companion import events as store
from tutor.core.registry.companion import pages
from tutor.core.registry.companion.container_log import CURSOR_FILE, ContainerLog
from tutor.core.registry.companion.progress import ClassRow, class_rows
from tutor.core.registry.companion.repository import read_repository
from tutor.core.registry.companion.settings import CompanionSettings
from tutor.core.registry.companion.sources import LogFollower, from_envelope, from_log_line, host_of
from tutor.core.registry.companion.words import pick_language
from tutor.core.registry.practice_accounts import ADMIN_USER, Accounts

POLL_SECONDS = 0.1  # how often the log and the events file are read: well within a second
REFRESH_SECONDS = 5.0  # the board is sent again now and then so "stuck for" keeps counting
_TEMPLATES = Path(__file__).parent / "templates"


class Companion:
    """The companion's state: the events seen so far and the browsers listening for changes."""

    def __init__(self, data_dir: Path, settings: CompanionSettings) -> None:
        self.data_dir = data_dir
        self.settings = settings
        self.events_file = store.events_path(data_dir)
        self.events_file.parent.mkdir(parents=True, exist_ok=True)
        self.reader = store.EventReader(self.events_file)
        self.events: list[store.Event] = []
        self.follower = LogFollower(registry_server.ServerConfig(data_dir).log_file,
                                    self.events_file.parent / "log-cursor.json")
        self.container_log = ContainerLog(data_dir, self.events_file.parent / CURSOR_FILE)
        self.listeners: set[asyncio.Queue[None]] = set()
        self.accounts = Accounts(data_dir)
        self.jinja = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES),
                                        autoescape=jinja2.select_autoescape(["html"]))

    # -- events ----------------------------------------------------------------------------
    def poll(self) -> bool:
        """Read new log lines into events, then new events from the file; True when any came.

        The file is read first: a companion killed after it wrote a line's event but before it
        saved the log position reads that line again, and the event's id (the registry's request
        id) is then already known, so the event is not written twice.
        """
        new = self.reader.read_new()
        lines = self.follower.read_new()
        if lines:
            events = [event for line in lines if (event := from_log_line(line))]
            store.append(self.events_file, [event for event in events if event.id not in self.reader.seen])
            self.follower.save()
            new += self.reader.read_new()
        self.events.extend(new)
        return bool(new)

    def announce(self) -> None:
        """Wake every browser that follows the board."""
        for queue in self.listeners:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    def rows(self) -> list[ClassRow]:
        """The board's rows now."""
        return class_rows(self.events, self.accounts.users())

    def client(self) -> RegistryClient:
        """The registry's API as the tutor's hidden admin account."""
        password = self.accounts.admin_file.read_text().strip()
        return RegistryClient(self.settings.registry_url, ADMIN_USER, password,
                              ca_file=self.settings.ca_file)

    def last_pushes(self, repository: str) -> dict[str, str]:
        """Tag -> when it was last pushed, from the events."""
        return {event.tag: event.time for event in self.events
                if event.kind == "push" and event.repository == repository and event.tag}

    def render(self, name: str, lang: str, **values: Any) -> str:
        """A template in lang, with the page helpers."""
        return self.jinja.get_template(name).render(**pages.context(self.settings, lang), **values)


COMPANION: web.AppKey[Companion] = web.AppKey("companion", Companion)


def _lang(request: web.Request) -> str:
    companion = request.app[COMPANION]
    return pick_language(request.query.get("lang"), request.headers.get("Accept-Language"),
                         companion.settings.lang)


def _catalog(client: RegistryClient, users: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Every repository, and the tags of those no account owns (seeded base images)."""
    catalog = client.catalog()
    others: dict[str, list[str]] = {}
    for repo in catalog:
        if not any(repo.startswith(user + "/") for user in users):
            with contextlib.suppress(NotFound):
                others[repo] = client.tags(repo)
    return catalog, others


async def index(request: web.Request) -> web.Response:
    """The accounts and their repositories."""
    companion = request.app[COMPANION]
    users = companion.accounts.users()
    try:
        catalog, others = await asyncio.to_thread(_catalog, companion.client(), users)
        problem = None
    except (RegistryError, OSError) as error:
        catalog, others, problem = [], {}, str(error)
    owned = {user: [repo for repo in catalog if repo.startswith(user + "/")] for user in users}
    html = companion.render("index.html", _lang(request), owned=owned, others=others, problem=problem)
    return web.Response(text=html, content_type="text/html")


async def repository(request: web.Request) -> web.Response:
    """The page of USER/IMAGE, like Docker Hub's; opening it counts as that account's verify step."""
    companion = request.app[COMPANION]
    user, image = request.match_info["user"], request.match_info["image"]
    name = f"{user}/{image}"
    lang = _lang(request)
    try:
        page = await asyncio.to_thread(read_repository, companion.client(), name, companion.last_pushes(name))
    except NotFound:
        html = companion.render("missing.html", lang, repository=name)
        return web.Response(text=html, content_type="text/html", status=404)
    except (RegistryError, OSError) as error:
        html = companion.render("missing.html", lang, repository=name, problem=str(error))
        return web.Response(text=html, content_type="text/html", status=502)
    if page.tags:
        store.append(companion.events_file, [store.Event(store.new_id(), "viewed", store.now_iso(), user=user,
                                                         addr=host_of(request.remote), repository=name)])
    html = companion.render("repository.html", lang, page=page)
    return web.Response(text=html, content_type="text/html")


async def board(request: web.Request) -> web.Response:
    """The class board for the projector."""
    companion = request.app[COMPANION]
    lang = _lang(request)
    html = companion.render("board.html", lang, rows=companion.rows(), events=len(companion.events))
    return web.Response(text=html, content_type="text/html")


async def board_json(request: web.Request) -> web.Response:
    """The board's rows as JSON (the same rows as the page and `practice board`)."""
    companion = request.app[COMPANION]
    rows = [{**asdict(row), "current_step": row.current_step, "since": row.since}
            for row in companion.rows()]
    return web.json_response({"events": len(companion.events), "rows": rows})


async def board_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the board's rows again whenever an event arrives."""
    companion = request.app[COMPANION]
    lang = _lang(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
    companion.listeners.add(queue)
    try:
        while True:
            fragment = companion.render("board_rows.html", lang, rows=companion.rows(),
                                        events=len(companion.events))
            data = "".join(f"data: {line}\n" for line in fragment.splitlines())
            await response.write(f"event: board\n{data}\n".encode())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(queue.get(), REFRESH_SECONDS)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        companion.listeners.discard(queue)
    return response


async def style(request: web.Request) -> web.FileResponse:
    """The pages' one style sheet."""
    return web.FileResponse(_TEMPLATES / "style.css")


async def healthy(request: web.Request) -> web.Response:
    """Readiness for `practice start`."""
    return web.Response(text="ok")


async def notified(request: web.Request) -> web.Response:
    """The registry's notifications webhook: keep its push and pull events."""
    companion = request.app[COMPANION]
    expected = f"Bearer {companion.settings.token}"
    if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
        return web.Response(status=401)
    try:
        envelope = json.loads(await request.read())
    except ValueError:
        return web.Response(status=400, text="not JSON")
    store.append(companion.events_file, from_envelope(envelope))
    return web.Response(text="ok")


async def _follow(companion: Companion) -> None:
    while True:
        try:
            if companion.poll():
                companion.announce()
        except OSError as error:  # a full disk or a vanished data dir: say so, keep serving
            print(f"companion: cannot read or write events: {error}", flush=True)
        await asyncio.sleep(POLL_SECONDS)


def make_app(companion: Companion) -> web.Application:
    """The pages' application."""
    app = web.Application()
    app[COMPANION] = companion
    app.router.add_get("/", index)
    app.router.add_get("/r/{user}/{image}", repository)
    app.router.add_get("/board", board)
    app.router.add_get("/board.json", board_json)
    app.router.add_get("/board/stream", board_stream)
    app.router.add_get("/style.css", style)
    app.router.add_get("/healthz", healthy)

    async def following(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_follow(companion))
        # A registry container's log reaches registry.log through this thread (the SDK blocks).
        stop = threading.Event()
        copier = threading.Thread(target=companion.container_log.run, args=(stop,),
                                  name="container-log", daemon=True)
        copier.start()
        yield
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(copier.join, 5)

    app.cleanup_ctx.append(following)
    return app


def make_hook_app(companion: Companion) -> web.Application:
    """The webhook's application (loopback only, its own port)."""
    app = web.Application()
    app[COMPANION] = companion
    app.router.add_post("/events", notified)
    app.router.add_get("/healthz", healthy)
    return app


async def serve(companion: Companion) -> None:
    """Serve the pages and the webhook until cancelled."""
    settings = companion.settings
    context = None
    if settings.tls_cert and settings.tls_key:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    runners = [web.AppRunner(make_app(companion), shutdown_timeout=1),
               web.AppRunner(make_hook_app(companion), shutdown_timeout=1)]
    for runner in runners:
        await runner.setup()
    # The pages first: `practice start` takes an answering webhook to mean both are up.
    await web.TCPSite(runners[0], settings.web_host, settings.web_port, ssl_context=context).start()
    await web.TCPSite(runners[1], "127.0.0.1", settings.hook_port).start()
    try:
        await asyncio.Event().wait()
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
