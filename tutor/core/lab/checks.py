"""State checks, one per lab step: decided from the real engine and registry.

The pull alone needs history (the engine's events); once seen, its evidence is kept with the
step (evidence.py), and later the present state is compared with that evidence instead.

A check never raises: engine or registry trouble gives Status.UNKNOWN with the explainer's
message. Within one run_check/run_all call every engine and registry lookup is made once;
the registry client (and its tokens) is kept on the LabContext between calls.

Longer than 400 lines on purpose: the first lab's seven checks share one probe (one round of
engine and registry lookups) and its helpers; the second lab's checks are in checks_deploy.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from tutor.core.engine.credentials import Credential, CredentialsError, CredentialStore
from tutor.core.engine.gateway import Engine, EngineError, EngineUnavailable, LocalImage
from tutor.core.events import CheckResult, Explanation, RemoteImage, Status
from tutor.core.i18n import N_, current_language, translate
from tutor.core.lab.evidence import Change, PullEvidence
from tutor.core.lab.resolve import Accounts
from tutor.core.records import field, record, replace
from tutor.core.registry.api import (
    NotFound,
    PlatformMissing,
    RegistryClient,
    RegistryError,
    Unauthorized,
)
from tutor.core.target import InvalidName, RegistryKind, Target, learner_names, parse_reference

CHECK_IDS = ("image", "account", "login", "tag", "push", "verify", "pull")
_CLIENT_LIFETIME = 60.0  # seconds: bearer tokens of Docker Hub and Quay expire after a few minutes
_PODMAN_EVENT_RETRIES, _PODMAN_EVENT_DELAY = 4, 0.2
LOOKBACK_NANO = 7 * 24 * 3600 * 1_000_000_000  # how far back a lab first met may have begun
_USER_APIS = {RegistryKind.DOCKER_HUB: ("https://hub.docker.com", "/v2/users/{user}/"),
              RegistryKind.QUAY: ("https://quay.io", "/api/v1/users/{user}")}


@record(frozen=False)
class LabContext:
    """What the checks look at: the engine, the lab's target, the stored logins, the practice registry."""

    engine: Engine
    target: Target
    credentials: CredentialStore
    practice: Accounts | None = None
    lab_started_nano: int | None = None
    lang: str = field(default_factory=current_language)
    proofs: dict[str, dict[str, str]] = field(default_factory=dict)
    _client: tuple[tuple[str, str, str], float, RegistryClient] | None = field(
        default=None, init=False, repr=False, compare=False)

    def client(self, credential: Credential | None) -> RegistryClient:
        """The registry client for these credentials, reused while they and its tokens are fresh."""
        key = (self.target.api_base, credential.username if credential else "",
               credential.secret if credential else "")
        if self._client is None or self._client[0] != key or \
                time.monotonic() - self._client[1] > _CLIENT_LIFETIME:
            client = RegistryClient(self.target.api_base, key[1] or None, key[2] or None,
                                    ca_file=self.target.ca_file)
            self._client = (key, time.monotonic(), client)
        return self._client[2]


