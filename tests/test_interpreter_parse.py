"""parse_command: shlex without a shell, variables, the supported commands and clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.core.i18n import set_language
from tutor.core.shell.interpreter import SUPPORTED, CommandError, ParsedCommand, parse_command

VARS = {"DOCKERHUB_USERNAME": "alice", "SPACED": "two words", "QUOTE": 'say "hi"'}


def parse(line: str) -> ParsedCommand:
    return parse_command(line, VARS)


def refusal(line: str) -> str:
    with pytest.raises(CommandError) as caught:
        parse(line)
    return caught.value.message


@pytest.mark.parametrize("line, expected", [
    ("docker tag python-hello-world $DOCKERHUB_USERNAME/python-hello-world",
     ("python-hello-world", "alice/python-hello-world")),
    ("docker tag python-hello-world ${DOCKERHUB_USERNAME}/python-hello-world:v1",
     ("python-hello-world", "alice/python-hello-world:v1")),
    ('docker tag python-hello-world "$DOCKERHUB_USERNAME/python-hello-world"',
     ("python-hello-world", "alice/python-hello-world")),
    ("echo python-hello-world '$DOCKERHUB_USERNAME'", ("python-hello-world", "$DOCKERHUB_USERNAME")),
])
def test_variables_expand_outside_single_quotes(line: str, expected: tuple[str, ...]) -> None:
    """$NAME and ${NAME} expand as in a shell; single quotes keep them literal."""
    assert parse(line).args == expected


def test_a_value_with_spaces_or_quotes_stays_one_word() -> None:
    """An expanded value is never split or re-parsed (no injection through a variable)."""
    assert parse("echo $SPACED").args == ("two words",)
    assert parse('echo "$QUOTE"').args == ('say "hi"',)
    assert parse("echo $QUOTE").args == ('say "hi"',)


def test_an_unset_variable_is_named_with_the_command_that_sets_it() -> None:
    """The learner is told which variable and how to set it."""
    message = refusal("docker tag python-hello-world $MISSING_USER/python-hello-world")
    assert message == "MISSING_USER is not set: run export MISSING_USER=yourname first"


@pytest.mark.parametrize("line, named", [
    ("docker images; docker ps", "`;`"),
    ("docker images | grep hello", "`|`"),
    ("docker login && docker push x", "`&`"),
    ("docker images > out.txt", "`>`"),
    ("docker login < secret", "`<`"),
    ("echo $(cat /etc/passwd)", "`$(...)`"),
    ("echo `id`", "backticks"),
    ('echo "$(id)"', "`$(...)`"),
    ("(docker images)", "`(`"),
])
def test_shell_syntax_is_refused_by_name(line: str, named: str) -> None:
    """Each piece of shell syntax gets a refusal naming it and saying what to do instead."""
    message = refusal(line)
    assert named in message and "one command at a time" in message and "own terminal" in message


def test_quoted_shell_characters_are_plain_text() -> None:
    """Inside quotes ; | & > are just characters, as in a shell."""
    assert parse("echo 'a;b|c&&d>e'").args == ("a;b|c&&d>e",)
    assert parse('echo "x; y"').args == ("x; y",)


@pytest.mark.parametrize("line, action, args", [
    ("docker image tag a b", "tag", ("a", "b")),
    ("podman image push localhost:5000/alice/x", "push", ("localhost:5000/alice/x",)),
    ("docker image pull alice/x:latest", "pull", ("alice/x:latest",)),
    ("docker image ls", "images", ()),
    ("docker images alice/x", "images", ("alice/x",)),
    ("docker image rm a b", "rmi", ("a", "b")),
    ("docker rmi a", "rmi", ("a",)),
    ("docker image inspect a", "inspect", ("a",)),
    ("docker run --rm python-hello-world", "run", ("python-hello-world",)),
    ("docker logout", "logout", ()),
    ("podman version", "version", ()),
])
def test_each_supported_command_and_its_image_form(line: str, action: str, args: tuple[str, ...]) -> None:
    """`tag` and `image tag` (and so on) are the same action, for docker and podman alike."""
    parsed = parse(line)
    assert (parsed.action, parsed.args) == (action, args)
    assert parsed.program == line.split()[0]


@pytest.mark.parametrize("line", [
    "docker login -u alice localhost:5000", "docker login --username=alice localhost:5000",
    "docker login -ualice localhost:5000", "docker login localhost:5000 --username alice",
])
def test_login_user_in_every_spelling(line: str) -> None:
    """-u USER, -uUSER, --username USER and --username=USER all work, before or after the registry."""
    parsed = parse(line)
    assert parsed.options["username"] == "alice" and parsed.args == ("localhost:5000",)


def test_podman_takes_tls_verify() -> None:
    """--tls-verify[=BOOL] is podman's; false turns verification off, a bare flag turns it on."""
    assert parse("podman push --tls-verify=false alice/x").options["tls_verify"] is False
    assert parse("podman pull --tls-verify alice/x").options["tls_verify"] is True


