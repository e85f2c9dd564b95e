"""The bad-input corpus: malformed and hostile lines a learner (or a paste) may feed the tutor.

Each entry is a line, the words the refusal must contain (so the message names the problem)
and the stage that refuses it: "parse" (parse_command raises CommandError, nothing reaches the
engine) or "run" (it parses, and the engine, registry or credential store refuses it with a
CommandFailed). Placeholders: <CANARY> a file that `touch` would create, <USER> a fresh
account, <REGISTRY> the test registry's address. No entry may succeed at anything: none names
python-hello-world as something to remove, and every password typed for a login is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["parse", "run"]
LONG = 10_000


@dataclass(frozen=True)
class BadInput:
    """One bad line, what its refusal must name, and where it is refused."""

    line: str
    names: str
    stage: Stage = "parse"
    kind: str = "hostile"

    def render(self, canary: str, user: str, registry: str) -> str:
        """The line with its placeholders filled in."""
        return (self.line.replace("<CANARY>", canary).replace("<USER>", user)
                .replace("<REGISTRY>", registry))


def _hostile(line: str, names: str) -> BadInput:
    return BadInput(line, names, "parse", "hostile")


def _quoting(line: str, names: str) -> BadInput:
    return BadInput(line, names, "parse", "quoting")


def _name(line: str, names: str, stage: Stage = "parse") -> BadInput:
    return BadInput(line, names, stage, "name")


def _login(line: str, names: str, stage: Stage = "parse") -> BadInput:
    return BadInput(line, names, stage, "login")


def _flag(line: str, names: str) -> BadInput:
    return BadInput(line, names, "parse", "flag")


HOSTILE = [
    _hostile("; rm -rf /", "`;`"),
    _hostile("rm -rf /", "`rm` is not a command"),
    _hostile("docker images; touch <CANARY>", "`;`"),
    _hostile("docker images && touch <CANARY>", "`&`"),
    _hostile("docker images || touch <CANARY>", "`|`"),
    _hostile("docker images | tee <CANARY>", "`|`"),
    _hostile("docker images & touch <CANARY>", "`&`"),
    _hostile("docker images > <CANARY>", "`>`"),
    _hostile("docker images >> <CANARY>", "`>`"),
    _hostile("docker login < <CANARY>", "`<`"),
    _hostile("docker tag python-hello-world $(touch <CANARY>)", "`$(...)`"),
    _hostile('echo "$(touch <CANARY>)"', "`$(...)`"),
    _hostile("echo `touch <CANARY>`", "backticks"),
    _hostile('echo "`touch <CANARY>`"', "backticks"),
    _hostile("(touch <CANARY>)", "`(`"),
    _hostile("touch <CANARY>", "`touch` is not a command"),
    _hostile("sudo touch <CANARY>", "`touch` is not a command"),
    _hostile("sh -c 'touch <CANARY>'", "`sh` is not a command"),
    _hostile('bash -c "touch <CANARY>"', "`bash` is not a command"),
    _hostile("eval touch <CANARY>", "`eval` is not a command"),
    _hostile("exec touch <CANARY>", "`exec` is not a command"),
    _hostile("env touch <CANARY>", "`env` is not a command"),
    _hostile("python3 -c 'open(\"<CANARY>\", \"w\")'", "`python3` is not a command"),
    _hostile("docker images\ntouch <CANARY>", "line break"),
    _hostile("docker images\x00; touch <CANARY>", "`;`"),
    _hostile("export X=$(touch <CANARY>)", "`$(...)`"),
    _hostile("export PATH=/tmp; touch <CANARY>", "`;`"),
    _hostile("${IFS}touch${IFS}<CANARY>", "IFS is not set"),
    _hostile("echo ${", "`${` needs a variable name"),
    _hostile("docker rmi -f $(docker images -q)", "`$(...)`"),
    _hostile("docker exec x touch <CANARY>", "`docker exec` is not supported"),
    _hostile("docker system prune -af", "`docker system` is not supported"),
    _hostile("docker run --rm -v /:/host python-hello-world", "`-v` is not supported"),
    _hostile("docker run --privileged python-hello-world", "`--privileged` is not supported"),
    _hostile("docker run --rm python-hello-world touch <CANARY>", "Usage: docker run"),
    _hostile("docker -H tcp://127.0.0.1:2375 images", "`docker -H` is not supported"),
    _hostile("docker --config <CANARY> images", "`docker --config` is not supported"),
]

QUOTING = [
    _quoting('docker tag "python-hello-world <USER>/x', "close every quote"),
    _quoting("docker tag 'python-hello-world <USER>/x", "close every quote"),
    _quoting('echo "unterminated', "close every quote"),
    _quoting("docker push <USER>/x\\", "No escaped character"),
    _quoting("docker images\rtouch <CANARY>", "Usage: docker images"),
    _quoting("x" * LONG, "is not a command"),
    BadInput("docker tag python-hello-world " + "a" * LONG, "255 characters", "run", "quoting"),
    BadInput("docker push " + "a/" * 200 + "x", "255 characters", "run", "quoting"),
    _quoting("dоcker images", "`dоcker` is not a command"),  # Cyrillic о
    _quoting("ｄｏｃｋｅｒ images", "is not a command"),  # fullwidth letters
    _quoting("docker\u200bimages", "is not a command"),  # zero-width space
    _quoting("docker\x00images", "is not a command"),
]

NAMES = [
    _name("docker tag python-hello-world Alice/python-hello-world", "must be lowercase"),
    _name("docker tag python-hello-world <USER>/UPPER:latest", "must be lowercase"),
    _name("docker tag python-hello-world <USER>/python-hello-world:", "not a valid tag"),
    _name("docker tag python-hello-world <USER>/python-hello-world:-bad", "not a valid tag"),
    _name("docker tag python-hello-world <USER>/python-hello-world:" + "t" * 129, "not a valid tag"),
    _name("docker tag python-hello-world <USER>//python-hello-world", "not a valid image name"),
    _name("docker tag python-hello-world /python-hello-world", "not a valid image name"),
    _name("docker tag python-hello-world <USER>/python-hello-world-", "not a valid image name"),
    _name("docker tag python-hello-world '<USER>/python hello'", "not a valid image name"),
    _name("docker tag python-hello-world <USER>/x@sha256:xyz", "not a valid digest"),
    _name("docker tag python-hello-world <USER>/python‐hello‐world", "not a valid image name"),  # U+2010
    _name("docker tag python-hello-world аlice/python-hello-world", "not a valid image name"),  # Cyrillic а
    _name("docker tag python-hello-world <USER>/python-hello-world:lаtest", "not a valid tag"),
    _name("docker tag python-hello-world “<USER>/python-hello-world”", "not a valid image name"),
    _name("docker tag python-hello-world '<USER>/x\x00y'", "not a valid image name"),
    _name("docker push ../../etc/passwd", "'..' is not a registry address"),
    _name("docker pull http://<REGISTRY>/<USER>/x", "'http:' is not a registry address"),
    _name("docker push -", "not a valid image name"),
    _name("docker push '<USER>/x\nnext'", "not a valid image name"),
    _name("docker tag no-such-image-tutor-zz9 <USER>/x", "No such image", "run"),
    _name("docker push no-such-image-tutor-zz9", "does not exist locally", "run"),
    _name("docker push <REGISTRY>/<USER>/never-tagged", "does not exist locally", "run"),
    _name("docker run --rm no-such-image-tutor-zz9", "Unable to find image", "run"),
    _name("docker rmi no-such-image-tutor-zz9", "No such image", "run"),
    _name("docker image inspect no-such-image-tutor-zz9", "No such image", "run"),
]

LOGINS = [
    _login("docker login -u <USER> -p secret <REGISTRY>", "does not take a password on the command line"),
    _login("docker login --password=secret -u <USER> <REGISTRY>", "does not take a password"),
    _login("docker login -u", "`-u` needs a value"),
    _login("docker login <REGISTRY>", "user name with -u", "run"),
    _login("docker login -u '' <REGISTRY>", "user name with -u", "run"),
    _login("docker login -u <USER> 'not a registry!'", "not a registry address", "run"),
    _login("docker login -u <USER> <REGISTRY>", "incorrect username or password", "run"),
    _login("docker login -u 'alice; rm -rf /' <REGISTRY>", "incorrect username or password", "run"),
    _login("docker login -u ålice <REGISTRY>", "incorrect username or password", "run"),
    _login("docker login -u " + "u" * LONG + " <REGISTRY>", "incorrect username or password", "run"),
    _login("docker login –u <USER> <REGISTRY>", "starts with a long dash (–)"),  # en dash
]

FLAGS = [
    _flag("docker push --all-tags <USER>/x", "`--all-tags` is not supported"),
    _flag("docker tag -f python-hello-world <USER>/x", "`-f` is not supported"),
    _flag("docker images --filter dangling=true", "`--filter` is not supported"),
    _flag("docker login --unknown", "`--unknown` is not supported"),
    _flag("docker pull --platform linux/arm64 <USER>/x", "`--platform` is not supported"),
    _flag("docker run -d python-hello-world", "`-d` is not supported"),
    _flag("docker --debug images", "`docker --debug` is not supported"),
    _flag("podman push --creds <USER>:pw <USER>/x", "`--creds` is not supported"),
    _flag("docker images -z", "`-z` is not supported"),
    _flag("docker push", "Usage: docker push"),
    _flag("docker tag python-hello-world", "Usage: docker tag"),
]

CORPUS: list[BadInput] = [*HOSTILE, *QUOTING, *NAMES, *LOGINS, *FLAGS]
WRONG_PASSWORD = "not-the-password-" + "x" * 8