class _Probe:
    """One round of looking: each engine or registry fact is fetched at most once."""

    def __init__(self, ctx: LabContext) -> None:
        self.ctx = ctx
        self._memo: dict[str, Any] = {}
        self._pending: dict[str, threading.Thread] = {}

    def _once(self, key: str, fetch: Callable[[], Any]) -> Any:
        self._settle(key)
        if key not in self._memo:
            self._memo[key] = _fetched(fetch)
        value = self._memo[key]
        if isinstance(value, Exception):
            raise value
        return value

    def prefetch(self, check_ids: Collection[str]) -> None:
        """Start the first lab's lookups side by side, so that its checks wait for the slowest alone.

        Each answer (or its error) is kept as if asked in turn; a lookup that fails otherwise is
        asked again when a check needs it, so it raises where it would have. The stored login is
        read first: the registry lookup (the slowest, two round trips) needs it.
        """
        try:
            self.credential()
        except CredentialsError:
            pass  # the checks say so; the registry is asked (or not) in turn
        else:
            self._start("remote", self._fetch_remote)
        self._start("tagged", self._fetch_tagged)
        if "pull" in check_ids:
            self._start("events", self._fetch_events)

    def _start(self, key: str, fetch: Callable[[], Any]) -> None:
        def run() -> None:
            value = _fetched(fetch, quiet=True)
            if value is not _FAILED:
                self._memo[key] = value

        thread = threading.Thread(target=run, name=f"check-{key}", daemon=True)
        self._pending[key] = thread
        thread.start()

    def _settle(self, key: str) -> None:
        """Wait for a lookup prefetch started."""
        thread = self._pending.pop(key, None)
        if thread is not None:
            thread.join()

    def settle_all(self) -> None:
        """Wait for every lookup still under way (none outlives the run that started it)."""
        for key in list(self._pending):
            self._settle(key)

    def source(self) -> LocalImage | None:
        return self._once("source", lambda: self.ctx.engine.image(self.ctx.target.image))

    def tagged(self) -> LocalImage | None:
        return self._once("tagged", self._fetch_tagged)

    def _fetch_tagged(self) -> LocalImage | None:
        return self.ctx.engine.image(self.ctx.target.remote_ref)

    def events(self) -> list[Any]:
        """The engine's image events of the lab's repository since the lab began."""
        return list(self._once("events", self._fetch_events))

    def _fetch_events(self) -> list[Any]:
        return _lab_events(self.ctx)

    def credential(self) -> Credential | None:
        return self._once("credential", lambda: self.ctx.credentials.get(self.ctx.target.registry))

    def remote(self) -> RemoteImage:
        """What the registry serves for the lab's repository:tag (NotFound when nothing)."""
        return self._once("remote", self._fetch_remote)

    def _fetch_remote(self) -> RemoteImage:
        target = self.ctx.target
        # No check reads when the registry's image was built: its config blob is not fetched.
        return self.ctx.client(self.credential()).remote_image(
            target.api_path, target.tag, self.ctx.engine.platform, with_tags=False, with_created=False)

    def remote_or_none(self) -> RemoteImage | None:
        """The remote image, or None when the registry does not serve it or cannot be asked."""
        try:
            return self.remote()
        except RegistryError:
            return None

    def login_accepted(self) -> bool:
        """True when the registry accepts the stored login now; Unauthorized when it refuses."""
        def check() -> bool:
            self._settle("remote")
            if self._memo.get("remote") is None or not _proves_login(self._memo["remote"]):
                self.ctx.client(self.credential()).check_login()
            return True
        return bool(self._once("login", check))

    def reference_id(self) -> str | None:
        """The lab image's ID: the source's, else (source removed) what the registry holds."""
        source = self.source()
        if source is not None:
            return source.id
        remote = self.remote_or_none()
        return self.remote_id(remote) if remote else None

    def remote_id(self, remote: RemoteImage) -> str:
        """The ID the engine gives the registry's image: config digest (classic store), else tag digest."""
        return remote.config_digest if self.store() == "classic" else remote.tag_digest

    def store(self) -> str:
        return str(self._once("store", lambda: self.ctx.engine.image_store))

    def same(self, remote: RemoteImage, local_id: str | None) -> bool:
        """True when local_id is the registry's image, compared like with like for the engine's store.

        Classic store (and Podman): the config digest. containerd store: the manifest or index the
        tag names (an image pulled through an index keeps the index digest as its ID). Which one a
        local ID matches already tells the store (a config blob is never a manifest or an index, so
        a config digest is no containerd ID and a manifest's no classic one): the engine is not asked.
        """
        return remote.digest_named(local_id) is not None


_FAILED = object()


def _fetched(fetch: Callable[[], Any], quiet: bool = False) -> Any:
    """FETCH's answer, or the engine, registry or credentials error it raised (kept, to raise
    again where asked). QUIET: any other failure gives _FAILED instead of raising."""
    try:
        return fetch()
    except (RegistryError, EngineError, EngineUnavailable, CredentialsError) as error:
        return error
    except Exception:
        if not quiet:
            raise
        return _FAILED


