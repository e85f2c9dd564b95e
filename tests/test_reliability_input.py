"""Bad input: every corpus line gets a clear refusal, no traceback, and nothing is executed.

Proof that nothing ran: a canary file that `touch` would create never appears, the engine's
images named after the test's account are unchanged (python-hello-world keeps its ID), the
credential file is byte-for-byte the same, and a line refused by the parser never asks for a
password.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.bad_input_corpus import CORPUS, WRONG_PASSWORD, BadInput
from tests.conftest import RegistryUnderTest
from tests.test_reset import tutor_engine_fixture  # noqa: F401 - fixture
from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine
from tutor.core.events import CommandFailed, OutputLine, PullFinished, PushFinished, VariableSet
from tutor.core.shell.interpreter import CommandError, Session, parse_command, run_command
from tutor.core.target import Target

OTHER_CONFIG = {"auths": {"elsewhere.example": {"auth": "bWU6dGhlaXJz"}}, "psFormat": "table {{.ID}}"}


@dataclass
class Bench:
    """A real session on the daemon and the session registry, and what must stay unchanged."""

    engine: Engine
    session: Session
    user: str
    registry: str
    canary: Path
    config: Path
    prompts: list[str] = field(default_factory=list)

    def render(self, entry: BadInput) -> str:
        return entry.render(str(self.canary), self.user, self.registry)

    def snapshot(self) -> tuple[object, ...]:
        """What an executed line could have changed: our names, the source image, the config."""
        ours = sorted((image.id, tag) for image in self.engine.images() for tag in image.tags
                      if self.user in tag or "canary" in tag)
        source = self.engine.image("python-hello-world")
        return tuple(ours), source.id if source else None, self.config.read_bytes()


@pytest.fixture
def bench(tutor_engine: Engine, hello_image: str, registry: RegistryUnderTest,
          account: tuple[str, str], tmp_path: Path) -> Bench:
    config = Path(os.environ["DOCKER_CONFIG"]) / "config.json"
    config.write_text(json.dumps(OTHER_CONFIG))
    user = account[0]
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return WRONG_PASSWORD

    session = Session(tutor_engine, Target(registry.address, user), CredentialStore("docker"), ask)
    return Bench(tutor_engine, session, user, registry.address, tmp_path / "canary", config, prompts)


def _id(entry: BadInput) -> str:
    text = entry.line if len(entry.line) < 50 else entry.line[:40] + f"...[{len(entry.line)}]"
    return f"{entry.kind}:{text!r}"


PARSE_STAGE = [entry for entry in CORPUS if entry.stage == "parse"]


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 60
    assert {entry.kind for entry in CORPUS} == {"hostile", "quoting", "name", "login", "flag"}
    assert len({entry.line for entry in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("entry", PARSE_STAGE, ids=_id)
def test_parse_command_refuses_and_names_the_problem(entry: BadInput) -> None:
    line = entry.render("/nonexistent/canary", "learner", "localhost:5000")
    with pytest.raises(CommandError) as caught:
        parse_command(line, {})
    assert entry.names.lower() in caught.value.message.lower()


@pytest.mark.parametrize("entry", CORPUS, ids=_id)
def test_run_command_fails_cleanly_and_executes_nothing(entry: BadInput, bench: Bench) -> None:
    before = bench.snapshot()
    events = list(run_command(bench.render(entry), bench.session))
    failures = [event for event in events if isinstance(event, CommandFailed)]
    assert failures, f"no refusal: {events}"
    assert isinstance(events[-1], CommandFailed)
    assert entry.names.lower() in failures[-1].message.lower()
    texts = [getattr(event, "message", None) or getattr(event, "text", "") for event in events]
    assert not any("Traceback" in text for text in texts)
    assert all(len(failure.message) < 400 for failure in failures)
    assert all(failure.message.replace("\n", " ").isprintable() for failure in failures)
    assert not any(isinstance(event, PushFinished | PullFinished | VariableSet) for event in events)
    assert not bench.canary.exists()
    assert bench.snapshot() == before
    if entry.stage == "parse":
        assert bench.prompts == []


def test_a_blank_line_does_nothing_and_says_nothing(bench: Bench) -> None:
    assert list(run_command("   ", bench.session)) == []
    with pytest.raises(CommandError, match="Type a command"):
        parse_command("   ", {})


def test_a_value_from_a_variable_is_never_run(bench: Bench) -> None:
    bench.session.variables["NAME"] = f"x; touch {bench.canary}"
    events = list(run_command("docker tag python-hello-world $NAME", bench.session))
    assert isinstance(events[-1], CommandFailed)
    assert "not a valid image name" in events[-1].message
    echoed = list(run_command("echo $NAME", bench.session))
    assert echoed == [OutputLine(f"x; touch {bench.canary}")]
    assert not bench.canary.exists()


# -- what a refusal shows: control characters escaped, huge words cut, pasted dashes named ----
RAW_CONTROL = [("docker\x00images", "docker\\x00images"),
               ("docker tag python-hello-world 'alice/x\x00y'", "alice/x\\x00y"),
               ("docker push 'alice/x\nnext'", "alice/x\\nnext"),
               ("docker rmi 'alice/x\x1b[2Jy'", "alice/x\\x1b[2Jy"),
               ("docker run --rm 'py\u200bthon'", "py\\u200bthon"),
               ("docker \x85images", "\\x85images")]


@pytest.mark.parametrize(("line", "shown"), RAW_CONTROL, ids=repr)
def test_messages_show_control_characters_escaped(line: str, shown: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(line, {})
    assert caught.value.message.isprintable()
    assert shown in caught.value.message


@pytest.mark.parametrize("line", ["x" * 10_000, "docker images --" + "z" * 10_000,
                                  "echo $" + "A" * 10_000, "export " + "b" * 10_000,
                                  "docker " + "q" * 10_000])
def test_a_huge_word_is_shortened_in_the_message(line: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(line, {})
    assert len(caught.value.message) < 400
    assert "… (10" in caught.value.message and "characters)" in caught.value.message


@pytest.mark.parametrize(("line", "dash", "typed"), [
    ("docker images —all", "—", "--all"), ("docker login –u alice", "–", "-u"),
    ("podman push −−quiet alice/x", "−", "--quiet"), ("docker images ‐q", "‐", "-q"),
    ("docker run －－rm python-hello-world", "－", "--rm")], ids=repr)
def test_a_look_alike_dash_is_named(line: str, dash: str, typed: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(line, {})
    message = caught.value.message
    assert "dash" in message.lower() and "pasted from a document" in message
    assert f"({dash})" in message and message.endswith(f": {typed}")


@pytest.mark.parametrize("name", ["alice/python‐hello", "—alice/x", "\xad;"], ids=repr)
def test_a_dash_in_what_is_no_option_is_left_to_the_name_check(name: str) -> None:
    with pytest.raises(CommandError, match="not a valid image name"):
        parse_command(f"docker tag python-hello-world '{name}'", {})


def test_run_shows_an_engine_refusal_of_a_huge_name_shortened(bench: Bench) -> None:
    events = list(run_command("docker image inspect " + "a" * 10_000, bench.session))
    assert isinstance(events[-1], CommandFailed)
    assert len(events[-1].message) < 400 and "aaaa… (100" in events[-1].message
