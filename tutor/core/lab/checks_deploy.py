"""The checks of the lab "deploy-a-change": versions as tags, a rebuild, layers shared, digests.

They read the same real state as the first lab's checks (tutor.core.lab.checks): the engine's local
images and events and what the registry serves. Names: the pushed version 1 is REPOSITORY:v1, the
rebuild is IMAGE_NAME:v2 locally and REPOSITORY:v2 / :latest in the registry.
"""

from __future__ import annotations

import time

from tutor.core.events import CheckResult, RemoteImage, Status
from tutor.core.i18n import N_
from tutor.core.lab.checks import (
    _PODMAN_EVENT_DELAY,
    _PODMAN_EVENT_RETRIES,
    CheckFunction,
    LabContext,
    _Probe,
    _result,
    _short,
)
from tutor.core.lab.evidence import PROOF_PREFIX
from tutor.core.records import record
from tutor.core.registry.api import NotFound
from tutor.core.target import InvalidName, Reference, parse_reference

V1, V2, LATEST = "v1", "v2", "latest"


@record
class Tagged:
    """What the registry serves for one tag of the lab's repository."""

    image: RemoteImage
    """The registry's facts for the tag (an index followed to the engine's platform)."""

    @property
    def digest(self) -> str:
        """The digest the tag names: what a pull by digest gives."""
        return self.image.tag_digest

    @property
    def digests(self) -> set[str]:
        """Every digest a pull of this image by digest may name (its index's and its manifest's)."""
        return {digest for digest in (self.image.index_digest, self.image.manifest_digest) if digest}

    @property
    def layers(self) -> tuple[str, ...]:
        """The layer blob digests, base first."""
        return tuple(layer.digest for layer in self.image.layers)

    def is_local(self, local_id: str | None) -> bool:
        """True when LOCAL_ID is this image (the config digest, or in the containerd store a manifest's)."""
        return self.image.digest_named(local_id) is not None


def built_name(ctx: LabContext) -> str:
    """The rebuild's local name, IMAGE_NAME:v2."""
    return f"{ctx.target.image_name}:{V2}"


def _ref(ctx: LabContext, tag: str) -> str:
    return f"{ctx.target.repository}:{tag}"


def _values(ctx: LabContext) -> dict[str, str]:
    return {"v1_ref": _ref(ctx, V1), "v2_ref": _ref(ctx, V2), "latest_ref": _ref(ctx, LATEST),
            "built": built_name(ctx)}


def _say(ctx: LabContext, step: str, status: Status, detail: str, hint: str | None = None,
         key: str | None = None, facts: dict[str, str] | None = None, **values: str) -> CheckResult:
    return _result(ctx, step, status, detail, hint, key, facts, **(_values(ctx) | values))


def remote_tag(ctx: LabContext, probe: _Probe, tag: str) -> Tagged | None:
    """The registry's answer for REPOSITORY:TAG, None when it serves no such tag."""
    def fetch() -> Tagged | None:
        client = ctx.client(probe.credential())
        try:
            return Tagged(client.remote_image(ctx.target.api_path, tag, ctx.engine.platform, with_tags=False,
                                             with_created=False))
        except NotFound:
            return None

    result: Tagged | None = probe._once(f"remote:{tag}", fetch)
    return result


def _local_id(ctx: LabContext, probe: _Probe, reference: str) -> str | None:
    image = probe._once(f"local:{reference}", lambda: ctx.engine.image(reference))
    return image.id if image is not None else None


def _layers(ctx: LabContext, probe: _Probe, reference: str) -> tuple[str, ...] | None:
    found: tuple[str, ...] | None = probe._once(f"layers:{reference}",
                                                 lambda: ctx.engine.image_layers(reference))
    return found


# -- the checks -------------------------------------------------------------------------------
def check_v1(ctx: LabContext, probe: _Probe) -> CheckResult:
    """Version 1 is the lab's image under the tag v1, in the registry."""
    step = "v1_pushed"
    source = _local_id(ctx, probe, ctx.target.image)
    remote = remote_tag(ctx, probe, V1)
    if remote is None:
        hint = N_("{cli} tag {image} {v1_ref}, then {cli} push {v1_ref}")
        return _say(ctx, step, Status.TODO, N_("{registry} does not serve {v1_ref} yet"), hint)
    if source is not None and not remote.is_local(source):
        return _say(ctx, step, Status.TODO, N_("The registry's {v1_ref} is another image than {image}"),
                    N_("{cli} tag {image} {v1_ref}, then {cli} push {v1_ref}"))
    return _say(ctx, step, Status.DONE, N_("{registry} serves {v1_ref} ({digest}…)"),
                digest=remote.digest[:19])


