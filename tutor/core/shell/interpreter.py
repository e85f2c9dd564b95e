"""The command interpreter: what the learner types, parsed with shlex and run on the engine.

Nothing here runs a shell. A line is checked for shell syntax, its variables are expanded,
it is split with shlex and matched against the small set of docker/podman commands the lab
needs; anything else gets a clear refusal that says what to type instead.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Generator, Mapping

from tutor.core.engine.credentials import CredentialsError
from tutor.core.engine.gateway import EngineError, EngineUnavailable
from tutor.core.events import Event
from tutor.core.i18n import N_, _
from tutor.core.registry.api import RegistryError
from tutor.core.shell.actions import SUPPORTED, failed, run_parsed, shown, tidy
from tutor.core.shell.session import ParsedCommand, Session
from tutor.core.target import InvalidName, parse_reference

__all__ = ["SUPPORTED", "CommandError", "ParsedCommand", "Session", "complete", "parse_command",
           "run_command"]

PROGRAMS = ("docker", "podman")
BUILTINS = ("export", "echo", "help")
TOP_LEVEL = {"login": "login", "logout": "logout", "tag": "tag", "push": "push", "pull": "pull",
             "images": "images", "rmi": "rmi", "run": "run", "inspect": "inspect",
             "version": "version", "build": "build"}
IMAGE_GROUP = {"tag": "tag", "push": "push", "pull": "pull", "ls": "images", "list": "images",
               "rm": "rmi", "remove": "rmi", "inspect": "inspect",
               "build": "build"}

# action -> {flag: (option name, takes a value)}
_FLAGS: dict[str, dict[str, tuple[str, bool]]] = {
    "login": {"-u": ("username", True), "--username": ("username", True),
              "-p": ("password", True), "--password": ("password", True),
              "--password-stdin": ("password_stdin", False), "--tls-verify": ("tls_verify", False)},
    "logout": {},
    "tag": {},
    "push": {"-q": ("quiet", False), "--quiet": ("quiet", False), "--tls-verify": ("tls_verify", False)},
    "pull": {"-q": ("quiet", False), "--quiet": ("quiet", False), "--tls-verify": ("tls_verify", False)},
    "images": {"-a": ("all", False), "--all": ("all", False), "-q": ("quiet", False),
               "--quiet": ("quiet", False)},
    "rmi": {"-f": ("force", False), "--force": ("force", False)},
    "inspect": {},
    "run": {"--rm": ("rm", False), "-i": ("interactive", False), "-t": ("tty", False),
            "--interactive": ("interactive", False), "--tty": ("tty", False)},
    "version": {},
    "build": {"-t": ("tag", True), "--tag": ("tag", True), "-f": ("file", True), "--file": ("file", True),
              "-q": ("quiet", False), "--quiet": ("quiet", False)},
}
_ARITY: dict[str, tuple[int, int | None, str]] = {
    "login": (0, 1, "[REGISTRY]"), "logout": (0, 1, "[REGISTRY]"), "tag": (2, 2, "SOURCE TARGET"),
    "push": (1, 1, "NAME[:TAG]"), "pull": (1, 1, "NAME[:TAG]"), "images": (0, 1, "[NAME]"),
    "rmi": (1, None, "NAME..."), "inspect": (1, None, "NAME..."), "run": (1, 1, "--rm IMAGE"),
    "version": (0, 0, ""), "build": (1, 1, "-t NAME[:TAG] [-f DOCKERFILE] FOLDER"),
}
_NAMES_LIFETIME = 3.0  # seconds a completion may use the same list of local image names
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")  # what follows the dashes of an option
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_SHELL_SYNTAX = {";": N_("`;` (several commands)"), "|": N_("`|` (a pipe)"), "&": N_("`&` or `&&`"),
                 "<": N_("`<` (a redirect)"), ">": N_("`>` (a redirect)"), "`": N_("backticks (`...`)"),
                 "(": N_("`(` (a subshell)"), ")": N_("`)` (a subshell)"), "\n": N_("a line break")}
# Characters a word processor puts where a command has a plain "-" (e.g. "--" becomes "—").
_LONG_DASH = N_("a long dash")
_LOOK_ALIKE_DASHES = {"\u2014": _LONG_DASH, "\u2013": _LONG_DASH, "\u2015": _LONG_DASH,
                      "\u2e3a": _LONG_DASH, "\u2e3b": _LONG_DASH, "\ufe58": _LONG_DASH,
                      "\u2012": N_("a figure dash"), "\u2010": N_("a typographic dash"),
                      "\u2011": N_("a non-breaking dash"), "\u2212": N_("a minus-sign dash"),
                      "\ufe63": N_("a small dash"), "\uff0d": N_("a full-width dash"),
                      "\u00ad": N_("an invisible soft-hyphen dash")}


class CommandError(Exception):
    """A line the interpreter will not run; message says what is wrong and what to type."""

    def __init__(self, message: str, key: str | None = None,
                 values: Mapping[str, str] | None = None) -> None:
        message = tidy(message)  # never a raw control character or a 10 kB word on screen
        super().__init__(message)
        self.message = message
        self.key = key
        self.values = dict(values or {})  # names the explainer's texts need beyond the target's


# -- parsing ---------------------------------------------------------------------------------
def _refuse_syntax(what: str) -> CommandError:
    """WHAT is an N_() marked description of the syntax, translated here."""
    return CommandError(_(
        "{what} is shell syntax, and the tutor runs one command at a time without a shell. "
        "Type one command at a time, or use your own terminal for that.").format(what=_(what)))


def _variable(line: str, start: int, variables: Mapping[str, str]) -> tuple[str | None, int]:
    """The value of the variable at line[start] == '$' and the index after it (None: literal $)."""
    if line.startswith("$(", start):
        raise _refuse_syntax(N_("`$(...)` (command substitution)"))
    if line.startswith("${", start):
        end = line.find("}", start)
        name = line[start + 2:end] if end >= 0 else ""
        if end < 0 or not _NAME.fullmatch(name):
            raise CommandError(_("`${` needs a variable name and a closing `}`, e.g. ${DOCKERHUB_USERNAME}"))
        after = end + 1
    else:
        match = _NAME.match(line, start + 1)
        if match is None:
            return None, start + 1
        name, after = match.group(0), match.end()
    if name not in variables:
        raise CommandError(_("{name} is not set: run export {name}=yourname first").format(name=shown(name)),
                           key="variable_unset", values={"variable": name})
    return variables[name], after


def expand(line: str, variables: Mapping[str, str]) -> str:
    """The line with $NAME/${NAME} replaced (quoted so values stay one word); refuse shell syntax."""
    out: list[str] = []
    quote, index = "", 0
    while index < len(line):
        char = line[index]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\" and index + 1 < len(line):
            out.append(line[index:index + 2])
            index += 2
            continue
        elif char == "$":
            value, index = _variable(line, index, variables)
            if value is None:
                out.append("$")
            elif quote:
                out.append(value.replace("\\", "\\\\").replace('"', '\\"'))
            else:
                out.append(shlex.quote(value))
            continue
        elif char == "`" or (not quote and char in _SHELL_SYNTAX):
            raise _refuse_syntax(_SHELL_SYNTAX[char])
        elif char in "'\"" and (not quote or quote == char):
            quote = "" if quote else char
        out.append(char)
        index += 1
    return "".join(out)


def _split(line: str, variables: Mapping[str, str]) -> list[str]:
    try:
        return shlex.split(expand(line, variables))
    except ValueError as error:
        raise CommandError(_("{error}: close every quote you open").format(error=error)) from None


def parse_command(line: str, variables: Mapping[str, str]) -> ParsedCommand:
    """Parse one line without running anything; raise CommandError with a clear message."""
    words = _split(line, variables)
    sudo = bool(words) and words[0] == "sudo"
    if sudo:
        words = words[1:]
    if not words:
        raise CommandError(_("Type a command, e.g. docker images (type help for the list)."))
    first = words[0]
    if _ASSIGNMENT.match(first) and len(words) == 1:
        return _parse_export("export", [first], sudo)
    if first == "export":
        return _parse_export(first, words[1:], sudo)
    if first in ("echo", "help"):
        return ParsedCommand(first, first, tuple(words[1:]), words=tuple(words), sudo=sudo)
    if first not in PROGRAMS:
        raise CommandError(_("`{word}` is not a command the tutor runs. Type one of: docker, podman, "
                             "export, echo, help; for anything else use your own terminal.").format(
                                 word=shown(first)))
    _check_dashes(words[1:])
    program, action, rest = first, *_subcommand(first, words[1:])
    if action == "help":
        return ParsedCommand(program, "help", words=tuple(words), sudo=sudo)
    options, args = _options(program, action, rest)
    _check_arity(program, action, args)
    _check_build(program, action, options)
    _check_names(action, args, options)
    _check_printable(program, action, rest)
    return ParsedCommand(program, action, tuple(args), options, words=tuple(words), sudo=sudo)


def _parse_export(program: str, words: list[str], sudo: bool) -> ParsedCommand:
    if not words:
        raise CommandError(_("Give a name and a value: export DOCKERHUB_USERNAME=yourname"))
    pairs = []
    for word in words:
        match = _ASSIGNMENT.match(word)
        if match is None:
            raise CommandError(_("`{word}` is not NAME=VALUE: type export {upper}=value (a name of letters, "
                                 "digits and _, then =, then the value)").format(
                                     word=shown(word), upper=shown(word.upper())))
        pairs.append((match.group(1), match.group(2)))
    return ParsedCommand(program, "export", assignments=tuple(pairs), words=(program, *words), sudo=sudo)


def _subcommand(program: str, words: list[str]) -> tuple[str, list[str]]:
    if not words or words[0] in ("--help", "-h", "help"):
        return "help", []
    if words[0] in ("--version", "-v"):
        return "version", words[1:]
    if words[0] == "image":
        if len(words) > 1 and words[1] in IMAGE_GROUP:
            return IMAGE_GROUP[words[1]], words[2:]
        message = _("After `{program} image` type one of: {choices}; e.g. {program} image ls")
        raise CommandError(message.format(program=program, choices=", ".join(IMAGE_GROUP)))
    if words[0] in TOP_LEVEL:
        return TOP_LEVEL[words[0]], words[1:]
    raise CommandError(_("`{program} {word}` is not supported here. The tutor runs: {commands} and image "
                         "{group}; use your own terminal for anything else.").format(
                             program=program, word=shown(words[0]), commands=", ".join(sorted(TOP_LEVEL)),
                             group="/".join(IMAGE_GROUP)))


def _options(program: str, action: str, words: list[str]) -> tuple[dict[str, str | bool], list[str]]:
    flags, options, args = _FLAGS[action], {}, []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            args.extend(words[index:])
            break
        if not word.startswith("-") or word == "-":
            args.append(word)
            continue
        flag, attached = _flag_parts(word, flags)
        for single in flag:
            name, wants_value = _known_flag(program, action, single, flags)
            if wants_value and attached is None:
                if index >= len(words):
                    message = _("`{flag}` needs a value, e.g. {program} {action} {flag} VALUE")
                    raise CommandError(message.format(flag=shown(single), program=program, action=action))
                attached, index = words[index], index + 1
            options[name] = attached if wants_value and attached is not None else _truth(attached)
    return options, args


def _flag_parts(word: str, flags: Mapping[str, tuple[str, bool]]) -> tuple[list[str], str | None]:
    """Split --name=value, -uVALUE and combined short flags (-it) into flags and a value."""
    if word.startswith("--"):
        name, equals, value = word.partition("=")
        return [name], value if equals else None
    if word[:2] in flags and flags[word[:2]][1] and len(word) > 2:
        return [word[:2]], word[2:]
    return [f"-{letter}" for letter in word[1:]], None


def _truth(value: str | None) -> bool:
    return value is None or value.lower() not in ("false", "0", "no")


def _known_flag(program: str, action: str, flag: str,
                flags: Mapping[str, tuple[str, bool]]) -> tuple[str, bool]:
    if flag in ("-p", "--password"):
        raise CommandError(_(
            "The tutor does not take a password on the command line: it would stay in your "
            "shell history. Type {program} login -u USER [REGISTRY] and enter the password when "
            "asked (with an access token where the registry offers one).").format(program=program),
            key="password_flag")
    if flag == "--tls-verify" and program == "docker":
        raise CommandError(_("`--tls-verify` is a podman option. Docker decides from its daemon's "
                             "insecure-registries setting; leave the option out."))
    if flag not in flags:
        known = ", ".join(sorted(flags)) or _("no options")
        raise CommandError(_("`{flag}` is not supported for `{program} {action}` here (supported: {known}). "
                             "Leave it out, or use your own terminal.").format(
                                 flag=shown(flag), program=program, action=action, known=known))
    return flags[flag]


def _check_arity(program: str, action: str, args: list[str]) -> None:
    least, most, usage = _ARITY[action]
    if len(args) < least or (most is not None and len(args) > most):
        usage_line = _("Usage: {command}").format(command=f"{program} {action} {usage}".rstrip())
        extra = " " + _("(the tutor runs the image's own command only)") if action == "run" else ""
        raise CommandError(usage_line + extra)


def _check_build(program: str, action: str, options: Mapping[str, str | bool]) -> None:
    """A build here must name its image: without -t it would leave an image only an ID names."""
    if action == "build" and not isinstance(options.get("tag"), str):
        raise CommandError(_("Name the image you build: {program} build -t NAME[:TAG] FOLDER").format(
            program=program))


def _check_names(action: str, args: list[str], options: Mapping[str, str | bool] | None = None) -> None:
    tag = (options or {}).get("tag")
    names = {"tag": args[1:], "push": args, "pull": args,
             "build": [tag] if isinstance(tag, str) else []}.get(action, [])
    for name in names:
        try:
            parse_reference(name)
        except InvalidName as error:
            # The daemon's words stay in the text: the explainer recognises the mistake by them.
            raise CommandError(_("invalid reference format: {error}").format(error=error)) from None


def _check_dashes(words: list[str]) -> None:
    """Refuse an option typed with a dash pasted from a document (—all), naming it and the fix."""
    for word in words:
        name = _LOOK_ALIKE_DASHES.get(word[:1])
        rest = word.lstrip("-" + "".join(_LOOK_ALIKE_DASHES))
        if name is None or not _OPTION_NAME.fullmatch(rest):
            continue
        typed = _("one plain hyphen: -") if len(rest) == 1 else _("two plain hyphens: --")
        message = _("'{word}' starts with {dash} ({char}) pasted from a document; type {typed}{rest}")
        raise CommandError(message.format(word=shown(word), dash=_(name), char=word[0], typed=typed,
                                          rest=shown(rest)))


def _check_printable(program: str, action: str, words: list[str]) -> None:
    """Refuse an argument with a control or invisible character: no name or option has one."""
    for word in words:
        if not word.isprintable():
            hidden = next(char for char in word if not char.isprintable())
            raise CommandError(_("`{word}` holds an invisible character ({char}), likely from a paste: type "
                                 "the `{program} {action}` line again by hand").format(
                                     word=shown(word), char=shown(hidden), program=program, action=action))


# -- running ---------------------------------------------------------------------------------
def run_command(line: str, session: Session) -> Generator[Event, None, None]:
    """Run one line as events; learner mistakes end in CommandFailed, never in an exception."""
    if not line.strip():
        return
    session.image_names = None  # the command may change the local images
    try:
        parsed = parse_command(line, session.variables)
    except CommandError as error:
        yield failed(error.message, session, error.key, error.values)
        return
    try:
        yield from run_parsed(parsed, session)
    except CommandError as error:
        yield failed(error.message, session, error.key, error.values)
    except (EngineError, EngineUnavailable, RegistryError, CredentialsError, InvalidName) as error:
        yield failed(str(error), session)


def complete(prefix: str, session: Session) -> list[str]:
    """Whole-line completions of prefix: command words, subcommands, then local image names."""
    words = prefix.split(" ")
    head, last = words[:-1], words[-1]
    candidates: list[str]
    if not head:
        candidates = [*PROGRAMS, *BUILTINS]
    elif head == ["docker"] or head == ["podman"]:
        candidates = [*TOP_LEVEL, "image"]
    elif len(head) == 2 and head[0] in PROGRAMS and head[1] == "image":
        candidates = list(IMAGE_GROUP)
    elif head[0] in PROGRAMS and not last.startswith("-"):
        candidates = _image_names(session)
    else:
        candidates = []
    stem = " ".join(head) + (" " if head else "")
    return [stem + word for word in sorted(dict.fromkeys(candidates)) if word.startswith(last)]


def _image_names(session: Session) -> list[str]:
    """Local image names, asked from the engine at most every few seconds (completion is per key)."""
    cached = session.image_names
    if cached is not None and time.monotonic() - cached[0] < _NAMES_LIFETIME:
        return cached[1]
    try:
        names = [tag for image in session.engine.images() for tag in image.tags]
    except (EngineError, EngineUnavailable):
        return []
    session.image_names = (time.monotonic(), names)
    return names