def _proves_login(value: object) -> bool:
    return isinstance(value, (RemoteImage, NotFound))


def _short(image_id: str) -> str:
    return image_id.split(":", 1)[-1][:12]


def _result(ctx: LabContext, step: str, status: Status, detail: str, hint: str | None = None,
            key: str | None = None, facts: dict[str, str] | None = None, **values: str) -> CheckResult:
    """A verdict with its texts in the context's language, filled with the learner's names."""
    names = learner_names(ctx.target, ctx.engine.kind) | values
    return CheckResult(step, status, _text(ctx, detail).format(**names),
                       _text(ctx, hint).format(**names) if hint else None, _explained(ctx, key), facts or {})


def _explained(ctx: LabContext, key: str | None) -> Explanation | None:
    """The explainer's entry KEY names; the explainer loads once a step is not done."""
    if not key:
        return None
    from tutor.core.explainer import explanation

    return explanation(key, ctx.target, ctx.engine.kind, ctx.lang)


def _text(ctx: LabContext, english: str) -> str:
    return translate(english, ctx.lang)


def _unknown(ctx: LabContext, step: str, error: Exception) -> CheckResult:
    from tutor.core.explainer import explain  # loads once a check cannot tell

    message = str(error)
    explained = explain(message, ctx.target, ctx.engine.kind, ctx.lang)
    hint = explained.fix if explained else None
    return CheckResult(step, Status.UNKNOWN, message.splitlines()[0] if message else type(error).__name__,
                       hint, explained)


# -- the checks -------------------------------------------------------------------------------
def _check_image(ctx: LabContext, probe: _Probe) -> CheckResult:
    source = probe.source()
    if source is not None:
        return _result(ctx, "image", Status.DONE, N_("{image} is here (image ID {id})"),
                       id=_short(source.id))
    if probe.tagged() is not None:
        return _result(ctx, "image", Status.DONE,
                       N_("{image} was removed, but its copy {remote_ref} is here"))
    return _result(ctx, "image", Status.TODO, N_("There is no local image {image}"),
                   N_("Get it as the lesson shows, then check with: {cli} images"))


def _check_account(ctx: LabContext, probe: _Probe) -> CheckResult:
    user = ctx.target.user
    if ctx.target.practice and ctx.practice is not None:
        if ctx.practice.has_user(user):
            return _result(ctx, "account", Status.DONE, N_("The practice registry has the account {user}"))
        return _result(ctx, "account", Status.TODO, N_("The practice registry has no account {user}"),
                       N_("Ask your instructor, or run: registry-tutor practice add-user {user}"))
    if _own_login_works(probe, user):
        return _result(ctx, "account", Status.DONE,
                       N_("{user} can log in to {registry}, so the account exists"))
    if ctx.target.kind in _USER_APIS:
        return _public_user_api(ctx)
    return _result(ctx, "account", Status.UNKNOWN, N_("{registry} cannot confirm {user} before you log in"),
                   N_("Log in (next step): a login that works proves the account"))


def _own_login_works(probe: _Probe, user: str) -> bool:
    try:
        stored = probe.credential()
        return stored is not None and stored.username == user and probe.login_accepted()
    except (RegistryError, CredentialsError):
        return False


def _public_user_api(ctx: LabContext) -> CheckResult:
    base, path = _USER_APIS[ctx.target.kind]
    try:
        RegistryClient(base, timeout=3.0).request("GET", path.format(user=ctx.target.user))
    except NotFound:
        return _result(ctx, "account", Status.TODO, N_("{registry} has no account {user}"),
                       N_("Sign up on the registry's web site, then type your user name exactly"))
    except RegistryError as error:
        reason = _unknown(ctx, "account", error)
        result = _result(ctx, "account", Status.UNKNOWN,
                         N_("Cannot ask {registry} about {user} now ({reason})"), reason=reason.detail)
        return replace(result, hint=reason.hint, explanation=reason.explanation)
    return _result(ctx, "account", Status.DONE, N_("{registry} has the account {user}"))


