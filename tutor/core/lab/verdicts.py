"""One rule for what a check's result means for a step's progress, used by the tutor and by `check`.

`decide` is the rule: a passed check makes the step done; a failed one takes a done step back
(the present state contradicts it) and says so; a check that cannot tell (engine or registry
unreachable, nothing to compare with) changes nothing. `settle` applies the rule to a learner's
progress, step by step: several steps may use one check, and each gets its own verdict.
Because the tutor and `registry-tutor check` both settle every result through here,
on the same progress and the same lab start, they never disagree on a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from tutor.core.events import CheckResult, Status
from tutor.core.lab.evidence import split_facts
from tutor.core.lab.progress import LessonProgress, RecordedState
from tutor.core.records import record, replace

if TYPE_CHECKING:  # the checks load the registry client; only the functions below need them
    from tutor.core.lab.checks import LabContext
    from tutor.core.lessons.model import Step

Standing = Literal["done", "skipped", "open"]


@record
class Verdict:
    """A step after one check: where it stands, and whether this check changed that."""

    result: CheckResult
    standing: Standing
    newly_done: bool = False
    revoked: bool = False

    @property
    def status(self) -> Status:
        """What to report for the step: done when it stands done, else the check's own status."""
        return Status.DONE if self.standing == "done" else self.result.status

    @property
    def reported(self) -> CheckResult:
        """The check's result as the learner sees it (a step kept done reads as done)."""
        return self.result if self.result.status is self.status else replace(self.result, status=self.status)


def decide(result: CheckResult, recorded: RecordedState | None) -> Verdict:
    """The rule: DONE proves the step; TODO contradicts a done step; UNKNOWN keeps what was recorded."""
    if result.status is Status.DONE:
        return Verdict(result, "done", newly_done=recorded != "done")
    if result.status is Status.TODO and recorded == "done":
        return Verdict(result, "open", revoked=True)
    return Verdict(result, recorded or "open")


def settle_step(progress: LessonProgress, result: CheckResult, step_id: str) -> Verdict:
    """Decide a check's result for one step that uses the check and record the outcome (not saved).

    Several steps may share a check: the result comes keyed by the check's id, the verdict by
    STEP_ID (its result renamed so), and the evidence the check carries is kept with that step.
    """
    result = result if result.step == step_id else replace(result, step=step_id)
    verdict = decide(result, progress.state(step_id))
    if verdict.standing == "done":
        facts, proof = split_facts(result.facts)
        progress.mark_done(step_id, facts, proof)
    elif verdict.revoked:
        progress.revoke(step_id)
    return verdict


def settle(progress: LessonProgress, results: Sequence[CheckResult], steps: Sequence[Step]) -> list[Verdict]:
    """Each step's verdict, in the lesson's order, from the results of the checks (keyed by check id)."""
    by_check = {result.step: result for result in results}
    return [settle_step(progress, by_check[step.check], step.id) for step in steps if step.check in by_check]


def aim(ctx: LabContext, progress: LessonProgress | None, steps: Sequence[Step] = ()) -> LabContext:
    """Point the checks at the lab's own start and at the evidence kept with its steps.

    Evidence is stored per step and read by check id: each step's proof goes to the check it uses.
    """
    if progress is not None:
        ctx.lab_started_nano = progress.started_nano
        check_of = {step.id: step.check for step in steps}
        ctx.proofs = {check_of.get(step, step): progress.proof(step) for step in progress.steps
                      if progress.proof(step)}
    return ctx


def date_start(progress: LessonProgress, ctx: LabContext) -> None:
    """A lab met for the first time began at the first sign of it in the engine (learner's own terminal)."""
    from tutor.core.lab.checks import first_activity

    if not progress.steps:
        first = first_activity(ctx)
        if first is not None:
            progress.begin_at(first)


def check_ids(steps: Sequence[Step]) -> tuple[str, ...]:
    """The checks a lesson's steps use, each once, in the lesson's order."""
    return tuple(dict.fromkeys(step.check for step in steps))


def check_lab(progress: LessonProgress, ctx: LabContext, steps: Sequence[Step]) -> list[Verdict]:
    """Every step's verdict, settled against the progress (as `registry-tutor check` reports it).

    The checks run through check_table so that every lab's checks are registered.
    """
    from tutor.core.lab.check_table import run_all

    date_start(progress, ctx)
    results = run_all(aim(ctx, progress, steps), check_ids(steps))
    return settle(progress, results, steps)
