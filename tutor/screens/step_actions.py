"""Which offers a step makes beside the command box: build the app, create the account, pull it back...

Only the table and its words; the step screen carries the offers out (tutor/screens/step_screen.py).
"""

from __future__ import annotations

from tutor.core.i18n import N_, _
from tutor.core.target import RegistryKind, Target
from tutor.widgets.offers import Offer

SIGN_UP_PAGES = {RegistryKind.DOCKER_HUB: "https://hub.docker.com/signup",
                 RegistryKind.QUAY: "https://quay.io/signin/"}
APP_FOLDER = "python-hello-world"
OFFER_KEY = "f7"
# The step's main offer gets F7 in the footer, under this short name.
MAIN_OFFERS = {"build-app": N_("Build app"), "create-account": N_("Create account"),
               "sign-up": N_("Sign-up page"), "run-pull": N_("Pull it back")}


def _offer(label: str, offer_id: str, until_done: bool = True) -> Offer:
    main = offer_id in MAIN_OFFERS
    return Offer(offer_id, f"{OFFER_KEY.upper()} {label}" if main else label, until_done, main)


def offers_for(step_id: str, target: Target) -> list[Offer]:
    """The offers a step makes; most only make sense until the step is done."""
    if step_id == "image":
        return [_offer(_("Build the lab's hello-world app"), "build-app"),
                _offer(_("Use another local image…"), "pick-image")]
    if step_id == "account" and target.kind is RegistryKind.PRACTICE:
        return [_offer(_("Create my account…"), "create-account")]
    if step_id == "account" and target.kind in SIGN_UP_PAGES:
        return [_offer(_("Open the sign-up page"), "sign-up")]
    if step_id == "verify":
        return [_offer(_("Show the registry view (F5)"), "registry-view", until_done=False)]
    if step_id == "pull":
        return [_offer(_("Remove the local copy and pull it back for me"), "run-pull")]
    return []


def main_offer(step_id: str, target: Target) -> str | None:
    """The id of the step's main offer (the one on F7), if it makes one."""
    return next((offer.id for offer in offers_for(step_id, target) if offer.main), None)


def offer_line(step_id: str, target: Target) -> str | None:
    """The verdict's pointer to the main offer, so "not done" also says what the tutor can do."""
    offer = main_offer(step_id, target)
    if offer == "create-account":
        return _("→ Or press F7 to create it here; you choose the password.")
    if offer is None:
        return None
    return _("→ Or press F7 ({label}): the tutor does it for you.").format(label=_(MAIN_OFFERS[offer]))