def _check_login(ctx: LabContext, probe: _Probe) -> CheckResult:
    stored = probe.credential()
    fix = "{cli} login {registry} -u {user}"
    if stored is None:
        return _result(ctx, "login", Status.TODO, N_("Not logged in to {registry}"), fix, "not_logged_in")
    if stored.username != ctx.target.user:
        return _result(ctx, "login", Status.TODO, N_("Logged in as {other}, not {user}"), fix, "other_user",
                       other=stored.username)
    try:
        probe.login_accepted()
    except Unauthorized:
        return _result(ctx, "login", Status.TODO, N_("{registry} refused the stored password for {user}"),
                       fix, "wrong_password")
    return _result(ctx, "login", Status.DONE, N_("Logged in to {registry} as {user}"))


def _check_tag(ctx: LabContext, probe: _Probe) -> CheckResult:
    tagged, wanted = probe.tagged(), probe.reference_id()
    fix = "{cli} tag {image} {repository}"
    if tagged is not None and wanted is not None and tagged.id == wanted:
        return _result(ctx, "tag", Status.DONE, N_("{remote_ref} names your image ({id})"),
                       id=_short(tagged.id))
    if tagged is not None:
        return _result(ctx, "tag", Status.TODO, N_("{remote_ref} names another image than {image}"), fix)
    remote = probe.remote_or_none() if wanted is not None else None
    if remote is not None and probe.same(remote, wanted):
        return _result(ctx, "tag", Status.DONE,
                       N_("{remote_ref} was tagged and pushed (the local name is gone)"))
    return _result(ctx, "tag", Status.TODO, N_("No local image is named {remote_ref} yet"), fix)


def _remote(ctx: LabContext, probe: _Probe, step: str) -> RemoteImage | CheckResult:
    """The pushed image, or the result that says why there is none to look at."""
    try:
        return probe.remote()
    except PlatformMissing as error:  # served, but not for this engine: the explainer's partial index
        return _unknown(ctx, step, error)
    except NotFound:
        return _result(ctx, step, Status.TODO, N_("{registry} does not serve {remote_ref} yet"),
                       "{cli} push {repository}")
    except Unauthorized as error:
        if probe.credential() is None:
            return _result(ctx, step, Status.UNKNOWN, N_("{registry} shows repositories only after a login"),
                           "{cli} login {registry} -u {user}", "not_logged_in")
        return _unknown(ctx, step, error)


def _check_push(ctx: LabContext, probe: _Probe) -> CheckResult:
    remote = _remote(ctx, probe, "push")
    if isinstance(remote, CheckResult):
        return remote
    return _result(ctx, "push", Status.DONE, N_("{registry} serves {remote_ref} ({digest}…)"),
                   digest=remote.manifest_digest[:19])


def _check_verify(ctx: LabContext, probe: _Probe) -> CheckResult:
    remote = _remote(ctx, probe, "verify")
    if isinstance(remote, CheckResult):
        return remote
    local = probe.source() or probe.tagged()
    same = local is not None and probe.same(remote, local.id)
    facts = _facts(remote, local, same)
    if local is None:
        return _result(ctx, "verify", Status.UNKNOWN, N_("No local copy of {image} to compare with"),
                       "{cli} pull {repository}", facts=facts)
    if not same:
        other = N_("The registry's {remote_ref} is another image than your local {image}")
        return _result(ctx, "verify", Status.TODO, other,
                       N_("{cli} tag {image} {repository}, then {cli} push {repository}"), facts=facts)
    if remote.digest_named(local.id) == "config":
        done = N_("The registry holds exactly your image (config digest = local image ID {id})")
    else:
        done = N_("The registry holds exactly your image (the tag's digest = local image ID {id})")
    return _result(ctx, "verify", Status.DONE, done, facts=facts, id=_short(local.id))


