"""The state one tutoring session shares between its screens: engine, target, lesson, step states."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from tutor.core.events import CheckResult, Status
from tutor.core.explainer import USER_VARIABLE
from tutor.core.i18n import _, current_language
from tutor.core.lab.progress import CreatedKind, LessonProgress, ProgressError, ProgressKey, ProgressStore
from tutor.core.lab.verdicts import Verdict, aim, decide, settle_step
from tutor.core.lessons.files import files_folder
from tutor.core.lessons.model import DEFAULT_LESSON, fill, lesson_values
from tutor.core.records import field, record
from tutor.core.target import Target

if TYPE_CHECKING:  # types only: the engine and the checks load the docker SDK and the registry client
    from tutor.core.engine.credentials import CredentialStore
    from tutor.core.engine.gateway import Engine
    from tutor.core.lab.checks import LabContext
    from tutor.core.lab.resolve import Accounts
    from tutor.core.lessons.model import Created, Lesson, Step
    from tutor.core.shell.session import Session

LESSON_ID = DEFAULT_LESSON  # the lab the tutor starts with when none is chosen


class StepState(Enum):
    """Where a step stands for the learner."""

    LOCKED = "locked"
    CURRENT = "current"
    DONE = "done"
    AHEAD = "ahead"  # done in the learner's own terminal while the tutor stood on an earlier step
    SKIPPED = "skipped"


SIGNS = {StepState.DONE: "✓", StepState.AHEAD: "»", StepState.CURRENT: "▶", StepState.LOCKED: "·",
         StepState.SKIPPED: "!"}
FINISHED = (StepState.DONE, StepState.AHEAD, StepState.SKIPPED)


def short_title(step: Step) -> str:
    """A step's title in a word or two, for the compact step list (the lesson's own title otherwise)."""
    return str(getattr(step, "short_title", "") or step.title)


def state_word(state: StepState) -> str:
    """The state as a word, so it never depends on colour."""
    words = {StepState.DONE: _("done"), StepState.AHEAD: _("done ahead"), StepState.CURRENT: _("now"),
             StepState.LOCKED: _("locked"), StepState.SKIPPED: _("skipped")}
    return words[state]


class EngineNotConnected(RuntimeError):
    """Something asked the engine of a lab that is still connecting to it."""


@record
class PendingEngine:
    """The engine a drafted lab waits for: its kind is known (chosen, or guessed for auto), so the
    step can be drawn from the lesson and the progress file before the docker SDK even loads."""

    kind: str

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise EngineNotConnected(f"the lab's engine is still connecting (asked for {name})")


@record(frozen=False)
class Lab:
    """One learner's lab: the core objects it runs on and how far the learner got.

    A drafted lab (setup.draft_lab) holds a PendingEngine until attach() gives it the connected one.
    """

    engine: Engine
    target: Target
    credentials: CredentialStore
    lesson: Lesson
    session: Session
    practice: Accounts | None = None
    store: ProgressStore | None = None
    results: dict[str, CheckResult] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    progress: LessonProgress | None = None
    on_save_error: Callable[[str], None] | None = None
    registry_shown: bool = False
    notes: list[str] = field(default_factory=list)
    ahead: set[str] = field(default_factory=set)
    viewing: int = 0  # the step on screen
    _context: LabContext | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.store is not None and self.progress is None:
            self.progress = self.store.load(self.progress_key())

    @property
    def connected(self) -> bool:
        """False while the lab is drafted: drawn, but its engine not connected yet."""
        return not isinstance(self.engine, PendingEngine)

    def attach(self, engine: Engine) -> None:
        """The engine connected: the drafted lab (and its interpreter session) run on it from now on."""
        self.engine = engine
        self.session.engine = engine
        self._context = None

    def progress_key(self) -> ProgressKey:
        """This lab's progress entry: one per registry, account and lesson."""
        return ProgressKey(self.target.registry, self.target.user, self.lesson.id)

    @property
    def files_folder(self) -> Path | None:
        """Where the lesson's editable files are copied for the learner (None when it has none)."""
        return files_folder(self.lesson)

    def values(self) -> dict[str, str]:
        """The lesson's placeholder values: the learner's names, the files folder and facts found so far."""
        facts = self.progress.facts if self.progress is not None else {}
        return lesson_values(self.target, self.engine.kind, self.files_folder or "", facts)

    @property
    def steps(self) -> list[Step]:
        """The lesson's steps in order."""
        return list(self.lesson.steps)

    def index_of(self, step_id: str) -> int:
        """The position of a step in the lesson."""
        return next(i for i, step in enumerate(self.steps) if step.id == step_id)

    def state(self, index: int) -> StepState:
        """A step's state: finished ones from progress, the first open one current, later ones locked."""
        step_id = self.steps[index].id
        recorded = self.progress.state(step_id) if self.progress else None
        if recorded == "done":
            return StepState.AHEAD if step_id in self.ahead else StepState.DONE
        if recorded == "skipped":
            return StepState.SKIPPED
        return StepState.CURRENT if index == self.first_open() else StepState.LOCKED

    def first_open(self) -> int:
        """The first step neither done nor skipped (len(steps) when the lab is finished)."""
        ids = [step.id for step in self.steps]
        found = self.progress.first_unfinished(ids) if self.progress else ids[0]
        return ids.index(found) if found is not None else len(ids)

    def visit(self, index: int) -> None:
        """The learner opens a step: one done ahead reads as plainly done from now on."""
        self.viewing = index
        self.ahead.discard(self.steps[index].id)

    def mark_ahead(self, result: CheckResult) -> bool:
        """Watch mode: a check passed; settle its steps, and mark those newly done beyond the step on
        screen done ahead (the learner may have moved on while it was checked). True when one is new."""
        if result.status is not Status.DONE:
            return False
        newly = [step_id for step_id, verdict in self.settle(result).items() if verdict.newly_done]
        self.ahead.update(step_id for step_id in newly if self.index_of(step_id) > self.viewing)
        return bool(newly)

    def is_finished(self) -> bool:
        """True when every step is done or skipped."""
        return self.first_open() >= len(self.steps)

    @property
    def started_nano(self) -> int:
        """When the lab began: stored with its progress, so a resumed session keeps its history."""
        return self.progress.started_nano if self.progress is not None else time.time_ns()

    def record(self, result: CheckResult) -> bool:
        """Keep a check's verdict and settle its steps by it. True when one newly became done."""
        return any(verdict.newly_done for verdict in self.settle(result).values())

    def settle(self, result: CheckResult) -> dict[str, Verdict]:
        """Settle every step that uses the check (verdicts.py: the rule `check` uses too), record what
        the done ones created, and save what changed. The verdicts by step id, in lesson order."""
        self.results[result.step] = result
        users = [step for step in self.steps if step.check == result.step]
        if self.progress is None:
            return {step.id: decide(result, None) for step in users}
        verdicts: dict[str, Verdict] = {}
        for step in users:
            verdict = verdicts[step.id] = settle_step(self.progress, result, step.id)
            if verdict.standing == "done":
                for created in step.creates:
                    kind = cast("CreatedKind", created.kind)  # lessons lint admits only the known kinds
                    self.progress.record_created(kind, self._created_value(created))
        if any(verdict.standing == "done" or verdict.revoked for verdict in verdicts.values()):
            self.save()
        if any(verdicts[step.id].newly_done for step in users if step.exports_user):
            self.set_user_variable()
        return verdicts

    def context(self) -> LabContext:
        """What the checks need: one context per lab, so its registry client and tokens are reused."""
        from tutor.core.lab.checks import LabContext

        ctx = self._context
        if ctx is None or ctx.engine is not self.engine or ctx.target != self.target:
            ctx = LabContext(self.engine, self.target, self.credentials, self.practice)
            self._context = ctx
        ctx.lang = current_language()
        return aim(ctx, self.progress, self.steps if self.progress is not None else ())

    def restore_variables(self) -> str | None:
        """On resume past the account step, set the lesson's user variable again; its name when set."""
        name = USER_VARIABLE
        variables = self.session.variables
        exporting = [step.id for step in self.steps if step.exports_user]
        if self.progress is None or name in variables or \
                not any(self.progress.state(step_id) is not None for step_id in exporting):
            return None
        variables[name] = self.target.user
        return name

    def set_user_variable(self) -> None:
        """Past the account step (e.g. an account made in the form), set $DOCKERHUB_USERNAME if unset."""
        name = self.restore_variables()
        if name:
            self.notes.append(_("The tutor set {name}={user} for the next steps; in your own terminal type: "
                                "export {name}={user}").format(name=name, user=self.target.user))

    def retarget(self, target: Target) -> None:
        """Use another source image (same account and registry, so progress stays)."""
        self.target = target
        self.session.target = target

    def _created_value(self, created: Created) -> str:
        return self.target.auth_key if created.kind == "login" else fill(created.name, self.values())

    def skip(self, index: int) -> None:
        """Mark a step skipped (it stays marked so the learner knows)."""
        if self.progress is not None:
            self.progress.mark_skipped(self.steps[index].id)
            self.save()
        if self.steps[index].exports_user:  # a login comes next, and its command uses the variable
            self.set_user_variable()

    def save(self) -> None:
        """Write progress; a failure is reported, never fatal (the store keeps it in memory)."""
        if self.store is None or self.progress is None:
            return
        try:
            self.store.save(self.progress)
        except ProgressError as error:
            if self.on_save_error is not None:
                self.on_save_error(str(error))


CHOSEN = ("registry", "user", "lesson", "image", "engine", "lang")
"""The options a learner chooses: the welcome form's fields and the command line's target options."""


@record(frozen=False)
class LabOptions:
    """What the learner chose (or the command line said): registry, account, image, engine, language."""

    registry: str | None = None
    user: str | None = None
    image: str = "python-hello-world"
    engine: str = "auto"
    lesson: str = DEFAULT_LESSON
    lang: str | None = None
    engine_url: str | None = None
    ca_file: str | None = None
    given: frozenset[str] = frozenset()  # which of them the command line said (they win over the last lab)

    @property
    def complete(self) -> bool:
        """True when the welcome screen has nothing left to ask (no registry means the practice one)."""
        return bool(self.user)
