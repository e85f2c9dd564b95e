"""Reset: undo exactly what the lab created, and nothing else.

`plan_reset` reads the progress entry's record of what the lab made (local tags, the login
the tutor stored, the tag it pushed to the registry) and describes, in words, each thing it
will undo and each thing it will leave alone and why. `apply_reset` undoes only the planned
items. The source image, tags the learner made outside the lab and logins the tutor did not
store are never touched. What cannot be undone now stays recorded so a later reset can.
"""

from __future__ import annotations

from typing import Literal

from tutor.core.engine.credentials import CredentialsError, CredentialStore
from tutor.core.engine.gateway import Engine, EngineError, EngineUnavailable
from tutor.core.lab.progress import LessonProgress, ProgressError, ProgressStore
from tutor.core.records import field, record
from tutor.core.registry.api import NotFound, RegistryClient, RegistryError
from tutor.core.target import InvalidName, Target, normalize_registry, parse_reference

ItemKind = Literal["repository", "tag", "login", "progress"]


@record
class ResetItem:
    """One thing reset will undo, described for the learner."""

    kind: ItemKind
    value: str
    description: str
    digest: str | None = None


@record
class ResetPlan:
    """What reset will undo (items, in order) and what it leaves alone (with the reason)."""

    progress: LessonProgress
    items: tuple[ResetItem, ...] = ()
    left_alone: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to undo."""
        return not self.items

    def lines(self) -> list[str]:
        """The plan as lines to show before asking."""
        lines = [f"- {item.description}" for item in self.items]
        lines += [f"  (left alone: {reason})" for reason in self.left_alone]
        return lines


@record
class ResetResult:
    """The outcome of undoing one item."""

    item: ResetItem
    ok: bool
    message: str


@record(frozen=False)
class _Planner:
    engine: Engine | None
    target: Target
    credentials: CredentialStore | None
    progress: LessonProgress
    items: list[ResetItem] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def plan(self) -> ResetPlan:
        for reference in self.progress.created_of("repository"):
            self._plan_repository(reference)
        for tag in self.progress.created_of("tag"):
            self._plan_tag(tag)
        for key in self.progress.created_of("login"):
            self._plan_login(key)
        if not self.progress.is_empty:
            self.items.append(ResetItem("progress", self.progress.key.text,
                                        f"Forget your progress on {self.progress.key}."))
        return ResetPlan(self.progress, tuple(self.items), tuple(self.left_alone))

    def _plan_repository(self, reference: str) -> None:
        try:
            repository, tag = remote_parts(reference, self.target)
            client = registry_client(self.target, self.credentials)
            digest = client.manifest(repository, tag)[0]
            sharing = _other_tags_on(client, repository, tag, digest)
        except NotFound:
            self.left_alone.append(f"{reference} is no longer on the registry")
            return
        except InvalidName as error:
            self.left_alone.append(f"{reference}: {error}")
            return
        except (RegistryError, CredentialsError) as error:
            self.left_alone.append(f"{reference}: the registry could not be asked ({error}); "
                                   "try reset again when it answers")
            self.pending.append(reference)
            return
        pushed = self.progress.facts.get("pushed_digest")
        if isinstance(pushed, str) and pushed and pushed != digest:
            self.left_alone.append(f"{reference} now holds another image than the lab pushed")
        elif sharing:
            self.left_alone.append(f"{reference}: deleting it would also delete the tag(s) "
                                   f"{', '.join(sharing)} that the lab did not push")
        else:
            self.items.append(ResetItem("repository", reference,
                                        f"Delete the tag {reference} from the registry "
                                        f"(image {digest[:19]}, pushed by the lab).", digest))

    def _plan_tag(self, tag: str) -> None:
        if _same_name(tag, self.target.image):
            self.left_alone.append(f"{tag} is the source image; reset never removes it")
            return
        if self.engine is None:
            self.left_alone.append(f"the local tag {tag}: no engine answers; start it and try again")
            return
        try:
            image = self.engine.image(tag)
        except (EngineError, EngineUnavailable) as error:
            self.left_alone.append(f"the local tag {tag}: {error}")
            return
        if image is None:
            self.left_alone.append(f"the local tag {tag} is already gone")
            return
        last = " It is the image's last name, so the image goes too." if len(image.tags) <= 1 else ""
        self.items.append(ResetItem("tag", tag, f"Remove the local tag {tag} (made by the lab).{last}"))

    def _plan_login(self, key: str) -> None:
        if self.credentials is None:
            self.left_alone.append(f"the login for {key}: no credential store is available")
            return
        try:
            stored = self.credentials.get(normalize_registry(key))
        except (CredentialsError, InvalidName) as error:
            self.left_alone.append(f"the login for {key}: {error}")
            return
        if stored is None:
            self.left_alone.append(f"the login for {key} is already gone")
        elif stored.username != self.target.user:
            self.left_alone.append(f"the login for {key} is now {stored.username}'s, not the lab's")
        elif self.pending:
            self.left_alone.append(f"the login for {key}: kept, the next reset needs it to delete "
                                   f"{', '.join(self.pending)} from the registry")
        else:
            self.items.append(ResetItem("login", key, f"Log out {stored.username} from {key} "
                                        f"(the login the tutor stored in {self.credentials.path})."))


def plan_reset(engine: Engine | None, target: Target, credentials: CredentialStore | None,
               progress: LessonProgress) -> ResetPlan:
    """Describe exactly what reset would undo for this progress entry, touching nothing."""
    return _Planner(engine, target, credentials, progress).plan()


def apply_reset(plan: ResetPlan, engine: Engine | None, target: Target,
                credentials: CredentialStore | None, store: ProgressStore) -> list[ResetResult]:
    """Undo the planned items in order; what fails stays recorded for the next reset."""
    progress = plan.progress
    results: list[ResetResult] = []
    for item in plan.items:
        if item.kind == "progress":
            continue
        remote_failed = [r.item.value for r in results if r.item.kind == "repository" and not r.ok]
        if item.kind == "login" and remote_failed:
            result = ResetResult(item, False, f"Kept the login for {item.value}: the next reset needs "
                                              f"it to delete {', '.join(remote_failed)} from the registry.")
        else:
            result = _undo(item, engine, target, credentials)
        results.append(result)
        if result.ok and item.kind != "progress":
            progress.forget_created(item.kind, item.value)
    progress_items = [item for item in plan.items if item.kind == "progress"]
    if progress_items:
        results.append(_reset_progress(progress_items[0], progress, store))
    return results


def _undo(item: ResetItem, engine: Engine | None, target: Target,
          credentials: CredentialStore | None) -> ResetResult:
    try:
        if item.kind == "repository":
            return _delete_remote(item, target, credentials)
        if item.kind == "tag" and engine is not None:
            engine.remove(item.value)
            return ResetResult(item, True, f"Removed the local tag {item.value}.")
        if item.kind == "login" and credentials is not None:
            if credentials.erase(normalize_registry(item.value)):
                return ResetResult(item, True, f"Logged out from {item.value}.")
            return ResetResult(item, False, f"No login for {item.value} is stored in {credentials.path}; "
                                            "if one is kept elsewhere, log out there yourself.")
    except (EngineError, EngineUnavailable, CredentialsError, RegistryError, InvalidName) as error:
        return ResetResult(item, False, f"Could not undo: {item.description} ({error})")
    return ResetResult(item, False, f"Could not undo: {item.description} (nothing to do it with)")


def _delete_remote(item: ResetItem, target: Target, credentials: CredentialStore | None) -> ResetResult:
    repository, tag = remote_parts(item.value, target)
    client = registry_client(target, credentials)
    try:
        digest = client.manifest(repository, tag)[0]
    except NotFound:
        return ResetResult(item, True, f"{item.value} was already gone from the registry.")
    if digest != item.digest:
        return ResetResult(item, False, f"Left {item.value} alone: it changed since the plan was made.")
    try:
        client.delete_manifest(repository, digest)
    except RegistryError as error:
        where = f"on {target.web_url}" if target.web_url else "with the registry's own tools"
        return ResetResult(item, False, f"The registry would not delete {item.value} ({error}); "
                                        f"delete it {where}, or try reset again later.")
    return ResetResult(item, True, f"Deleted {item.value} from the registry.")


def _reset_progress(item: ResetItem, progress: LessonProgress, store: ProgressStore) -> ResetResult:
    try:
        if progress.created:
            progress.steps.clear()
            progress.facts.clear()
            store.save(progress)
            return ResetResult(item, True, "Progress cleared; what could not be undone stays "
                                           "recorded so the next reset can try again.")
        store.forget(progress.key)
    except ProgressError as error:
        return ResetResult(item, False, str(error))
    return ResetResult(item, True, f"Forgot your progress on {progress.key}.")


def remote_parts(reference: str, target: Target) -> tuple[str, str]:
    """(repository path in the registry API, tag) of a reference pushed to the target's registry."""
    parsed = parse_reference(reference)
    if parsed.registry != target.registry:
        raise InvalidName(f"it was pushed to {parsed.registry}, not to {target.registry}")
    return parsed.path, parsed.tag or "latest"


def registry_client(target: Target, credentials: CredentialStore | None) -> RegistryClient:
    """A registry client with the login stored for the target's registry, if any."""
    stored = credentials.get(target.registry) if credentials is not None else None
    username, secret = (stored.username, stored.secret) if stored else (None, None)
    return RegistryClient(target.api_base, username, secret, ca_file=target.ca_file)


def _other_tags_on(client: RegistryClient, repository: str, tag: str, digest: str) -> list[str]:
    others = []
    for other in client.tags(repository):
        if other != tag and client.manifest(repository, other)[0] == digest:
            others.append(f"{repository}:{other}")
    return others


def _same_name(first: str, second: str) -> bool:
    try:
        one, two = parse_reference(first), parse_reference(second)
    except InvalidName:
        return first == second
    return (one.registry, one.path, one.tag or "latest") == (two.registry, two.path, two.tag or "latest")
