"""Which offers a step makes beside the command box: build the app, create the account, pull it back...

Only the table and its words: the lesson says which offers a step makes (lesson.toml's `offers`),
and the step screen carries them out (tutor/screens/step_screen.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.core.i18n import N_, _
from tutor.core.target import RegistryKind, Target
from tutor.widgets.offers import Offer

if TYPE_CHECKING:
    from tutor.core.lessons.model import Step

SIGN_UP_PAGES = {RegistryKind.DOCKER_HUB: "https://hub.docker.com/signup",
                 RegistryKind.QUAY: "https://quay.io/signin/"}
APP_FOLDER = "python-hello-world"
OFFER_KEY = "f7"
# The step's main offer gets F7 in the footer, under this short name.
MAIN_OFFERS = {"build-app": N_("Build app"), "create-account": N_("Create account"),
               "sign-up": N_("Sign-up page"), "run-pull": N_("Pull it back")}
# Each offer's button text.
OFFER_LABELS = {"build-app": N_("Build the lab's hello-world app"),
                "pick-image": N_("Use another local image…"), "create-account": N_("Create my account…"),
                "sign-up": N_("Open the sign-up page"),
                "registry-view": N_("Show the registry view (F5)"),
                "run-pull": N_("Remove the local copy and pull it back for me")}
STAYS_AFTER_DONE = ("registry-view",)


def _offer(label: str, offer_id: str, until_done: bool = True) -> Offer:
    main = offer_id in MAIN_OFFERS
    return Offer(offer_id, f"{OFFER_KEY.upper()} {label}" if main else label, until_done, main)


def _applies(offer: str, target: Target) -> bool:
    """Offers that only make sense for some registries: the practice account, a sign-up page."""
    if offer == "create-account":
        return target.kind is RegistryKind.PRACTICE
    if offer == "sign-up":
        return target.kind in SIGN_UP_PAGES
    return offer in OFFER_LABELS


def offers_for(step: Step, target: Target) -> list[Offer]:
    """The offers the lesson has the step make; most only make sense until the step is done."""
    return [_offer(_(OFFER_LABELS[offer]), offer, offer not in STAYS_AFTER_DONE)
            for offer in step.offers if _applies(offer, target)]


def main_offer(step: Step, target: Target) -> str | None:
    """The id of the step's main offer (the one on F7), if it makes one."""
    return next((offer.id for offer in offers_for(step, target) if offer.main), None)


def offer_line(step: Step, target: Target) -> str | None:
    """The verdict's pointer to the main offer, so "not done" also says what the tutor can do."""
    offer = main_offer(step, target)
    if offer == "create-account":
        return _("→ Or press F7 to create it here; you choose the password.")
    if offer is None:
        return None
    return _("→ Or press F7 ({label}): the tutor does it for you.").format(label=_(MAIN_OFFERS[offer]))
