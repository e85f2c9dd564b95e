"""What a returning learner gets: every step re-checked quietly, the first step not done, and a
notice only for a step the present state contradicts, naming what changed.

Runs where the lab is set up (a worker thread of the tutor), before the first step is shown, so
the learner lands on the right step and a finished lab shows its summary without a contradiction.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.core.events import CheckResult
from tutor.core.i18n import _
from tutor.core.lab.session import Lab, LabOptions
from tutor.core.lab.verdicts import aim, date_start


@dataclass(frozen=True)
class Revocation:
    """A step the progress file called done that the present state contradicts."""

    title: str
    result: CheckResult

    @property
    def text(self) -> str:
        """The notice: which step, what is true now, and how to fix it."""
        text = _("“{title}” is no longer done: {detail}").format(title=self.title, detail=self.result.detail)
        return text + ("\n→ " + self.result.hint if self.result.hint else "")


def choice_of(options: LabOptions) -> dict[str, str]:
    """How the learner chose the lab, as the welcome form offers it next time."""
    return {"registry": options.registry or "", "user": options.user or "", "image": options.image,
            "engine": options.engine, "lang": options.lang or ""}


def resume_lab(lab: Lab, options: LabOptions | None = None) -> list[Revocation]:
    """Re-check every step, settle each by the one rule, remember the choice; what was taken back."""
    from tutor.core.lab.checks import run_all

    if lab.progress is None:
        return []
    ctx = lab.context()
    date_start(lab.progress, ctx)
    results = run_all(aim(ctx, lab.progress))
    titles = {step.check: step.title for step in lab.steps}
    revoked = [Revocation(titles.get(result.step, result.step), result)
               for result in results if lab.settle(result).revoked]
    if options is not None:
        lab.progress.remember_choice(choice_of(options))
    lab.save()
    return revoked
