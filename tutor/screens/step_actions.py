"""The offers a step makes beside the command box: build the app, create the account, pull it back..."""

from __future__ import annotations

import webbrowser
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.widgets import Button

from tutor.core import events
from tutor.core.events import CheckResult, Status
from tutor.core.i18n import N_, _
from tutor.core.resources import data_dir
from tutor.core.target import RegistryKind, Target
from tutor.screens.messages import CommandFinished, CommandOutput, StepRequested

if TYPE_CHECKING:
    from tutor.screens.step_screen import StepScreen

SIGN_UP_PAGES = {RegistryKind.DOCKER_HUB: "https://hub.docker.com/signup",
                 RegistryKind.QUAY: "https://quay.io/signin/"}
APP_FOLDER = "python-hello-world"
OFFER_KEY = "f7"
# The step's main offer gets F7 in the footer, under this short name.
MAIN_OFFERS = {"build-app": N_("Build app"), "create-account": N_("Create account"),
               "sign-up": N_("Sign-up page"), "run-pull": N_("Pull it back")}


def _offer(label: str, button_id: str, until_done: bool = True) -> Button:
    if button_id in MAIN_OFFERS:
        label = f"{OFFER_KEY.upper()} {label}"
    classes = ["until-done"] if until_done else []
    classes += ["-main"] if button_id in MAIN_OFFERS else []
    return Button(label, id=button_id, classes=" ".join(classes), compact=True)


def main_offer(step_id: str, target: Target) -> str | None:
    """The id of the step's main offer (the one on F7), if it makes one."""
    return next((button.id for button in buttons(step_id, target) if button.id in MAIN_OFFERS), None)


def offer_line(step_id: str, target: Target) -> str | None:
    """The verdict's pointer to the main offer, so "not done" also says what the tutor can do."""
    offer = main_offer(step_id, target)
    if offer == "create-account":
        return _("→ Or press F7 to create it here; you choose the password.")
    if offer is None:
        return None
    return _("→ Or press F7 ({label}): the tutor does it for you.").format(label=_(MAIN_OFFERS[offer]))


def buttons(step_id: str, target: Target) -> list[Button]:
    """The buttons a step offers; most only make sense until the step is done."""
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


def after_check(screen: StepScreen, result: CheckResult) -> None:
    """Hide offers once the step is done; open the registry view when verify passes the first time."""
    done = result.status is Status.DONE
    for button in screen.query(".until-done").results(Button):
        button.display = not done
    offer_open = main_offer(screen.step.id, screen.lab.target) is not None and not done
    if offer_open != screen.offer_open:  # a footer rebuild costs a lot: only when F7 comes or goes
        screen.offer_open = offer_open
        screen.refresh_bindings()
    if done and screen.step.id == "verify" and not screen.lab.registry_shown:
        screen.lab.registry_shown = True
        screen.action_registry()


def pressed(screen: StepScreen, button_id: str) -> None:
    """Carry out the offer behind a button."""
    handlers = {"build-app": build_app, "pick-image": pick_image, "create-account": create_account,
                "sign-up": sign_up, "registry-view": lambda s: s.action_registry(), "run-pull": run_pull}
    handler = handlers.get(button_id)
    if handler is not None:
        handler(screen)


def build_app(screen: StepScreen) -> None:
    """Build assets/python-hello-world under the source image's name, streaming the build."""
    if screen.running:
        return
    screen.running = True
    tag = screen.lab.target.image
    folder = str(data_dir("assets") / APP_FOLDER)
    screen.show_lines([f"$ {screen.lab.engine.kind} build -t {tag} {folder}"])

    def build() -> None:
        failed = False
        try:
            for event in screen.lab.engine.build(folder, tag):
                failed = failed or isinstance(event, events.CommandFailed)
                screen.post_message(CommandOutput(event))
        except Exception as error:  # the engine's own words, then the offer below
            failed = True
            screen.post_message(CommandOutput(events.CommandFailed(str(error))))
        if failed:
            screen.post_message(CommandOutput(events.Notice(_(
                "The build could not finish. It fetches a Python base image, which needs the "
                "internet. No network? Use any local image instead: press “Use another local image…”."),
                "warning")))
        screen.post_message(CommandFinished("build", failed))

    screen.run_worker(build, thread=True, exclusive=True, group="command", exit_on_error=False)


def pick_image(screen: StepScreen) -> None:
    """List local images in a worker, then let the learner choose one as the source image."""

    def list_names() -> None:
        names = sorted({tag for image in screen.lab.engine.images() for tag in image.tags
                        if tag and "<none>" not in tag})
        screen.app.call_from_thread(ask_image, screen, names)

    screen.run_worker(list_names, thread=True, exclusive=True, group="images", exit_on_error=False)


def ask_image(screen: StepScreen, names: list[str]) -> None:
    """Show the picker; a chosen image becomes the lab's source image."""
    from tutor.screens.image_picker_modal import ImagePickerModal

    def chosen(name: str | None) -> None:
        if name:
            screen.lab.retarget(replace(screen.lab.target, image=name))
            screen.notify(_("The lab now pushes {image}.").format(image=name))
            screen.post_message(StepRequested(screen.index))

    screen.app.push_screen(ImagePickerModal(names), chosen)


def create_account(screen: StepScreen) -> None:
    """The practice registry's sign-up form; the account is created for real."""
    from tutor.screens.account_modal import AccountModal, NewAccount

    def created(account: NewAccount | None) -> None:
        practice = screen.lab.practice
        if account is None or practice is None:  # offered only where the tutor manages the accounts
            return

        def add() -> None:
            try:
                practice.add_user(account.user, account.password)
                screen.post_message(CommandOutput(events.OutputLine(
                    _("✓ Account {user} created on the practice registry.").format(user=account.user))))
            except Exception as error:
                screen.post_message(CommandOutput(events.CommandFailed(str(error))))
            screen.post_message(CommandFinished("account"))

        screen.run_worker(add, thread=True, exclusive=True, group="command", exit_on_error=False)

    screen.app.push_screen(AccountModal(screen.lab.target.user), created)


def sign_up(screen: StepScreen) -> None:
    """Open Docker Hub's or Quay's sign-up page in the browser."""
    url = SIGN_UP_PAGES[screen.lab.target.kind]
    if webbrowser.open(url):
        screen.notify(_("Opened {url}. Come back when your account exists.").format(url=url))
    else:
        screen.notify(_("No browser found; open {url} yourself.").format(url=url), severity="warning")


def run_pull(screen: StepScreen) -> None:
    """Remove the local copy of the pushed name, then pull it back, as the learner would type it."""
    if screen.running:
        return
    cli, ref = screen.lab.engine.kind, screen.lab.target.remote_ref
    screen.run_lines([f"{cli} rmi {ref}", f"{cli} pull {ref}"])
