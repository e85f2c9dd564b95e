"""Every lab's checks in one table: lessons name their checks from it, and run them through it.

The first lab's checks are in tutor.core.lab.checks, the second lab's in checks_deploy; each
further lab adds a module and one line here. Run a lesson's checks through this module (not
straight from checks) so that every lab's checks are registered.
"""

from __future__ import annotations

from tutor.core.events import CheckResult
from tutor.core.lab import checks, checks_deploy
from tutor.core.lab.checks import CHECK_IDS, LabContext, known_checks, register

__all__ = ["known_checks", "run_all", "run_check"]

register(checks_deploy.CHECKS)


def run_check(check_id: str, ctx: LabContext) -> CheckResult:
    """Run one check of any lab; never raises (an unknown id is a ValueError, a programming error)."""
    return checks.run_check(check_id, ctx)


def run_all(ctx: LabContext, check_ids: tuple[str, ...] = CHECK_IDS) -> list[CheckResult]:
    """The checks CHECK_IDS (a lesson's, in its order), sharing one round of engine and registry lookups."""
    return checks.run_all(ctx, check_ids)
