"""What each parsed command does on the engine, the credential store and the registry.

Kept apart from the parser (tutor.core.shell.interpreter) so each stays short; only the interpreter
calls run_parsed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from tutor.core.engine.gateway import EngineError
from tutor.core.events import CommandFailed, Event, Notice, OutputLine, VariableSet
from tutor.core.explainer import explain, explanation
from tutor.core.i18n import N_, _
from tutor.core.registry.api import RegistryClient, RegistryError, RegistryUnreachable, Unauthorized
from tutor.core.shell.session import ParsedCommand, Session
from tutor.core.target import DOCKER_HUB, DOCKER_HUB_API, Target, normalize_registry, parse_reference

Handler = Callable[[ParsedCommand, Session], Iterator[Event]]
_SHOWN_MAX, _SHOWN_HEAD = 60, 40  # a word longer than _SHOWN_MAX shows its first _SHOWN_HEAD chars
_HUGE_WORD = re.compile(r"\S{200,}")  # longer than any digest, URL or name a message quotes itself
_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
SUPPORTED: tuple[str, ...] = (
    "export NAME=VALUE",
    N_("echo TEXT ($NAME and ${NAME} are expanded)"),
    "docker login [-u USER] [--password-stdin] [REGISTRY]",
    "docker logout [REGISTRY]",
    N_("docker tag SOURCE TARGET            (or: docker image tag)"),
    N_("docker push NAME[:TAG]              (or: docker image push)"),
    N_("docker pull NAME[:TAG]              (or: docker image pull)"),
    N_("docker images [NAME]                (or: docker image ls)"),
    N_("docker rmi NAME...                  (or: docker image rm)"),
    "docker image inspect NAME",
    N_("docker build -t NAME[:TAG] [-f DOCKERFILE] FOLDER"),
    "docker run --rm IMAGE",
    "docker version",
    N_("podman ... (the same commands)"),
)
HELPER_NOTE = N_(
    "Tip: a credential helper (docker-credential-pass, -secretservice, -osxkeychain, -wincred) keeps "
    "the secret in your system's keyring instead. On Docker Hub and Quay, log in with an access "
    "token rather than your password: you can revoke a token without changing your password.")


def printable(text: str, keep: str = "") -> str:
    """The text with every control or invisible character escaped as repr does (\\x00, \\n)."""
    return "".join(char if char.isprintable() or char in keep else repr(char)[1:-1] for char in text)


def shown(word: str) -> str:
    """A learner's word as a message shows it: escaped, and a huge one cut to its start and length."""
    if len(word) > _SHOWN_MAX:
        return printable(word[:_SHOWN_HEAD]) + _("… ({count} characters)").format(count=len(word))
    return printable(word)


def tidy(message: str, keep: str = "") -> str:
    """A whole message made safe to show: huge words shortened, control characters escaped."""
    shortened = _HUGE_WORD.sub(lambda match: shown(match.group(0)), message)
    return printable(shortened, keep)


def failed(message: str, session: Session, key: str | None = None,
           values: Mapping[str, str] | None = None) -> CommandFailed:
    """A CommandFailed with the explainer's explanation for the learner's target."""
    kind = session.engine.kind
    shown_message = tidy(message, keep="\n")  # the engine's own messages may span lines
    if key is not None:
        found = explanation(key, session.target, kind, session.lang, values)
        return CommandFailed(shown_message, found)
    return CommandFailed(shown_message, explain(message, session.target, kind, session.lang))


