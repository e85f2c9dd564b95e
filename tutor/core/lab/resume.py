"""What a returning learner gets: every step re-checked quietly, the first step not done, and a
notice only for a step the present state contradicts, naming what changed.

Runs where the lab is set up (a worker thread of the tutor), before the first step is shown, so
the learner lands on the right step and a finished lab shows its summary without a contradiction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tutor.core.events import CheckResult
from tutor.core.i18n import _
from tutor.core.lab.progress import LessonProgress
from tutor.core.lab.session import CHOSEN, Lab, LabOptions
from tutor.core.lab.verdicts import Verdict, aim, check_ids, date_start
from tutor.core.records import field, record, replace
from tutor.core.target import PRACTICE


@record
class Revocation:
    """A step the progress file called done that the present state contradicts."""

    title: str
    result: CheckResult

    @property
    def text(self) -> str:
        """The notice: which step, what is true now, and how to fix it."""
        text = _("“{title}” is no longer done: {detail}").format(title=self.title, detail=self.result.detail)
        return text + ("\n→ " + self.result.hint if self.result.hint else "")


def choice_of(options: LabOptions, steps: int) -> dict[str, str]:
    """How the learner chose the lab (and how many steps it has), as the welcome form offers it next time."""
    return {"registry": options.registry or PRACTICE, "user": options.user or "", "image": options.image,
            "engine": options.engine, "lang": options.lang or "", "steps": str(steps)}


def options_of(entry: LessonProgress, base: LabOptions) -> LabOptions:
    """The options that continue a saved lab (what it does not say stays as in BASE)."""
    key = entry.key
    chosen = {"registry": key.registry, "user": key.user, "lesson": key.lesson} | entry.choice
    values: dict[str, Any] = {name: chosen[name] for name in CHOSEN if chosen.get(name)}
    return replace(base, **values)


def prefill(options: LabOptions, labs: Sequence[LessonProgress]) -> tuple[LabOptions, LessonProgress | None]:
    """The last lab's choices where the command line said nothing; and that lab, if it fits what was said.

    `--registry` and the others still win: a lab on another registry than the one given is not offered.
    """
    for entry in labs:
        offered = options_of(entry, options)
        if all(getattr(offered, name) == getattr(options, name) for name in options.given):
            return offered, entry
    return options, None


def how_far(entry: LessonProgress) -> tuple[int, int]:
    """(finished steps, steps in the lab) of a saved lab."""
    finished = entry.count("done") + entry.count("skipped")
    steps = entry.choice.get("steps", "")
    return finished, max(int(steps) if steps.isdigit() else 0, finished)


@record
class Resumed:
    """Where the learner lands and which steps were taken back."""

    landing: int
    revoked: list[Revocation] = field(default_factory=list)


def resume_lab(lab: Lab, options: LabOptions | None = None) -> Resumed:
    """Re-check every step and settle each by the one rule; land on the first step not done.

    A lab met for the first time starts at its first step (its text introduces the lab), unless
    every step is done already: then the summary. Steps found done beyond the landing step are
    marked "done ahead" so the learner sees what their own terminal did.
    """
    from tutor.core.lab.check_table import run_all

    if lab.progress is None:
        return Resumed(lab.first_open())
    fresh = not lab.progress.steps
    ctx = lab.context()
    date_start(lab.progress, ctx)
    results = run_all(aim(ctx, lab.progress, lab.steps), check_ids(lab.steps))
    verdicts: dict[str, Verdict] = {}
    for result in results:  # keyed by check id; each step that uses the check gets its own verdict
        verdicts.update(lab.settle(result))
    if options is not None:
        lab.progress.remember_choice(choice_of(options, len(lab.steps)))
    lab.save()
    landing = 0 if fresh and not lab.is_finished() else lab.first_open()
    for index, step in enumerate(lab.steps):
        verdict = verdicts.get(step.id)
        if index > landing and verdict is not None and verdict.newly_done:
            lab.ahead.add(step.id)
    revoked = [Revocation(step.title, verdicts[step.id].result) for step in lab.steps
               if step.id in verdicts and verdicts[step.id].revoked]
    return Resumed(landing, revoked)
