"""The companion's events file and how registry output becomes events (the parsing rules alone).

The same rules meet the real registry's output in tests/test_companion.py; these pin the edge cases.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tutor.core.registry.companion import events as store
from tutor.core.registry.companion.container_log import stamp_ns
from tutor.core.registry.companion.progress import class_rows, elapsed
from tutor.core.registry.companion.sources import (
    LogFollower,
    client_of,
    from_envelope,
    from_log_line,
    host_of,
)
from tutor.core.registry.companion.words import pick_language


def test_a_torn_last_line_waits_and_a_foreign_line_is_skipped(tmp_path: Path) -> None:
    """Only whole lines are read; a line that is not an event never stops the reader; ids count once."""
    path = tmp_path / "events.jsonl"
    event = store.Event("a1", "push", store.now_iso(), user="ada", repository="ada/app")
    store.append(path, [event, event])
    with open(path, "ab") as handle:
        handle.write(b"not json\n" + b'{"id": "b2", "kind": "pu')
    reader = store.EventReader(path)
    assert [e.id for e in reader.read_new()] == ["a1"]
    with open(path, "ab") as handle:
        handle.write(b'll", "time": "2026-01-01T00:00:00+00:00", "user": "ada"}\n')
    assert [e.kind for e in reader.read_new()] == ["pull"]
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_envelopes_keep_manifest_pushes_and_pulls_but_not_the_tutors_own() -> None:
    """Blob events and tutor-admin's reads are left out; the user agent names the client."""
    def item(action: str, user: str, media: str, agent: str) -> dict[str, object]:
        return {"id": f"{action}-{user}-{media[-4:]}", "timestamp": "2026-12-02T13:22:17.381026728Z",
                "action": action, "actor": {"name": user},
                "target": {"mediaType": media, "repository": f"{user}/app", "tag": "v1",
                           "digest": "sha256:1"},
                "request": {"addr": "10.0.0.7:51234", "useragent": agent}}

    manifest = "application/vnd.docker.distribution.manifest.v2+json"
    events = from_envelope({"events": [
        item("push", "ada", manifest, "docker/20.10.24 go/go1.19"),
        item("pull", "ada", manifest, "containers/5.23 (github.com/containers/image)"),
        item("push", "ada", "application/octet-stream", "docker/20.10"),
        item("pull", "tutor-admin", manifest, "Python-urllib/3.11"),
    ]})
    assert [(e.kind, e.client, e.addr) for e in events] == [("push", "docker", "10.0.0.7"),
                                                          ("pull", "podman", "10.0.0.7")]
    assert events[0].time == "2026-12-02T13:22:17.381+00:00"
    assert from_envelope("nonsense") == [] and from_envelope({"events": None}) == []


def test_log_lines_give_failed_logins_real_errors_and_signs_of_a_working_login() -> None:
    """A wrong password names the account; a HEAD 'blob unknown' (normal in a push) proves a login."""
    failed = from_log_line(json.dumps({"msg": 'error authenticating user "ada": authentication failure',
                                       "http.request.remoteaddr": "127.0.0.1:4000", "level": "error",
                                       "http.request.id": "r1", "time": "2026-12-02T13:22:14.788Z"}))
    assert failed and (failed.kind, failed.user, failed.addr) == ("login_failed", "ada", "127.0.0.1")
    probe = {"auth.user.name": "ada", "err.code": "blob unknown", "http.request.method": "HEAD",
             "http.request.id": "r2", "vars.name": "ada/app"}
    seen = from_log_line(json.dumps(probe))
    assert seen and seen.kind == "seen" and seen.error is None
    refused = from_log_line(json.dumps({**probe, "http.request.method": "GET", "http.request.id": "r3"}))
    assert refused and refused.kind == "refused" and refused.error == "blob unknown"
    assert from_log_line(json.dumps({"msg": "response completed", "level": "info"})) is None
    tls = from_log_line("2026/12/02 13:00:00 http: TLS handshake error from 10.0.0.9:5555: bad certificate")
    assert tls and (tls.kind, tls.addr, tls.error) == ("refused", "10.0.0.9", "tls")
    assert from_log_line("[") is None