def test_password_stdin_and_combined_short_flags() -> None:
    """--password-stdin is a flag; -it splits into -i and -t."""
    assert parse("docker login --password-stdin -u alice").options["password_stdin"] is True
    assert parse("docker run -it --rm x").options == {"interactive": True, "tty": True, "rm": True}


@pytest.mark.parametrize("line", [
    "docker login -u alice -p hunter2", "docker login -phunter2 -u alice",
    "docker login --password=hunter2 -u alice", "docker login --password hunter2",
])
def test_a_password_on_the_line_is_refused_without_repeating_it(line: str) -> None:
    """-p in any spelling is refused with advice, and the secret is not echoed back."""
    with pytest.raises(CommandError) as caught:
        parse(line)
    assert "hunter2" not in caught.value.message and caught.value.key == "password_flag"
    assert "shell history" in caught.value.message


@pytest.mark.parametrize("line, says", [
    ("ls -la", "not a command the tutor runs"),
    ("docker ps", "is not supported here"),
    ("docker image prune", "After `docker image` type one of"),
    ("docker push --all-tags alice/x", "`--all-tags` is not supported"),
    ("docker tag onlyone", "Usage: docker tag SOURCE TARGET"),
    ("docker run --rm python-hello-world sh", "the image's own command only"),
    ("docker tag a Alice/x", "repository name must be lowercase"),
    ("echo 'unclosed", "close every quote"),
    ("export 1BAD=x", "is not NAME=VALUE"),
    ("docker login -u", "needs a value"),
    ("docker push --tls-verify=false alice/x", "is a podman option"),
    ("", "Type a command"),
])
def test_unsupported_input_gets_a_message_saying_what_to_do(line: str, says: str) -> None:
    """Every refusal names the problem and the way forward."""
    assert says in refusal(line)


def test_export_and_a_bare_assignment() -> None:
    """export NAME=VALUE (several at once) and NAME=VALUE alone both set variables."""
    assert parse("export A=1 B='two words'").assignments == (("A", "1"), ("B", "two words"))
    assert parse("USER_NAME=bob").assignments == (("USER_NAME", "bob"),)


def test_sudo_is_dropped_but_remembered() -> None:
    """`sudo docker images` runs as `docker images`; the run step says sudo is not needed."""
    parsed = parse("sudo docker images")
    assert parsed.sudo and parsed.action == "images"


def test_supported_lists_every_command_for_help() -> None:
    """help and completion show the lab's commands."""
    text = "\n".join(SUPPORTED)
    for word in ("login", "logout", "tag", "push", "pull", "images", "rmi", "inspect", "run --rm", "export"):
        assert word in text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_parse_never_raises_anything_but_command_error(line: str) -> None:
    """Whatever is typed, parsing gives a command or a CommandError; it never runs anything."""
    try:
        parsed = parse_command(line, VARS)
    except CommandError as error:
        assert error.message
    else:
        assert parsed.action in {"export", "echo", "help", "login", "logout", "tag", "push", "pull",
                                 "images", "rmi", "inspect", "run", "version"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["docker", "podman", "image", "tag", "push", "login", "-u", "-p", "x",
                                 "$DOCKERHUB_USERNAME", "${X}", "'a b'", '"', ";", "|", "&&", "$(id)",
                                 "--rm", "--password-stdin", "alice/x:1", "Alice/X", "--", "-"]),
                max_size=8))
