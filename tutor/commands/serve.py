"""`registry-tutor serve`: the tutor (or its presenter mode) in a browser tab, with textual-serve.

Every browser tab starts its own tutor process, as this user, on this machine's engine and with
this user's registry logins. textual-serve has no authentication and no TLS, so the server
listens on loopback only. Its page is our own (assets/serve/), with the font textual-serve ships:
nothing is fetched from the internet.

Exit codes: 0 stopped with Ctrl+C, 1 the server could not start, 2 the options are wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import shlex
import sys
import webbrowser
from collections.abc import Sequence
from typing import Any

from tutor.commands import command_parser, target_parent
from tutor.core.i18n import _, current_language, detect_language, set_language
from tutor.core.resources import data_dir

OK, FAILED, BAD_OPTIONS = 0, 1, 2
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
# The tutor's own options that a served tutor gets as they were given to `serve`.
PASSED_ON = ("registry", "user", "image", "engine", "lang")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register `serve` (it takes the target options, and hands them to every tab's tutor)."""
    serve = command_parser(
        sub, "serve", parents=[target_parent()], help="run the tutor in a browser tab (loopback only)",
        description="Serve the tutor in a browser tab: every tab runs its own tutor on this machine, "
                    "with your engine and your logins, so it listens on loopback only.",
        exit_codes="0 stopped with Ctrl+C, 1 the server could not start, 2 wrong options "
                   "(such as a --host that is not loopback).",
        example="registry-tutor serve --registry practice --user alice --open")
    serve.add_argument("--host", default="127.0.0.1",
                       help="loopback address to listen on (default 127.0.0.1; others are refused)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--open", action="store_true", help="open the page in your web browser")
    serve.add_argument("--demo", action="store_true", help="serve the presenter mode (registry-tutor demo)")
    return serve


def is_loopback(host: str) -> bool:
    """True for localhost and the 127.0.0.0/8 and ::1 addresses."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tutor_command(args: argparse.Namespace) -> list[str]:
    """The command each browser tab runs: this Python's tutor with the options given to serve."""
    command = [sys.executable, "-m", "tutor"]
    if getattr(args, "demo", False):
        command.append("demo")
    for name in PASSED_ON:
        value = getattr(args, name, None)
        if value:
            command += [f"--{name}", str(value)]
    return command


def page_url(host: str, port: int) -> str:
    """The address the browser opens (IPv6 addresses in brackets)."""
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}:{port}"


def make_server(args: argparse.Namespace) -> Any:
    """A textual-serve Server on our own page template, announcing itself in the learner's words."""
    import aiohttp_jinja2
    from textual_serve.server import Server

    url = page_url(args.host, args.port)
    folder = data_dir("assets") / "serve"

    class TutorServer(Server):
        @aiohttp_jinja2.template("app_index.html")
        async def handle_index(self, request: Any) -> dict[str, Any]:
            # textual-serve's own context (URLs, font size), before its template decorator renders it
            plain: Any = Server.handle_index
            context: dict[str, Any] = await plain.__wrapped__(self, request)
            context["text"] = {"lang": current_language(), "start": _("Start"),
                               "ended": _("The tutor in this tab has ended."), "restart": _("Start again")}
            return context

        async def on_startup(self, app: Any) -> None:
            # aiohttp binds the port after its start-up hooks: announce the page once it answers.
            self.announcing = asyncio.get_running_loop().create_task(self._announce())

        async def _announce(self) -> None:
            while True:
                try:
                    _reader, writer = await asyncio.open_connection(self.host, self.port)
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
                writer.close()
                break
            print(_("registry-tutor is served on {url}: open it in a browser on this machine.")
                  .format(url=url))
            print(_("Every tab runs its own tutor. Ctrl+C stops the server."), flush=True)
            if args.open:
                await asyncio.to_thread(webbrowser.open, url)

    # The command runs through a shell (textual-serve's choice): every part is quoted.
    return TutorServer(shlex.join(tutor_command(args)), host=args.host.strip("[]"), port=args.port,
                       title="registry-tutor", public_url=url, templates_path=folder)


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Serve until Ctrl+C; refuse any address but loopback."""
    set_language(detect_language(getattr(args, "lang", None)))
    if not is_loopback(args.host):
        print(_("registry-tutor serve refuses --host {host}: every browser tab that reaches the page "
                "drives this machine's engine with your registry logins, and the page has no password "
                "and no TLS. Serve on 127.0.0.1 (the default) and open it on this machine; for a room, "
                "share your screen or the projector.").format(host=args.host), file=sys.stderr)
        return BAD_OPTIONS
    if not 0 < args.port < 65536:
        print(_("--port {port} is not a TCP port: choose one from 1 to 65535.").format(port=args.port),
              file=sys.stderr)
        return BAD_OPTIONS
    try:
        make_server(args).serve()
    except OSError as error:
        print(_("The server could not listen on {url}: {error}. Is another server on that port? "
                "Try another one with --port.").format(url=page_url(args.host, args.port), error=error),
              file=sys.stderr)
        return FAILED
    return OK
