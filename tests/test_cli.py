"""The command line: options mean the same before and after the subcommand, no terminal means a
one-line message, and every subcommand's --help says its exit codes and gives an example."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.__main__ import build_parser, main, parse_command_line


def _parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize("argv", [
    ["--registry", "practice", "--user", "alice", "check"],
    ["check", "--registry", "practice", "--user", "alice"],
    ["--registry", "practice", "check", "--user", "alice"],
])
def test_target_options_mean_the_same_before_and_after_the_subcommand(argv: list[str]) -> None:
    """`registry-tutor --registry practice --user alice check` is the same as with the options after."""
    args = _parse(*argv)
    assert (args.command, args.registry, args.user) == ("check", "practice", "alice")


def test_an_option_after_the_subcommand_wins_over_the_same_option_before() -> None:
    args = _parse("--user", "bob", "reset", "--registry", "quay.io", "--user", "alice")
    assert (args.command, args.registry, args.user) == ("reset", "quay.io", "alice")


def test_options_of_the_tutor_itself_still_work_without_a_subcommand() -> None:
    args = _parse("--registry", "docker.io", "--user", "alice", "--lang", "de", "--engine", "podman")
    assert (args.command, args.registry, args.user, args.lang, args.engine) == \
        (None, "docker.io", "alice", "de", "podman")


@pytest.mark.parametrize("argv", [
    ["--registry", "docker.io", "--user", "alice", "--lang", "de"],
    ["--user", "check"],  # an account named like a subcommand is still the account
    ["--lesson", "deploy-a-change", "--engine", "podman"],
    ["reset", "--registry", "quay.io", "--user", "alice"],
])
def test_the_parser_that_knows_only_what_the_words_name_reads_them_as_the_whole_one(argv: list[str]) -> None:
    """Opening the tutor builds no subcommand's parser; the options come out as the full parser reads them."""
    assert vars(parse_command_line(argv)) == vars(_parse(*argv))


def test_a_word_that_is_no_subcommand_gets_the_list_of_subcommands(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_command_line(["--user", "alice", "chek"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'chek'" in error
    assert all(name in error.split("invalid choice", 1)[1] for name in ("check", "practice", "serve"))


def test_a_target_option_before_a_subcommand_that_has_none_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--registry X practice status` would silently ignore --registry: say so instead."""
    with pytest.raises(SystemExit) as stopped:
        _parse("--registry", "quay.io", "practice", "status")
    assert stopped.value.code == 2
    assert "--registry" in capsys.readouterr().err


def test_check_with_the_options_before_it_reaches_the_check(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the fix, the check said 'Say which lab to check' although --registry/--user were given."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code = main(["--registry", "practice", "--user", "alice", "check"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Say which lab to check" not in err
    assert "practice registry is not running" in err


def _cli(*argv: str, stdin: int | None = subprocess.DEVNULL, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config"),
           "XDG_STATE_HOME": str(tmp / "state"), "HOME": str(tmp), "LANG": "C.UTF-8"}
    env.pop("TEXTUAL_DRIVER", None)
    return subprocess.run([sys.executable, "-m", "tutor", *argv], stdin=stdin, capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_without_a_terminal_the_tutor_says_so_in_one_line(tmp_path: Path) -> None:
    """Over a pipe: one plain line pointing to `registry-tutor check`, exit 2, no escape codes."""
    done = _cli("--registry", "practice", "--user", "alice", tmp=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "terminal" in lines[0]
    assert "registry-tutor check" in lines[0]
    assert "\x1b" not in done.stderr


def test_without_a_terminal_the_message_is_in_the_learners_language(tmp_path: Path) -> None:
    done = _cli("--lang", "de", tmp=tmp_path)
    assert done.returncode == 2
    assert "Terminal" in done.stderr and "registry-tutor check" in done.stderr


def _subcommand_parsers(parser: argparse.ArgumentParser, path: str = "") -> Iterator[
        tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield f"{path} {name}".strip(), child
                yield from _subcommand_parsers(child, f"{path} {name}")


def test_every_subcommand_has_help_with_exit_codes_and_an_example() -> None:
    found = dict(_subcommand_parsers(build_parser()))
    assert {"check", "reset", "practice", "practice start", "practice add-user", "lessons",
            "lessons test"} <= set(found)
    for name, parser in found.items():
        text = parser.format_help()
        assert "Exit codes:" in text, name
        assert f"Example:\n  registry-tutor {name}" in text, (name, text)


def test_help_of_check_prints_its_exit_codes(tmp_path: Path) -> None:
    done = _cli("check", "--help", tmp=tmp_path)
    assert done.returncode == 0
    assert "Exit codes:" in done.stdout and "0 " in done.stdout
    assert "registry-tutor check --registry" in done.stdout


def test_the_demo_of_a_lab_that_starts_later_says_what_to_play_instead(tmp_path: Path) -> None:
    """deploy-a-change starts where the first lab ends: the demo says so in the language asked, exit 2."""
    english = _cli("demo", "--lesson", "deploy-a-change", tmp=tmp_path)
    assert english.returncode == 2 and english.stdout == ""
    assert "starts where push-to-registry ends" in english.stderr
    assert "registry-tutor --lesson deploy-a-change" in english.stderr
    german = _cli("demo", "--lesson", "deploy-a-change", "--lang", "de", tmp=tmp_path)
    assert german.returncode == 2 and "beginnt dort, wo push-to-registry endet" in german.stderr
