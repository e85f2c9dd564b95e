"""Typed events that the core emits while it runs a learner's command, and check results."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from tutor.core.records import field, record


@record
class OutputLine:
    """A line of output, worded like the real CLI's."""

    text: str
    stream: Literal["out", "err"] = "out"


@record
class LayerProgressed:
    """One layer's state during a push or pull; current is already clamped to total."""

    layer_id: str
    status: str
    current: int = 0
    total: int = 0


@record
class PushFinished:
    """A push that the registry accepted; digest is the manifest digest when the engine said it."""

    reference: str
    digest: str | None = None
    size: int | None = None


@record
class PullFinished:
    """A pull that completed; image_id is the local image ID afterwards."""

    reference: str
    digest: str | None = None
    image_id: str | None = None


@record
class Explanation:
    """What went wrong, why, which step to go back to and the command that fixes it."""

    key: str
    what: str
    why: str
    step: str | None = None
    fix: str | None = None


@record
class CommandFailed:
    """The command did not do what was asked; message is the engine's or ours."""

    message: str
    explanation: Explanation | None = None


@record
class Notice:
    """Advice shown beside the output (e.g. the unencrypted-credentials warning)."""

    text: str
    level: Literal["info", "warning"] = "info"


@record
class VariableSet:
    """An `export NAME=VALUE` that later commands and lessons can use."""

    name: str
    value: str


Event = OutputLine | LayerProgressed | PushFinished | PullFinished | CommandFailed | Notice | VariableSet


class Status(Enum):
    """A check's verdict."""

    DONE = "done"
    TODO = "todo"
    UNKNOWN = "unknown"


@record
class LayerInfo:
    """One layer of a manifest as the registry holds it."""

    digest: str
    size: int


@record
class RemoteImage:
    """What the registry holds for a tag: the facts the verify step shows."""

    repository: str
    tag: str
    manifest_digest: str
    config_digest: str
    media_type: str
    layers: tuple[LayerInfo, ...] = ()
    created: str | None = None
    tags: tuple[str, ...] = ()
    index_digest: str = ""  # the tag's index, when it names one; manifest_digest is then its image's

    @property
    def size(self) -> int:
        """Compressed size of all layers, as the registry stores them."""
        return sum(layer.size for layer in self.layers)

    @property
    def tag_digest(self) -> str:
        """The digest the tag points to (Docker-Content-Digest): the index's, else the manifest's."""
        return self.index_digest or self.manifest_digest

    def digest_named(self, local_id: str | None) -> str | None:
        """Which of this image's digests a local image ID is: "index", "manifest", "config" or None.

        The classic store's ID is the config digest; the containerd store's is the digest the
        tag pointed to when pulled or built (a manifest, or an index).
        """
        for kind, digest in (("index", self.index_digest), ("manifest", self.manifest_digest),
                             ("config", self.config_digest)):
            if local_id and digest == local_id:
                return kind
        return None


@record
class CheckResult:
    """The verdict of one step's check, with a one-line detail and a hint when not done."""

    step: str
    status: Status
    detail: str
    hint: str | None = None
    explanation: Explanation | None = None
    facts: dict[str, str] = field(default_factory=dict)