def _facts(remote: RemoteImage, local: LocalImage | None, same: bool) -> dict[str, str]:
    created = local.created if local is not None and same else ""
    return {"repository": remote.repository, "tag": remote.tag, "digest": remote.manifest_digest,
            "index_digest": remote.index_digest, "config_digest": remote.config_digest,
            "local_is": (remote.digest_named(local.id) or "") if local is not None else "",
            "media_type": remote.media_type, "size": str(remote.size), "layers": str(len(remote.layers)),
            "created": created}


def _check_pull(ctx: LabContext, probe: _Probe) -> CheckResult:
    tagged, wanted = probe.tagged(), probe.reference_id()
    evidence = PullEvidence.from_proof(ctx.proofs.get("pull", {}))
    if tagged is None:
        if evidence is not None:
            return _result(ctx, "pull", Status.TODO, _CHANGED[Change.GONE], "{cli} pull {repository}",
                           when=evidence.when)
        return _result(ctx, "pull", Status.TODO, N_("There is no local {remote_ref} pulled from {registry}"),
                       "{cli} pull {repository}")
    if wanted is not None and tagged.id != wanted:
        return _result(ctx, "pull", Status.TODO, N_("The local {remote_ref} is another image than {image}"),
                       N_("{cli} push {repository}, then remove the local copy and pull it again"))
    pulled_at = _pulled_after_push(ctx, probe)
    if pulled_at is not None:
        remote = probe.remote_or_none()
        seen = PullEvidence.seen(ctx.target.remote_ref, tagged.id, remote.tag_digest if remote else None,
                                 pulled_at, ctx.target.registry)
        return _result(ctx, "pull", Status.DONE, N_("{remote_ref} came back from {registry} after the push"),
                       facts=seen.as_facts())
    if evidence is not None:
        return _check_evidence(ctx, probe, evidence, tagged)
    return _result(ctx, "pull", Status.TODO, N_("No pull of {remote_ref} since your push"),
                   N_("Remove the local copy ({cli} rmi {remote_ref}), then: {cli} pull {repository}"))


_CHANGED = {
    Change.GONE: N_("The {remote_ref} you pulled ({when}) is no longer here"),
    Change.OTHER_IMAGE: N_("{remote_ref} now names another image than the one you pulled ({when})"),
    Change.NOT_SERVED: N_("{registry} no longer serves the {remote_ref} you pulled ({when})"),
    Change.OTHER_DIGEST: N_("{registry} now serves another {remote_ref} than the one you pulled ({when})"),
}


def _check_evidence(ctx: LabContext, probe: _Probe, evidence: PullEvidence,
                    tagged: LocalImage) -> CheckResult:
    """A pull proven earlier (the engine's events may be gone): done while nothing contradicts it."""
    served: bool | None = None
    digest: str | None = None
    try:
        digest, served = probe.remote().tag_digest, True
    except NotFound:
        served = False
    except RegistryError:
        served = None  # cannot ask now: nothing contradicts the evidence
    change = evidence.contradiction(tagged.id, digest, served)
    if change is not None:
        return _result(ctx, "pull", Status.TODO, _CHANGED[change],
                       N_("Remove the local copy ({cli} rmi {remote_ref}), then: {cli} pull {repository}"),
                       when=evidence.when)
    unchanged = N_("{remote_ref} came back from {registry} ({when}) and is unchanged")
    return _result(ctx, "pull", Status.DONE, unchanged, when=evidence.when)


def _pulled_after_push(ctx: LabContext, probe: _Probe) -> int | None:
    """When the engine's events show the lab's name pulled after its last push, else None."""
    # Podman writes its event log a moment after the API call returns, so ask it again briefly.
    attempts = _PODMAN_EVENT_RETRIES if ctx.engine.kind == "podman" else 1
    for attempt in range(attempts):
        events = probe.events() if attempt == 0 else _lab_events(ctx)
        pushed, pulled = _push_and_pull_times(ctx, events)
        if pulled is not None and (pushed is None or pulled >= pushed):
            return pulled
        if attempt + 1 < attempts:
            time.sleep(_PODMAN_EVENT_DELAY)
    return None