def check_built(ctx: LabContext, probe: _Probe) -> CheckResult:
    """IMAGE_NAME:v2 was built FROM the lab's image and adds at least one layer."""
    step = "v2_built"
    build_hint = N_("Change the file in the lab's folder, then: {cli} build -t {built} FOLDER")
    built, base = _layers(ctx, probe, built_name(ctx)), _layers(ctx, probe, ctx.target.image)
    if built is None:
        return _say(ctx, step, Status.TODO, N_("There is no local image {built} yet"), build_hint)
    if base is None:
        return _say(ctx, step, Status.UNKNOWN,
                    N_("{image} is gone, so the tutor cannot compare {built} with it"),
                    N_("{cli} pull {v1_ref}, then {cli} tag {v1_ref} {image}"))
    if built == base:
        return _say(ctx, step, Status.TODO,
                    N_("{built} has exactly the layers of {image}: nothing was built"),
                    build_hint, "unchanged_push")
    if built[:len(base)] != base:
        return _say(ctx, step, Status.TODO, N_("{built} is not built FROM {image}: its base layers differ"),
                    N_("Build from the lab's folder, whose Dockerfile starts FROM {image}"))
    return _say(ctx, step, Status.DONE, N_("{built} is {image} plus {count} new layer(s)"),
                count=str(len(built) - len(base)))


def check_tagged(ctx: LabContext, probe: _Probe) -> CheckResult:
    """REPOSITORY:v2 and REPOSITORY:latest both name the rebuild."""
    step = "v2_tagged"
    built = _local_id(ctx, probe, built_name(ctx))
    if built is None:
        return _say(ctx, step, Status.TODO, N_("There is no local image {built} to tag"),
                    N_("Build it first (step 2)"))
    old = _local_id(ctx, probe, ctx.target.image)
    for reference in (_ref(ctx, V2), _ref(ctx, LATEST)):
        current = _local_id(ctx, probe, reference)
        hint = "{cli} tag {built} " + reference
        if current is None:
            return _say(ctx, step, Status.TODO, N_("No local image is named {name} yet"),
                        hint, name=reference)
        if current != built and current == old:
            return _say(ctx, step, Status.TODO, N_("{name} still names version 1"), hint, "tag_still_v1",
                        name=reference)
        if current != built:
            return _say(ctx, step, Status.TODO, N_("{name} names another image than {built}"), hint,
                        name=reference)
    return _say(ctx, step, Status.DONE, N_("{v2_ref} and {latest_ref} name your new build ({id})"),
                id=_short(built))


def check_pushed(ctx: LabContext, probe: _Probe) -> CheckResult:
    """The registry serves v2: a new manifest that reuses v1's layers and adds the new one."""
    step = "v2_pushed"
    v1, v2 = remote_tag(ctx, probe, V1), remote_tag(ctx, probe, V2)
    if v2 is None:
        return _say(ctx, step, Status.TODO, N_("{registry} does not serve {v2_ref} yet"),
                    "{cli} push {v2_ref}")
    if v1 is None:
        return _say(ctx, step, Status.TODO, N_("{registry} no longer serves {v1_ref} to compare with"),
                    "{cli} push {v1_ref}")
    if v2.digest == v1.digest:
        return _say(ctx, step, Status.TODO, N_("{v2_ref} in the registry is version 1 unchanged"),
                    N_("{cli} tag {built} {v2_ref}, then {cli} push {v2_ref}"), "unchanged_push")
    shared = [layer for layer in v2.layers if layer in v1.layers]
    if len(shared) < len(v1.layers):
        return _say(ctx, step, Status.TODO,
                    N_("{v2_ref} does not build on {v1_ref}: they share no base layers"),
                    N_("{cli} tag {built} {v2_ref}, then {cli} push {v2_ref}"))
    new = len(v2.layers) - len(shared)
    facts = {"shared_layers": str(len(shared)), "new_layers": str(new), "v2_digest": v2.digest}
    return _say(ctx, step, Status.DONE, N_("{v2_ref} reuses {shared} layer(s) of v1 and adds {new}"),
                facts=facts,
                shared=str(len(shared)), new=str(new))