def test_parse_of_command_like_words_never_raises_anything_else(words: list[str]) -> None:
    """Command-shaped noise is parsed or refused with CommandError, nothing else."""
    try:
        parse_command(" ".join(words), VARS)
    except CommandError as error:
        assert error.message


# -- the tutor's own words in German (the CLI's imitated output stays English) -----------------
@contextmanager
def german() -> Iterator[None]:
    """Parse in German, and leave the process in English for the next test."""
    set_language("de")
    try:
        yield
    finally:
        set_language("en")


@pytest.mark.parametrize("line, says", [
    ("docker images; docker ps", "`;` (mehrere Befehle) ist Shell-Syntax"),
    ("echo $(id)", "`$(...)` (Befehlsersetzung) ist Shell-Syntax"),
    ("ls -l", "`ls` ist kein Befehl, den der Tutor ausführt"),
    ("docker exec x", "`docker exec` wird hier nicht unterstützt"),
    ("docker push —all x", "'—all' beginnt mit einem langen Gedankenstrich (—)"),
    ("docker tag x", "Aufruf: docker tag SOURCE TARGET"),
    ("docker run hello extra", "(der Tutor führt nur den eigenen Befehl des Images aus)"),
    ("docker login --tls-verify=false", "`--tls-verify` ist eine Option von podman"),
    ("docker images --digests", "`--digests` wird für `docker images` hier nicht unterstützt"),
    ("docker login -u", "`-u` braucht einen Wert"),
    ("docker login -p secret", "Der Tutor nimmt kein Passwort auf der Befehlszeile an"),
    ("export 1x", "`1x` hat nicht die Form NAME=WERT"),
    ("echo 'open", "schließe jedes Anführungszeichen"),
    ("docker image frobnicate", "Tippe nach `docker image` eins von"),
])
def test_refusals_are_in_german_when_the_tutor_speaks_german(line: str, says: str) -> None:
    """A German learner reads the tutor's refusals in German, commands and names kept as typed."""
    with german():
        assert says in refusal(line)


def test_an_unset_variable_in_german_keeps_its_explainer_key() -> None:
    """The German refusal still names the variable and carries the key the explainer needs."""
    with german(), pytest.raises(CommandError) as caught:
        parse("docker login localhost:5000 -u $UNSET_NAME")
    assert caught.value.message == "UNSET_NAME ist nicht gesetzt: tippe zuerst export UNSET_NAME=deinname"
    assert caught.value.key == "variable_unset" and caught.value.values == {"variable": "UNSET_NAME"}


def test_a_german_invalid_name_keeps_the_daemons_words_for_the_explainer() -> None:
    """'invalid reference format' stays in the German text: the explainer recognises the mistake by it."""
    with german():
        message = refusal("docker tag python-hello-world alice/Hello")
    assert message.startswith("Ungültiger Image-Name (invalid reference format)")


def test_a_huge_word_is_shortened_in_german_too() -> None:
    """A pasted 10 kB word shows its start and its length in the learner's language."""
    with german():
        message = refusal("x" * 5000)
    assert "… (5000 Zeichen)" in message and len(message) < 400


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["docker", "podman", "image", "tag", "push", "login", "-u", "-p", "x",
                                 "$UNSET", "${X", "'a b'", '"', ";", "|", "$(id)", "\u2014rm", "a\x07b",
                                 "--rm", "--tls-verify", "Alice/X", "--", "-", "export", "1=2"]),
                max_size=6))
def test_german_refusals_are_always_complete_messages(words: list[str]) -> None:
    """Every German template fills without error: parsing still only ever raises CommandError."""
    with german():
        try:
            parse_command(" ".join(words), VARS)
        except CommandError as error:
            assert error.message and "{" not in error.message.replace("${", "")