def _lab_events(ctx: LabContext) -> list[Any]:
    now = time.time_ns()
    since = ctx.lab_started_nano or now - LOOKBACK_NANO
    return ctx.engine.image_events(since, now, _event_names(ctx.target))


def first_activity(ctx: LabContext) -> int | None:
    """When the engine's events first show the lab's name (tagged, pushed, pulled) within the lookback."""
    now = time.time_ns()
    try:
        events = ctx.engine.image_events(now - LOOKBACK_NANO, now, _event_names(ctx.target))
    except (EngineError, EngineUnavailable):
        return None
    times = [event.time_nano for event in events if _same_repository(event.name, ctx.target)]
    return min(times, default=None)


def _event_names(target: Target) -> tuple[str, ...]:
    """The names the engine may give the lab's repository in its events (Docker Hub's short and long)."""
    full = f"{target.registry}/{target.api_path}"
    return (target.repository,) if full == target.repository else (target.repository, full)


def _push_and_pull_times(ctx: LabContext, events: list[Any]) -> tuple[int | None, int | None]:
    pushed: int | None = None
    pulled: int | None = None
    for event in events:
        if event.action in ("push", "pull") and _same_repository(event.name, ctx.target):
            if event.action == "push":
                pushed = max(pushed or 0, event.time_nano)
            else:
                pulled = max(pulled or 0, event.time_nano)
    return pushed, pulled


def _same_repository(name: str, target: Target) -> bool:
    try:
        reference = parse_reference(name)
    except InvalidName:
        return False
    wanted = parse_reference(target.remote_ref)
    return (reference.registry, reference.path, reference.tag or "latest") == \
        (wanted.registry, wanted.path, wanted.tag)


CheckFunction = Callable[[LabContext, _Probe], CheckResult]
_CHECKS: dict[str, CheckFunction] = {
    "image": _check_image, "account": _check_account, "login": _check_login, "tag": _check_tag,
    "push": _check_push, "verify": _check_verify, "pull": _check_pull,
}
# The push check's one authenticated request also proves the login, so run it early.
_ORDER = ("image", "push", "login", "account", "tag", "verify", "pull")
_PREFETCHED_FOR = frozenset(CHECK_IDS)  # run_all looks up ahead only for the first lab's checks


def _run(check_id: str, ctx: LabContext, probe: _Probe) -> CheckResult:
    try:
        return _CHECKS[check_id](ctx, probe)
    except (RegistryError, EngineError, EngineUnavailable, CredentialsError, InvalidName) as error:
        return _unknown(ctx, check_id, error)
    except Exception as error:  # a check must never take the screen down
        return CheckResult(check_id, Status.UNKNOWN, f"The check itself failed: {error}")


def register(checks: dict[str, CheckFunction]) -> None:
    """Add another lab's checks to the table lessons name them from."""
    _CHECKS.update(checks)


def known_checks() -> tuple[str, ...]:
    """Every check id a lesson may name."""
    return tuple(_CHECKS)


def run_check(check_id: str, ctx: LabContext) -> CheckResult:
    """Run one step's check; never raises (an unknown id is a ValueError, a programming error)."""
    if check_id not in _CHECKS:
        raise ValueError(f"unknown check {check_id!r}; the checks are {', '.join(_CHECKS)}")
    return _run(check_id, ctx, _Probe(ctx))


def run_all(ctx: LabContext, check_ids: tuple[str, ...] = CHECK_IDS) -> list[CheckResult]:
    """The checks CHECK_IDS (a lesson's, in its order), sharing one round of engine and registry lookups."""
    probe = _Probe(ctx)
    ordered = [check_id for check_id in _ORDER if check_id in check_ids]
    ordered += [check_id for check_id in check_ids if check_id not in ordered]
    if len(set(ordered) & _PREFETCHED_FOR) > 1:
        probe.prefetch(ordered)
    try:
        results = {check_id: _run(check_id, ctx, probe) for check_id in ordered}
    finally:
        probe.settle_all()
    return [results[check_id] for check_id in check_ids]