def test_an_error_without_a_name_goes_to_the_account_working_from_that_address() -> None:
    """The TLS failure from 10.0.0.9 lands on the account last seen there; other rows stay clean."""
    now = store.now_iso()
    events = [store.Event("1", "account_added", now, user="ada"),
              store.Event("2", "account_added", now, user="bob"),
              store.Event("3", "seen", now, user="bob", addr="10.0.0.9"),
              store.Event("4", "refused", now, addr="10.0.0.9", error="tls")]
    rows = {row.user: row for row in class_rows(events, ["ada", "bob"])}
    assert rows["bob"].last_error == "tls" and rows["ada"].last_error is None
    typo = store.Event("5", "login_failed", now, user="bbo", addr="10.0.0.9")  # a mistyped account name
    rows = {row.user: row for row in class_rows([*events, typo], ["ada", "bob"])}
    assert rows["bob"].last_error == "login_failed" and "bbo" not in rows
    assert rows["bob"].current_step == "push" and rows["ada"].current_step == "login"


def test_an_accepted_login_reads_as_the_account_working_from_that_address() -> None:
    """The registry names no account on an accepted GET /v2/: the retry after a wrong password is that
    account's, a lone account's machine is its own, and on a shared address the next named request
    says whose login it was (and since when)."""
    line = {"msg": "authorized request", "http.request.method": "GET", "http.request.uri": "/v2/",
            "http.request.remoteaddr": "10.0.0.7:5000", "http.request.useragent": "docker/26.1.5 go/1.22",
            "http.request.id": "r9", "time": "2026-12-02T13:00:10Z", "level": "info"}
    accepted = from_log_line(json.dumps(line))
    assert accepted and (accepted.kind, accepted.user, accepted.addr) == ("authorized", None, "10.0.0.7")
    assert from_log_line(json.dumps({**line, "http.request.uri": "/v2/ada/app/tags/list"})) is None
    assert from_log_line(json.dumps({**line, "http.request.useragent": "python-requests/2.32"})) is None
    named = from_log_line(json.dumps({**line, "auth.user.name": "ada"}))  # newer registries name it
    assert named and named.user == "ada"

    def at(second: int) -> str:
        return f"2026-12-02T13:{second // 60:02d}:{second % 60:02d}.000+00:00"

    added = [store.Event(f"a{n}", "account_added", at(0), user=name) for n, name in enumerate(("ada", "bob"))]
    wrong = store.Event("w", "login_failed", at(5), user="ada", addr="10.0.0.7")
    retry = store.Event("r", "authorized", at(10), addr="10.0.0.7", client="docker")
    rows = {row.user: row for row in class_rows([*added, wrong, retry], ["ada", "bob"])}
    assert rows["ada"].done.get("login") == at(10) and rows["ada"].current_step == "push"
    assert "login" not in rows["bob"].done
    late = store.Event("r", "authorized", at(900), addr="10.0.0.7", client="docker")  # still her machine
    assert "login" in {row.user: row for row in class_rows([*added, wrong, late], ["ada", "bob"])}["ada"].done

    shared = [*added, store.Event("s1", "seen", at(1), user="ada", addr="10.0.0.1"),
              store.Event("s2", "seen", at(2), user="bob", addr="10.0.0.1")]
    first = store.Event("l", "authorized", at(400), addr="10.0.0.1", client="docker")  # whose? not known yet
    rows = {row.user: row for row in class_rows([*shared, first], ["ada", "bob"])}
    assert rows["ada"].done.get("login") == at(1) and rows["bob"].done.get("login") == at(2)
    newcomer = [store.Event("a3", "account_added", at(0), user="cy"), first,
                store.Event("p", "push", at(460), user="cy", addr="10.0.0.1", repository="cy/app")]
    rows = {row.user: row for row in class_rows([*shared, *newcomer], ["ada", "bob", "cy"])}
    assert rows["cy"].done.get("login") == at(400)  # logged in since the login its push came after


