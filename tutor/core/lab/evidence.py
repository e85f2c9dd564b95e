"""Evidence that lasts for steps only history can prove (a pull): kept with the step in the progress file.

The engine keeps its event log in memory only, so after a restart of the engine (or of the
machine) no pull can be proven from events any more. When a pull is first seen, the tutor
records what was pulled, the image it gave, the digest the registry served, when and from which
registry. Later the step stays done while the present state agrees with that record, and is taken
back only when something contradicts it; `contradiction` says what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from enum import Enum

from tutor.core.records import asdict, fields, record

PROOF_PREFIX = "proof:"


class Change(Enum):
    """What contradicts a recorded pull now."""

    GONE = "gone"  # the pulled name is not in the engine any more
    OTHER_IMAGE = "other_image"  # the name now names another image than the one pulled
    NOT_SERVED = "not_served"  # the registry no longer serves the tag
    OTHER_DIGEST = "other_digest"  # the registry serves another manifest under the tag


@record
class PullEvidence:
    """A pull seen in the engine's events: the name, the image it gave, the served digest, when, where."""

    reference: str
    image_id: str
    digest: str
    at: str
    registry: str

    @classmethod
    def seen(cls, reference: str, image_id: str, digest: str | None, at_nano: int,
             registry: str) -> PullEvidence:
        """Evidence of a pull the engine reported at AT_NANO (digest empty when the registry was silent)."""
        moment = datetime.fromtimestamp(at_nano / 1_000_000_000, timezone.utc)
        return cls(reference, image_id, digest or "", moment.isoformat(timespec="seconds"), registry)

    @property
    def when(self) -> str:
        """When the pull was seen, for a sentence: 2026-12-02 13:22 UTC."""
        try:
            moment = datetime.fromisoformat(self.at)
        except ValueError:
            return self.at
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    def as_facts(self) -> dict[str, str]:
        """The evidence as a check result's facts (prefixed, so it is kept apart from other facts)."""
        return {PROOF_PREFIX + name: value for name, value in asdict(self).items()}

    def as_proof(self) -> dict[str, str]:
        """The evidence as stored with the step."""
        return asdict(self)

    @classmethod
    def from_proof(cls, proof: Mapping[str, str]) -> PullEvidence | None:
        """Evidence read back from a step's record; None when there is none or it is incomplete."""
        names = [item.name for item in fields(cls)]
        if not proof or any(not isinstance(proof.get(name), str) for name in names):
            return None
        evidence = cls(**{name: proof[name] for name in names})
        return evidence if evidence.reference and evidence.image_id else None

    def contradiction(self, local_id: str | None, served_digest: str | None,
                      served: bool | None) -> Change | None:
        """What the present state says against this pull, or None while it agrees.

        local_id: the image the pulled name names now (None when the name is gone).
        served: whether the registry serves the tag now (None when it cannot be asked);
        served_digest: the manifest digest it serves then.
        """
        if local_id is None:
            return Change.GONE
        if local_id != self.image_id:
            return Change.OTHER_IMAGE
        if served is False:
            return Change.NOT_SERVED
        if served and self.digest and served_digest and served_digest != self.digest:
            return Change.OTHER_DIGEST
        return None


def split_facts(facts: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """A check's facts apart from the evidence it carries: (plain facts, proof)."""
    plain = {name: value for name, value in facts.items() if not name.startswith(PROOF_PREFIX)}
    proof = {name.removeprefix(PROOF_PREFIX): value for name, value in facts.items()
             if name.startswith(PROOF_PREFIX)}
    return plain, proof
