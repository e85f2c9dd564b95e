"""A step's verdict in words and signs, and how typed command lines are echoed: pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tutor.core import events
from tutor.core.events import CheckResult, Status
from tutor.core.i18n import _

if TYPE_CHECKING:
    from tutor.core.lessons.model import Step

TRANSFER_WORDS = ("push", "pull")
_SECRET_OPTION = re.compile(r"(\s(?:-p|--password)(?:=|\s+))(\S+)")


def mask_secrets(line: str) -> str:
    """The line with any password given on it hidden, so it is never echoed or kept in history."""
    return _SECRET_OPTION.sub(lambda match: match.group(1) + "••••••", line)


def is_transfer(line: str) -> bool:
    """True when a command pushes or pulls (it gets the progress bars)."""
    words = line.split()
    return len(words) > 1 and any(word in TRANSFER_WORDS for word in words[1:3])


def advice(explanation: events.Explanation | None, step_id: str, step_names: Mapping[str, str],
           said: str = "") -> list[str]:
    """The explainer's why, the step to go back to (not this one) and a fix not already said."""
    if explanation is None:
        return []
    lines = [f"{_('Why:')} {explanation.why}"]
    if explanation.step and explanation.step != step_id:
        name = step_names.get(explanation.step, explanation.step)
        lines.append(_("Go back to the step: {step}").format(step=name))
    if explanation.fix and explanation.fix not in said:
        lines.append(_("Try: {command}").format(command=explanation.fix))
    return lines


def _adds_to(failure: events.Explanation | None, result: CheckResult) -> bool:
    """True when the check's own explanation says more than the failed command's.

    A command that failed for an earlier step's reason (an unset variable, a missing tag) makes
    this step's symptom ("not logged in") beside the point: the learner fixes that step first.
    """
    if failure is None:
        return True
    return failure.key != getattr(result.explanation, "key", None) and failure.step in (None, result.step)


def confirmed_later(result: CheckResult, step: Step) -> bool:
    """True when a later step proves this one (an account the registry only confirms by a login)."""
    return result.status is Status.UNKNOWN and step.confirmed_later


def verdict_text(result: CheckResult, next_title: str | None, failure: events.Explanation | None = None,
                 offer: str | None = None, step_names: Mapping[str, str] | None = None,
                 confirmed: bool = False) -> str:
    """A check's verdict as lines with a sign and a word; a failed command's explanation comes first.

    CONFIRMED: the check cannot tell yet, and the lesson says a later step confirms it.
    """
    if result.status is Status.DONE:
        then = (_("Press Enter or Ctrl+N for the next step: {title}.").format(title=next_title)
                if next_title else _("Press Enter or Ctrl+N to see your summary."))
        return f"✓ {_('Done')}: {result.detail}\n{then}"
    if confirmed:
        return "\n".join([f"? {_('Cannot tell yet')}: {result.detail}",
                          _("→ Go on and log in (Enter or Ctrl+N): the login confirms this step.")])
    names = step_names or {}
    lines = [f"✗ {failure.what}", *advice(failure, result.step, names, result.hint or "")] if failure else []
    unknown = result.status is Status.UNKNOWN
    lines.append(f"? {_('Cannot tell yet')}: {result.detail}" if unknown
                 else f"✗ {_('Not done yet')}: {result.detail}")
    if result.hint:
        lines.append(f"→ {result.hint}")
    if result.explanation is not None and _adds_to(failure, result):
        lines += advice(result.explanation, result.step, names, "\n".join(lines))
    if offer:
        lines.append(offer)
    if unknown:
        lines.append(_("F6 skips it for now; the tutor checks it again later."))
    return "\n".join(lines)


def stopped_text(line: str) -> str:
    """What the learner reads after stopping a command: nothing was lost, and how to finish."""
    words = line.split()
    if len(words) > 1 and "push" in words[1:3]:
        return _("Push cancelled — nothing was lost; push again to finish.")
    if len(words) > 1 and "pull" in words[1:3]:
        return _("Pull cancelled — nothing was lost; pull again to finish.")
    return _("Stopped — nothing was lost; run the command again when you are ready.")