def test_a_pull_before_the_push_or_of_another_account_does_not_count() -> None:
    """pulled means: this account pulled its own image with docker or podman after pushing it."""
    t = "2026-01-01T00:00:0{}+00:00".format
    events = [store.Event("1", "pull", t(1), user="ada", repository="ada/app", client="docker"),
              store.Event("2", "push", t(2), user="ada", repository="ada/app", tag="v1"),
              store.Event("3", "pull", t(3), user="ada", repository="bob/app", client="docker"),
              store.Event("4", "pull", t(4), user="ada", repository="ada/app", client="other")]
    row = class_rows(events, ["ada"])[0]
    assert "pull" not in row.done and row.done["push"] == t(2)


def test_the_log_follower_resumes_and_starts_over_on_a_new_log(tmp_path: Path) -> None:
    """Its saved position survives a restart; a replaced (shorter) log is read from its start."""
    log, cursor = tmp_path / "registry.log", tmp_path / "cursor.json"
    log.write_text("one\ntwo\npart")
    first = LogFollower(log, cursor)
    assert first.read_new() == ["one", "two"]
    first.save()
    with open(log, "a") as handle:
        handle.write("ial\n")
    assert LogFollower(log, cursor).read_new() == ["partial"]
    log.unlink()
    log.write_text("new\n")
    assert LogFollower(log, cursor).read_new() == ["new"]


def test_a_companion_killed_before_saving_its_place_writes_no_event_twice(tmp_path: Path) -> None:
    """kill -9 between a line's event reaching the events file and the log position being saved:
    the next companion reads that line again and knows its event by the registry's request id."""
    from tutor.core.registry import server as registry_server
    from tutor.core.registry.companion.app import Companion
    from tutor.core.registry.companion.settings import CompanionSettings

    settings = CompanionSettings("http://127.0.0.1:1", "127.0.0.1:1", "127.0.0.1", 1, 2, "token")
    log = registry_server.ServerConfig(tmp_path).log_file
    log.parent.mkdir(parents=True, exist_ok=True)
    wrong = json.dumps({"msg": 'error authenticating user "ada": authentication failure', "level": "error",
                        "http.request.remoteaddr": "127.0.0.1:4000", "http.request.id": "r1",
                        "time": "2026-12-02T13:22:14.788Z"})
    tls = "2026/12/02 13:00:01 http: TLS handshake error from 10.0.0.9:5555: bad certificate"
    log.write_text(f"{wrong}\n{tls}\n")
    first = Companion(tmp_path, settings)
    assert first.poll()
    first.follower.cursor_file.unlink()  # as if killed before follower.save()
    again = Companion(tmp_path, settings)
    assert again.poll()  # the events already on file
    with open(log, "a") as handle:
        handle.write(wrong.replace('"r1"', '"r2"') + "\n")
    again.poll()
    kinds = [event.kind for event in store.load(store.events_path(tmp_path))]
    written = store.events_path(tmp_path).read_text().splitlines()
    assert kinds == ["login_failed", "refused", "login_failed"] and len(written) == 3


def test_small_readers() -> None:
    """Clients, addresses, languages and durations as the board shows them."""
    assert client_of("docker/20.10") == "docker" and client_of("curl/8") == "other"
    assert host_of("[::1]:5000") == "::1" and host_of("10.0.0.1:80") == "10.0.0.1" and host_of(None) is None
    assert pick_language(None, "de-AT,de;q=0.9", "en") == "de" and pick_language("en", "de", "de") == "en"
    assert pick_language(None, "fr", "de") == "de"
    assert elapsed("2026-01-01T00:00:00+00:00") != "" and elapsed(None) == "" and elapsed("junk") == ""


def test_engine_log_times_in_nanoseconds() -> None:
    """Docker's RFC 3339 times (trailing zeros of the fraction cut), Podman's whole seconds, offsets."""
    second = 1796230933 * 1_000_000_000
    assert stamp_ns("2026-12-02T17:02:13.61025Z") == second + 610_250_000
    assert stamp_ns("2026-12-02T17:02:13.610250358Z") == second + 610_250_358
    assert stamp_ns("2026-12-02T17:02:13Z") == second == stamp_ns("2026-12-02T18:02:13+01:00")
    assert stamp_ns("{") is None and stamp_ns("2026-13-02T17:02:13Z") is None
