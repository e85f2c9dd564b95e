"""Small past-tense messages that thread workers post; handlers own all UI state."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual.message import Message
from textual.worker import Worker

from tutor.core import events
from tutor.core.events import CheckResult
from tutor.core.lab.resume import Resumed
from tutor.core.lab.session import Lab


@dataclass
class CommandOutput(Message, bubble=False):
    """A core event (output line, notice, failure...) from a running command (for its screen only:
    a push sends many, and each bubbling on to the app is one more dispatch)."""

    event: events.Event


@dataclass
class LayersProgressed(Message, bubble=False):
    """The layers' newest progress during a push or pull, one entry per layer that moved, and the
    output lines that came in meanwhile (in their order)."""

    layers: tuple[events.LayerProgressed, ...]
    output: tuple[events.OutputLine, ...] = ()


class LayerNews:
    """Gathers a transfer's layer progress and output lines in the worker thread and hands them
    out at most every INTERVAL seconds: one message per redraw of the panel instead of one per
    engine event (a 64 MB push sends hundreds, and each message wakes the UI's loop)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._latest: dict[str, events.LayerProgressed] = {}
        self._output: list[events.OutputLine] = []
        self._handed = float("-inf")
        self.transferring = False  # a layer moved: the output lines go with the layers' news from now on

    def add(self, layer: events.LayerProgressed) -> bool:
        """Keep a layer's news (newer replaces older); True when the batch is due to be handed out."""
        self._latest[layer.layer_id] = layer
        self.transferring = True
        return self._due()

    def add_output(self, line: events.OutputLine) -> bool:
        """Keep an output line of the transfer for the next batch; True when the batch is due."""
        self._output.append(line)
        return self._due()

    def _due(self) -> bool:
        return time.monotonic() - self._handed >= self.interval

    def take(self) -> LayersProgressed | None:
        """The gathered news as one message (None when there is none), and start a new batch."""
        if not self._latest and not self._output:
            return None
        batch = LayersProgressed(tuple(self._latest.values()), tuple(self._output))
        self._latest, self._output = {}, []
        self._handed = time.monotonic()
        return batch


@dataclass
class CommandFinished(Message):
    """A learner's command (or an offered action) ran to its end."""

    line: str
    failed: bool = False
    stopped: bool = False


@dataclass
class CheckFinished(Message):
    """A step's check returned its verdict; WORKER is the screen's check worker that ran it (None:
    a check of another step)."""

    result: CheckResult
    worker: Worker[None] | None = None


@dataclass
class LabChanged(Message):
    """The engine or the credentials file changed: the current step should be re-checked."""

    reason: str


@dataclass
class LabReady(Message):
    """An engine answered and the lab (target, lesson, progress) is set up on it."""

    lab: Lab
    resume: bool = False  # re-check every step now (a lab just set up, not one a test handed over)


@dataclass
class LabResumed(Message):
    """Every step of the lab was re-checked quietly (resume.py); None when the round failed."""

    lab: Lab
    resumed: Resumed | None  # where to land, what was taken back


@dataclass
class EngineMissing(Message):
    """No engine answered; message says how to start one."""

    message: str


@dataclass
class LabFailed(Message):
    """Setting up the lab failed for a reason the learner can fix (e.g. no registry binary)."""

    message: str


@dataclass
class RegistryFetched(Message):
    """The registry view's data: what the registry holds, or why it could not be read."""

    remote: events.RemoteImage | None
    local_id: str | None
    error: str | None = None
    tag_digests: dict[str, str] = field(default_factory=dict)


@dataclass
class StepRequested(Message):
    """A screen asks for a step (past the last one: the finish screen); the app switches screens."""

    index: int


@dataclass
class ConnectRequested(Message):
    """A screen asks the app to connect to the engine and set up the lab again."""


@dataclass
class StepsDoneAhead(Message):
    """Later steps whose checks passed while the learner stood on an earlier one (watch mode)."""

    results: list[CheckResult]
