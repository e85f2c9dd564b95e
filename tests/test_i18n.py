"""The UI's gettext catalog: language detection, our msgfmt, and a complete German translation."""

from __future__ import annotations

import gettext
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest
from textual.app import App
from textual.widgets import Static

from tutor.core import catalog, i18n
from tutor.core.catalog import Entry
from tutor.core.engine.credentials import CredentialsError, CredentialStore, docker_config_path
from tutor.core.engine.gateway import Engine, EngineUnavailable
from tutor.core.engine.streams import unavailable_message
from tutor.core.events import CommandFailed, OutputLine
from tutor.core.explainer import explain
from tutor.core.target import InvalidName, normalize_registry, parse_reference, validate_user
from tutor.screens.account_modal import AccountModal


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """Leave the process in English for the next test."""
    yield
    i18n.set_language("en")


@pytest.mark.parametrize(
    ("cli", "env", "expected"),
    [
        ("de", {"LANG": "en_US.UTF-8"}, "de"),
        ("en", {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {"LANG": "de_DE.UTF-8"}, "de"),
        (None, {"LANG": "de_AT"}, "de"),
        (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "de_DE.UTF-8"}, "en"),
        (None, {"LC_MESSAGES": "de_CH.UTF-8", "LANG": "C"}, "de"),
        (None, {"LANGUAGE": "fr:de", "LANG": "en_US"}, "de"),
        (None, {"LANGUAGE": "fr", "LANG": "de_DE"}, "de"),
        (None, {"LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_detect_language(cli: str | None, env: dict[str, str], expected: str) -> None:
    assert i18n.detect_language(cli, environ=env) == expected


def test_detect_language_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.detect_language() == "de"


def test_set_language_switches_and_refuses_unknown_languages() -> None:
    i18n.set_language("de")
    assert i18n.current_language() == "de"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.set_language("fr")
    assert i18n.current_language() == "de"


def test_our_msgfmt_output_is_read_by_python_gettext(tmp_path: Path) -> None:
    entries = [
        Entry("", [catalog._HEADER.format(lang="de")]),
        Entry("Check", ["Prüfen"]),
        Entry('Say "hi"\nthen go', ['Sag "hallo"\ndann los']),
        Entry("{count} layer pushed", ["{count} Layer gepusht", "{count} Layer gepusht"],
              msgid_plural="{count} layers pushed"),
        Entry("Untranslated"),
        Entry("Unsure", ["Unsicher"], flags={"fuzzy"}),
    ]
    po = tmp_path / "x.po"
    po.write_text(catalog.format_po(entries), encoding="utf-8")
    parsed = catalog.read_po(po)
    assert [(e.msgid, e.msgstr, e.msgid_plural) for e in parsed] == [
        (e.msgid, e.msgstr, e.msgid_plural) for e in entries
    ]
    mo = tmp_path / "x.mo"
    mo.write_bytes(catalog.compile_mo(parsed))
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.gettext("Check") == "Prüfen"
    assert compiled.gettext('Say "hi"\nthen go') == 'Sag "hallo"\ndann los'
    assert compiled.ngettext("{count} layer pushed", "{count} layers pushed", 3) == "{count} Layer gepusht"
    assert compiled.gettext("Untranslated") == "Untranslated"
    assert compiled.gettext("Unsure") == "Unsure"


def test_extract_finds_marked_literals_only(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "screen.py").write_text(
        'from tutor.core.i18n import _, N_, ngettext\n'
        'TITLE = N_("Welcome")\n'
        'def f(n, name):\n'
        '    print(_("Push {image}").format(image=name))\n'
        '    print(ngettext("{n} step", "{n} steps", n))\n'
        '    print(_(name), str("not marked"))\n',
        encoding="utf-8",
    )
    found = catalog.extract(package)
    assert sorted(found) == ["Push {image}", "Welcome", "{n} step"]
    assert found["{n} step"].msgid_plural == "{n} steps"
    assert found["Push {image}"].references == ["pkg/screen.py:4"]


def test_every_ui_string_has_a_german_translation_and_the_mo_is_current() -> None:
    """Fails when someone wraps a new string in _() without translating it (run extract/compile)."""
    assert catalog.catalog_problems("de") == []


def test_the_committed_mo_matches_the_po() -> None:
    entries = catalog.read_po(catalog.po_path("de"))
    assert catalog.mo_path("de").read_bytes() == catalog.compile_mo(entries)


def test_german_is_shown_after_set_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    entries = [Entry("", [catalog._HEADER.format(lang="de")]), Entry("Next step", ["Nächster Schritt"]),
               Entry("{n} hint", ["{n} Tipp", "{n} Tipps"], msgid_plural="{n} hints")]
    (folder / f"{i18n.DOMAIN}.mo").write_bytes(catalog.compile_mo(entries))
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n._("Next step") == "Next step"
    i18n.set_language("de")
    assert i18n._("Next step") == "Nächster Schritt"
    assert i18n.ngettext("{n} hint", "{n} hints", 2) == "{n} Tipps"
    assert i18n.ngettext("{n} hint", "{n} hints", 1) == "{n} Tipp"
    assert i18n._("Not in the catalog") == "Not in the catalog"
    i18n.set_language("en")
    assert i18n._("Next step") == "Next step"


def test_a_missing_translation_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "tutor"
    package.mkdir()
    (package / "new_screen.py").write_text('from tutor.core.i18n import _\n_("A brand new button")\n')
    problems = catalog.catalog_problems("de", root=package)
    assert problems == ["tutor/new_screen.py:2: no de translation for 'A brand new button'"]


class _FormApp(App[None]):
    """Just the account form over the tutor's own stylesheet."""

    CSS_PATH = str(Path(catalog.PACKAGE_DIR) / "app.tcss")

    def on_mount(self) -> None:
        self.push_screen(AccountModal("erik"))


async def test_a_long_german_form_message_wraps_at_80_columns() -> None:
    """The account form's German 'passwords differ' message shows whole at 80x24, on two lines."""
    i18n.set_language("de")
    async with _FormApp().run_test(size=(80, 24)) as pilot:
        await pilot.press(*"secret1", "enter", *"secret2", "enter")
        await pilot.pause()
        problem = pilot.app.screen.query_one("#account-problem", Static)
        expected = "✗ " + i18n._("The two passwords differ; type the same password twice.")
        assert expected.startswith("✗ Die beiden Passwörter")
        shown = " ".join(strip.text.strip() for strip in problem.render_lines(problem.size.region))
        assert problem.size.height >= 2 and len(expected) > problem.size.width
        assert " ".join(shown.split()) == expected
        assert problem.region.right <= pilot.app.screen.query_one("#account-dialog").region.right
        assert pilot.app.screen.query_one("#account-ok").region.bottom <= 24  # the buttons still fit


# -- the core's own messages in German: names, the engine gateway, credential files ----------
@pytest.mark.parametrize(
    ("check", "german", "key"),
    [
        (lambda: validate_user("Erik"), "'Erik' enthält Großbuchstaben", "uppercase"),
        (lambda: validate_user(""), "der Benutzername ist leer", "invalid_user"),
        (lambda: validate_user("-erik"), "ist kein gültiger Kontoname", "invalid_user"),
        (lambda: parse_reference("Erik/python-hello-world"), "muss kleingeschrieben sein", "uppercase"),
        (lambda: parse_reference("erik/hello world"), "ist kein gültiger Image-Name", "invalid_reference"),
        (lambda: parse_reference("erik/hello:bad!tag"), "ist kein gültiger Tag", "invalid_reference"),
        (lambda: normalize_registry("not a host"), "ist keine Registry-Adresse", "invalid_registry"),
        (lambda: normalize_registry("localhost:70000"), "ein Port ist eine Zahl von 1 bis 65535",
         "invalid_registry"),
    ],
)
def test_invalid_names_are_told_in_german_with_a_stable_key(check: Callable[[], object], german: str,
                                                            key: str) -> None:
    i18n.set_language("de")
    with pytest.raises(InvalidName) as caught:
        check()
    assert german in str(caught.value)
    assert caught.value.key == key


@pytest.mark.parametrize(
    "check",
    [lambda: validate_user("Erik"), lambda: parse_reference("Erik/python-hello-world"),
     lambda: parse_reference("erik/hello world"), lambda: parse_reference("erik/hello:bad!tag")],
)
def test_the_explainer_recognises_a_german_name_mistake_as_the_english_one(
        check: Callable[[], object]) -> None:
    """The same mistake gets the same explanation whichever language its message is in."""
    with pytest.raises(InvalidName) as english:
        check()
    i18n.set_language("de")
    with pytest.raises(InvalidName) as german:
        check()
    assert str(german.value) != str(english.value)
    found = explain(str(german.value), lang="de")
    assert found is not None and found.key == english.value.key
    prefixed = explain(i18n._("invalid reference format: {error}").format(error=german.value), lang="de")
    assert prefixed is not None and prefixed.key == english.value.key


def test_english_names_messages_are_unchanged() -> None:
    with pytest.raises(InvalidName, match=r"^'Erik' has uppercase letters; registry names are lowercase$"):
        validate_user("Erik")


def test_no_engine_is_explained_in_german(tmp_path: Path) -> None:
    """A socket nobody listens on: how to start an engine, in German, still explained as engine_down."""
    i18n.set_language("de")
    with pytest.raises(EngineUnavailable) as caught:
        Engine.connect("docker", base_url=f"unix://{tmp_path}/nobody.sock")
    message = str(caught.value)
    assert "Keine Container-Engine antwortet" in message
    assert "Starte Docker: sudo systemctl start docker" in message
    assert "No container engine answers" not in message
    found = explain(message, engine_kind="docker", lang="de")
    assert found is not None and found.key == "engine_down"


def test_unavailable_message_names_the_start_commands_per_system_in_german() -> None:
    i18n.set_language("de")
    text = unavailable_message("auto", [], system="Darwin")
    assert "versucht: keine Adresse" in text
    assert "Starte Docker Desktop" in text and "oder starte Podman: podman machine start" in text


def test_a_failing_container_is_reported_in_german(engine: docker.DockerClient, hello_image: str,
                                                  tmp_path: Path) -> None:
    """The tutor's own 'exited with status N' line is German; the container runs on the real engine."""
    tag = "tutor-test-exit3:" + uuid.uuid4().hex[:8]
    (tmp_path / "Dockerfile").write_text(
        f'FROM {hello_image}\nCMD ["/bin/busybox", "sh", "-c", "echo bye; exit 3"]\n')
    engine.images.build(path=str(tmp_path), tag=tag, rm=True)
    i18n.set_language("de")
    gateway = Engine.connect("docker")
    try:
        events = list(gateway.run(tag))
    finally:
        gateway.close()
        engine.images.remove(tag, force=True)
    assert OutputLine("bye") in events
    assert events[-1] == CommandFailed("der Container hat sich mit Status 3 beendet")


def test_a_broken_credential_file_is_described_in_german() -> None:
    """The file is named, the problem and the way out are German; the file stays untouched."""
    path = docker_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"auths": []}')
    i18n.set_language("de")
    with pytest.raises(CredentialsError) as caught:
        CredentialStore("docker").get("localhost:5000")
    message = str(caught.value)
    assert message.startswith(f"{path}: \"auths\" ist eine Liste, kein JSON-Objekt.")
    assert "der Tutor überschreibt sie nie" in message and "config.json.bak" in message
    assert path.read_text() == '{"auths": []}'


def test_a_missing_credential_helper_is_described_in_german() -> None:
    path = docker_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"credsStore": "nosuchhelper"}))
    i18n.set_language("de")
    with pytest.raises(CredentialsError, match=r"docker-credential-nosuchhelper ist eingerichtet, aber nicht "
                                               r"installiert"):
        CredentialStore("docker").store("localhost:5000", "anna", "s3cret")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_state_word_fits_the_legend_on_one_line(lang: str) -> None:
    """The legend under the step list is 15 columns wide inside its padding: "» " and the word."""
    from tutor.core.lab.session import SIGNS, StepState, state_word

    i18n.set_language(lang)
    try:
        lines = [f"{SIGNS[state]} {state_word(state)}" for state in StepState]
    finally:
        i18n.set_language("en")
    assert all(len(line) <= 15 for line in lines), lines
