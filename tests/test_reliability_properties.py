"""Property-based tests: the interpreter's parser and the image-name parser on any input.

Whatever is typed, parse_command returns a ParsedCommand or raises CommandError, and the name
parsers return a value or raise InvalidName: never another exception. Shell syntax after a
command is always refused, a variable's value is never re-parsed, and names Docker accepts
survive a round trip.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tutor.core.shell.interpreter import CommandError, ParsedCommand, parse_command
from tutor.core.target import InvalidName, Reference, normalize_registry, parse_reference, validate_user

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
SHELLISH = st.text(alphabet=st.sampled_from(list("docker push ;|&<>()`$'\"\\{}\n\t=-_/:@.aZ0")), max_size=80)

COMPONENT = st.from_regex(r"\A[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8}){0,2}\Z")
TAG = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}\Z")
HOST = st.sampled_from(["localhost:5000", "registry.example.com", "quay.io", "127.0.0.1:5001", "docker.io"])


@FAST
@given(line=st.one_of(ANY_TEXT, SHELLISH), variables=st.dictionaries(
    st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,8}\Z"), ANY_TEXT, max_size=3))
def test_parse_command_only_ever_parses_or_refuses(line: str, variables: dict[str, str]) -> None:
    try:
        parsed = parse_command(line, variables)
    except CommandError as error:
        assert error.message.strip()
        return
    assert isinstance(parsed, ParsedCommand)
    assert parsed.action


@FAST
@given(separator=st.sampled_from([";", "&&", "||", "|", "&", ">", ">>", "<", "\n"]), tail=ANY_TEXT)
def test_shell_syntax_after_a_command_is_always_refused(separator: str, tail: str) -> None:
    try:
        parse_command(f"docker images {separator}{tail}", {})
    except CommandError as error:
        assert "shell syntax" in error.message
    else:
        raise AssertionError("a line with shell syntax was accepted")


@FAST
@given(inner=ANY_TEXT, quote=st.sampled_from(["", '"']))
def test_command_substitution_is_always_refused(inner: str, quote: str) -> None:
    for line in (f"echo {quote}$({inner}){quote}", f"echo {quote}`{inner}`{quote}"):
        try:
            parse_command(line, {})
        except CommandError:
            continue
        raise AssertionError(f"substitution accepted: {line!r}")


@FAST
@given(value=ANY_TEXT, braces=st.booleans())
def test_a_variable_value_is_one_word_and_never_reparsed(value: str, braces: bool) -> None:
    reference = "${V}" if braces else "$V"
    assert parse_command(f"echo {reference}", {"V": value}).args == (value,)
    assert parse_command(f'echo "{reference}"', {"V": value}).args == (value,)


@FAST
@given(head=ANY_TEXT, meta=st.sampled_from(list(";|&$`<> \n")), tail=ANY_TEXT)
def test_a_hostile_variable_never_becomes_a_valid_tag_target(head: str, meta: str, tail: str) -> None:
    value = head + meta + tail
    try:
        parsed = parse_command("docker tag python-hello-world $V", {"V": value})
    except CommandError as error:
        assert "invalid reference format" in error.message or "is not supported" in error.message
    else:
        raise AssertionError(f"{parsed.args!r} was accepted as an image name")


@FAST
@given(text=st.one_of(ANY_TEXT, SHELLISH))
def test_name_parsers_return_or_raise_invalid_name(text: str) -> None:
    for parser in (parse_reference, normalize_registry, validate_user):
        try:
            parser(text)
        except InvalidName as error:
            assert str(error).strip()


@FAST
@given(host=st.one_of(st.none(), HOST), parts=st.lists(COMPONENT, min_size=1, max_size=3),
       tag=st.one_of(st.none(), TAG))
def test_valid_names_parse_and_survive_a_round_trip(host: str | None, parts: list[str],
                                                    tag: str | None) -> None:
    # Without a host, Docker reads a first part with '.' or ':' as one, so the lab would too.
    assume(host not in (None, "docker.io") or len(parts) == 1 or not any(char in parts[0] for char in ".:"))
    text = "/".join(([host] if host else []) + parts) + (f":{tag}" if tag else "")
    parsed = parse_reference(text)
    assert isinstance(parsed, Reference)
    assert parsed.tag == tag
    assert parse_reference(str(parsed)) == parsed


@FAST
@given(parts=st.lists(COMPONENT, min_size=1, max_size=3), which=st.integers(min_value=0, max_value=2))
def test_uppercase_in_a_repository_is_refused_as_such(parts: list[str], which: int) -> None:
    index = which % len(parts)
    assume(any(char.isalpha() for char in parts[index]))
    parts[index] = parts[index].upper()
    try:
        parse_reference("/".join(["localhost:5000", *parts]))
    except InvalidName as error:
        assert "lowercase" in str(error)
    else:
        raise AssertionError("an uppercase repository name was accepted")


def test_a_docker_hub_name_whose_first_part_has_a_dot_round_trips() -> None:
    parsed = parse_reference("docker.io/first.last/app")
    assert parse_reference(str(parsed)) == parsed