def check_versions(ctx: LabContext, probe: _Probe) -> CheckResult:
    """v1 and v2 are different manifests on shared base layers, and latest names v2."""
    step = "versions"
    v1, v2, latest = (remote_tag(ctx, probe, tag) for tag in (V1, V2, LATEST))
    if v1 is None or v2 is None:
        return _say(ctx, step, Status.TODO, N_("{registry} does not serve both {v1_ref} and {v2_ref}"),
                    N_("{cli} push {v1_ref}, {cli} push {v2_ref}"))
    facts = {"repository": ctx.target.repository, "v1_digest": v1.digest, "v2_digest": v2.digest,
             "latest_digest": latest.digest if latest else "",
             "shared_layers": str(len([layer for layer in v2.layers if layer in v1.layers]))}
    if v1.digest == v2.digest:
        return _say(ctx, step, Status.TODO, N_("{v1_ref} and {v2_ref} are the same manifest"), None,
                    "unchanged_push", facts)
    if latest is None:
        return _say(ctx, step, Status.TODO, N_("{registry} does not serve {latest_ref}"),
                    N_("{cli} push {latest_ref}"),
                    facts=facts)
    if latest.digest == v1.digest:
        return _say(ctx, step, Status.TODO, N_("{latest_ref} in the registry still names version 1"),
                    N_("{cli} tag {built} {latest_ref}, then {cli} push {latest_ref}"), "tag_still_v1", facts)
    if latest.digest != v2.digest:
        return _say(ctx, step, Status.TODO, N_("{latest_ref} names neither v1 nor v2"),
                    N_("{cli} tag {built} {latest_ref}, then {cli} push {latest_ref}"), facts=facts)
    return _say(ctx, step, Status.DONE, N_("v1 {d1}… and v2 {d2}… differ, share their base, and latest = v2"),
                facts=facts, d1=v1.digest[7:19], d2=v2.digest[7:19])


def check_digest_pull(ctx: LabContext, probe: _Probe) -> CheckResult:
    """Since the lab started, the engine pulled the repository by one of its manifest digests.

    The engine keeps its events in memory only, so a pull once seen is kept as evidence with the
    step (the digest): after a restart of the engine it stays done while that digest is still
    served and its image still here, and is taken back, with the reason, when either is gone.
    """
    step = "digest_pulled"
    served = {digest for tagged in (remote_tag(ctx, probe, tag) for tag in (V1, V2, LATEST)) if tagged
              for digest in tagged.digests}
    # Podman writes its event log a moment after the API call returns, so ask it again briefly.
    attempts = _PODMAN_EVENT_RETRIES if ctx.engine.kind == "podman" else 1
    for attempt in range(attempts):
        digest = _pulled_digest(ctx, served)
        if digest is not None:
            return _say(ctx, step, Status.DONE, N_("You pulled {repository}@{digest}…"),
                        facts={PROOF_PREFIX + "digest": digest}, digest=digest[:19])
        if attempt + 1 < attempts:
            time.sleep(_PODMAN_EVENT_DELAY)
    proven = ctx.proofs.get(step, {}).get("digest")
    if proven:
        if proven not in served:
            return _say(ctx, step, Status.TODO,
                        N_("The registry no longer serves {repository}@{digest}… that you pulled"),
                        N_("{cli} pull {repository}@sha256:… (the digest of v2, shown by the previous step)"),
                        digest=proven[:19])
        if ctx.engine.image(f"{ctx.target.repository}@{proven}") is None:
            return _say(ctx, step, Status.TODO, N_("The {repository}@{digest}… you pulled is no longer here"),
                        N_("{cli} pull {repository}@sha256:… (the digest of v2, shown by the previous step)"),
                        digest=proven[:19])
        return _say(ctx, step, Status.DONE, N_("You pulled {repository}@{digest}… and it is unchanged"),
                    facts={PROOF_PREFIX + "digest": proven}, digest=proven[:19])
    return _say(ctx, step, Status.TODO, N_("No pull of {repository} by digest yet"),
                N_("{cli} pull {repository}@sha256:… (the digest of v2, shown by the previous step)"))


def _pulled_digest(ctx: LabContext, served: set[str]) -> str | None:
    """The digest of the latest pull by digest of the lab's repository that left the image here."""
    wanted = parse_reference(ctx.target.repository)
    events = ctx.engine.image_events(ctx.lab_started_nano or 0, time.time_ns())
    for event in reversed(events):
        reference = _parsed(event.name)
        if event.action != "pull" or reference is None or reference.digest not in served:
            continue
        # Podman records a pull that failed too: the image must really be here.
        if (reference.registry, reference.path) == (wanted.registry, wanted.path) and \
                ctx.engine.image(f"{ctx.target.repository}@{reference.digest}") is not None:
            return reference.digest
    return None


def _parsed(name: str) -> Reference | None:
    try:
        return parse_reference(name)
    except InvalidName:
        return None


CHECKS: dict[str, CheckFunction] = {
    "v1_pushed": check_v1, "v2_built": check_built, "v2_tagged": check_tagged, "v2_pushed": check_pushed,
    "versions": check_versions, "digest_pulled": check_digest_pull,
}