def run_parsed(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    """Carry out one parsed command as a stream of events."""
    if parsed.sudo:
        yield Notice(_("No sudo needed here: the tutor already talks to the engine."))
    if parsed.program in ("docker", "podman") and parsed.program != session.engine.kind:
        yield Notice(_("This tutor runs your commands on {engine}; `{program}` works the same here.").format(
            engine=session.engine.kind, program=parsed.program))
    yield from _HANDLERS[parsed.action](parsed, session)


def _builtin(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    if parsed.action == "export":
        for name, value in parsed.assignments:
            session.variables[name] = value
            yield VariableSet(name, value)
    elif parsed.action == "echo":
        yield OutputLine(" ".join(parsed.args))
    else:
        yield OutputLine(_("Commands the tutor runs (one at a time, no shell):"))
        yield from (OutputLine("  " + _(usage)) for usage in SUPPORTED)


# -- login and logout -----------------------------------------------------------------------
def _registry_arg(parsed: ParsedCommand, session: Session) -> str | None:
    if parsed.args:
        return normalize_registry(parsed.args[0])
    return DOCKER_HUB if parsed.program == "docker" else None


def _login(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    registry = _registry_arg(parsed, session)
    if registry is None:
        yield failed(_("Error: no registry given: type podman login {registry} -u {user}").format(
            registry=session.target.registry, user=session.target.user), session)
        return
    username = str(parsed.options.get("username") or "")
    if not username:
        yield failed(_("Error: type your user name with -u: {program} login {registry} -u {user}").format(
            program=parsed.program, registry=registry, user=session.target.user), session)
        return
    password = session.ask_password(_("Password for {user} at {registry}: ").format(
        user=username, registry=registry))
    if password is None:
        yield CommandFailed(_("Login cancelled: nothing was stored."))
        return
    if not password:
        yield failed("Error: Password Required", session)
        return
    target = _login_target(registry, username, session.target)
    problem = _validate_login(target, username, password, plain_http=_tls_verify(parsed) is False)
    if problem is not None:
        yield failed(problem, session, "wrong_password" if "incorrect" in problem else None)
        return
    stored = session.credentials.store(registry, username, password)
    if stored.plaintext:
        yield Notice(_plaintext_warning(stored.location), level="warning")
        yield Notice(_(HELPER_NOTE))
    yield OutputLine("Login Succeeded" + ("!" if parsed.program == "podman" else ""))


def _login_target(registry: str, username: str, current: Target) -> Target:
    same = registry == current.registry
    return Target(registry, username, practice=same and current.practice,
                  ca_file=current.ca_file if same else None)


def _validate_login(target: Target, username: str, password: str, plain_http: bool = False) -> str | None:
    """None when the registry accepts the login now, else the message docker would print."""
    base = f"http://{target.registry}" if plain_http else target.api_base
    client = RegistryClient(base, username, password, ca_file=target.ca_file)
    where = f'Error response from daemon: Get "{base}/v2/"'
    try:
        client.check_login()
    except Unauthorized:
        return f"{where}: unauthorized: incorrect username or password"
    except RegistryUnreachable as error:
        if "WRONG_VERSION_NUMBER" in str(error):  # TLS spoken to a plain-HTTP server
            return f"{where}: http: server gave HTTP response to HTTPS client"
        return f"{where}: {error}"
    except Exception as error:  # any other registry answer: show it, keep no secret
        return f"{where}: {error}"
    return None


def _plaintext_warning(location: str) -> str:
    return (f"WARNING! Your password will be stored unencrypted in {location}.\n"
            "Configure a credential helper to remove this warning. See\n"
            "https://docs.docker.com/engine/reference/commandline/login/#credentials-store")


def _logout(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    registry = _registry_arg(parsed, session) or session.target.registry
    key = session.credentials.key_for(registry)
    if session.credentials.erase(registry):
        yield OutputLine(f"Removing login credentials for {key}")
    else:
        yield OutputLine(f"Not logged in to {key}")


# -- images ---------------------------------------------------------------------------------
def _tag(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    source, target = parsed.args
    session.engine.tag(source, target)
    return iter(())


def _credentials(reference: str, session: Session) -> tuple[str | None, str | None]:
    stored = session.credentials.get(parse_reference(reference).registry)
    return (stored.username, stored.secret) if stored else (None, None)


def _transfer(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    reference = parsed.args[0]
    username, secret = _credentials(reference, session)
    method = session.engine.push if parsed.action == "push" else session.engine.pull
    if parsed.action == "push":
        yield from _hub_public_notice(reference, username, secret, session)
    for event in method(reference, username, secret, tls_verify=_tls_verify(parsed)):
        if isinstance(event, CommandFailed) and event.explanation is None:
            event = _transfer_failure(event.message, reference, username, session, parsed.action)
        yield event


def _hub_public_notice(reference: str, username: str | None, secret: str | None,
                       session: Session) -> Iterator[Event]:
    """Before a first push to Docker Hub: the new repository will be public (docker/cli#4977).

    Only a registry that shows the repository proves it exists; otherwise the notice is shown.
    """
    path = parse_reference(reference).path
    if parse_reference(reference).registry != DOCKER_HUB:
        return
    client = RegistryClient(DOCKER_HUB_API, username, secret, timeout=3.0)
    try:
        client.tags(path)
        return
    except RegistryError:
        pass
    finally:
        client.close()
    explained = explanation("hub_public", session.target, session.engine.kind, session.lang)
    yield Notice(f"{explained.what} {explained.why}", level="warning")


def _tls_verify(parsed: ParsedCommand) -> bool | None:
    """--tls-verify as typed (podman only), or None: the engine's default for the address."""
    value = parsed.options.get("tls_verify")
    return value if isinstance(value, bool) else None


def _transfer_failure(message: str, reference: str, username: str | None, session: Session,
                      action: str) -> CommandFailed:
    parsed = parse_reference(reference)
    path = parsed.path
    if action == "push" and parsed.registry == DOCKER_HUB != session.target.registry:
        # A name without the registry means Docker Hub: whatever it answered (offline: its host is
        # not found), the mistake is the name, on a lab elsewhere.
        return failed(message, session, "sent_to_hub")
    explained = failed(message, session)
    key = explained.explanation.key if explained.explanation else None
    if parsed.digest and key in ("manifest_unknown", "name_unknown") and path != session.target.api_path:
        return failed(message, session, "digest_elsewhere")  # a digest names a manifest of one repository
    if key in ("denied", "not_logged_in") and username and not path.startswith(username + "/"):
        return failed(message, session, "other_user" if username != session.target.user else "denied")
    if key == "not_logged_in" and username:  # a login is stored, so the registry refused it
        return failed(message, session, "wrong_password")
    return explained


def _build(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    """Build FOLDER as the CLI does, streaming its lines; -f names a Dockerfile inside the folder."""
    folder = Path(parsed.args[0]).expanduser()
    if not folder.is_dir():
        # the CLI's own words: the explainer recognises them in any language
        yield failed(f"unable to prepare context: path {shown(str(folder))} not found", session)
        return
    dockerfile = _dockerfile(parsed, folder)
    if isinstance(dockerfile, CommandFailed):
        yield dockerfile
        return
    tag = str(parsed.options["tag"])
    for event in session.engine.build(str(folder.resolve()), tag, dockerfile):
        if isinstance(event, CommandFailed) and event.explanation is None:
            event = failed(event.message, session)
        if not (parsed.options.get("quiet") and isinstance(event, OutputLine)):
            yield event


def _dockerfile(parsed: ParsedCommand, folder: Path) -> str | CommandFailed | None:
    """-f as a path inside the build folder (the engine reads it from there), None for the default."""
    given = parsed.options.get("file")
    if not isinstance(given, str):
        return None
    path = Path(given).expanduser()
    path = path if path.is_absolute() else Path.cwd() / path
    if not path.is_file() and (folder / given).is_file():
        path = folder / given
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return CommandFailed(_("The Dockerfile {file} must be inside the build folder {folder} (or found "
                               "there by that name).").format(file=shown(given), folder=shown(str(folder))))


def _images(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    rows = []
    for image in session.engine.images():
        for name in image.tags or ("<none>:<none>",):
            rows.append((*_split_name(name), image))
    wanted = parsed.args[0] if parsed.args else None
    if wanted:
        rows = [row for row in rows if wanted in (row[0], f"{row[0]}:{row[1]}")]
    if parsed.options.get("quiet"):
        yield from (OutputLine(_short_id(image.id)) for image in dict.fromkeys(r[2] for r in rows))
        return
    table = [("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")]
    table += [(repo, tag, _short_id(image.id), _ago(image.created), _size(image.size))
              for repo, tag, image in rows]
    yield from (OutputLine(line) for line in format_table(table))


def _split_name(name: str) -> tuple[str, str]:
    repository, colon, tag = name.rpartition(":")
    return (repository, tag) if colon and "/" not in tag else (name, "")


def format_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns like the docker CLI's tabwriter: at least 10 wide, 3 spaces apart."""
    widths = [max(10, max(len(row[i]) for row in rows) + 3) for i in range(len(rows[0]))]
    lines = ("".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)
    return [line.rstrip() for line in lines]


def _short_id(image_id: str) -> str:
    return image_id.split(":", 1)[-1][:12]


def _size(size: int) -> str:
    value, units = float(size), ["B", "kB", "MB", "GB", "TB"]
    while value >= 1000 and len(units) > 1:
        value, units = value / 1000, units[1:]
    return f"{value:.3g}{units[0]}"


def _ago(created: str) -> str:
    seconds = _age_seconds(created)
    if seconds is None:
        return created or "N/A"
    for limit, divisor, unit in ((60, 1, "second"), (3600, 60, "minute"), (172800, 3600, "hour"),
                                 (1209600, 86400, "day"), (5184000, 604800, "week"),
                                 (63072000, 2592000, "month")):
        if seconds < limit:
            count = max(1, int(seconds // divisor))
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return f"{int(seconds // 31536000)} years ago"


def _age_seconds(created: str) -> float | None:
    """Seconds since an engine's Created value (epoch seconds, or RFC 3339 with nanoseconds)."""
    if created.isdigit():
        return time.time() - int(created)
    match = _RFC3339.match(created)
    if match is None:
        return None
    stamp = datetime.fromisoformat(match.group(1) + (match.group(3) or "+00:00").replace("Z", "+00:00"))
    return (datetime.now(timezone.utc) - stamp).total_seconds()


def _rmi(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    if parsed.options.get("force"):
        yield Notice(_("-f is not needed here: the tutor removes the names you give it."))
    for reference in parsed.args:
        try:
            lines = session.engine.remove(reference)
        except EngineError as error:
            yield failed(f"Error response from daemon: {error}", session)
            continue
        yield from (OutputLine(line) for line in lines)


def _inspect(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    found = []
    for reference in parsed.args:
        image = session.engine.image(reference)
        if image is None:
            yield failed(f"Error: No such image: {reference}", session)
            continue
        found.append({"Id": image.id, "RepoTags": list(image.tags), "RepoDigests": list(image.repo_digests),
                      "Created": image.created, "Size": image.size})
    if found:
        yield from (OutputLine(line) for line in json.dumps(found, indent=4).splitlines())


def _run(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    if not parsed.options.get("rm"):
        yield Notice(_("The tutor always removes the container afterwards, as with --rm."))
    for event in session.engine.run(parsed.args[0]):
        if isinstance(event, CommandFailed) and event.explanation is None:
            event = failed(event.message, session)
        yield event


def _version(parsed: ParsedCommand, session: Session) -> Iterator[Event]:
    info = session.engine.info
    yield OutputLine(f"Server: {info.kind} {info.version} (API {info.api_version})")
    yield OutputLine(f" Address: {info.base_url}")
    if info.os:
        yield OutputLine(f" OS/Arch: {info.os}/{info.arch}")


_HANDLERS: dict[str, Handler] = {
    "export": _builtin, "echo": _builtin, "help": _builtin, "login": _login, "logout": _logout,
    "tag": _tag, "push": _transfer, "pull": _transfer, "images": _images, "rmi": _rmi,
    "inspect": _inspect, "run": _run, "version": _version, "build": _build,
}
