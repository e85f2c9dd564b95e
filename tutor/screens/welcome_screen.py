"""The welcome screen: pick the lab, registry, engine, language, account name and source image.

A returning learner finds the last lab filled in, with "Continue as NAME on REGISTRY" as the
default action, and the other labs in progress listed with which lab and how far each got.
Continuing a lab also selects its lesson.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select

from tutor.core.i18n import N_, _, current_language, set_language
from tutor.core.lab.progress import LessonProgress
from tutor.core.lab.resume import how_far, options_of
from tutor.core.lab.session import LabOptions
from tutor.core.lessons.model import list_lessons
from tutor.core.records import replace
from tutor.core.target import (
    DOCKER_HUB,
    PRACTICE,
    QUAY,
    InvalidName,
    normalize_registry,
    parse_reference,
    validate_user,
)
from tutor.screens.base import TutorScreen

OTHER = "other"


def registry_choice(registry: str | None) -> str:
    """Which registry option a --registry value selects."""
    if registry in (None, PRACTICE, DOCKER_HUB, QUAY):
        return registry or PRACTICE
    return OTHER


def options_problem(options: LabOptions) -> str | None:
    """What the learner still has to fix on the form, in words, or None."""
    try:
        if options.registry not in (PRACTICE, DOCKER_HUB, QUAY):
            normalize_registry(options.registry or "")
        validate_user(options.user or "")
        parse_reference(options.image)
    except InvalidName as error:
        return str(error)
    return None


def registry_words(registry: str) -> str:
    """A registry as a sentence names it: the practice registry, Docker Hub, Quay.io or its address."""
    names = {PRACTICE: _("the practice registry"), DOCKER_HUB: "Docker Hub", QUAY: "Quay.io"}
    return names.get(registry, registry)


def continue_text(options: LabOptions) -> str:
    """The default action's label for a returning learner."""
    return _("Continue as {user} on {registry}").format(user=options.user,
                                                        registry=registry_words(options.registry or PRACTICE))


def lab_line(entry: LessonProgress, options: LabOptions, title: str | None = None) -> str:
    """One other lab in progress: which lab (TITLE), who, where, how far."""
    finished, total = how_far(entry)
    where = registry_words(options.registry or PRACTICE)
    if title:
        return _("{user} on {registry}, {lab}: {finished} of {total} steps done").format(
            user=options.user, registry=where, lab=title, finished=finished, total=total)
    return _("{user} on {registry}: {finished} of {total} steps done").format(
        user=options.user, registry=where, finished=finished, total=total)


class WelcomeScreen(TutorScreen[LabOptions]):
    """A short form; Start dismisses with the learner's choices."""

    KEYS: ClassVar[list[Binding]] = [Binding("ctrl+s", "start", N_("Start")),
                                     Binding("escape", "cancel", N_("Back to the lab")),
                                     Binding("f1", "app.help", N_("Help")),
                                     Binding("ctrl+q", "app.quit", N_("Quit"))]

    def __init__(self, options: LabOptions, *, can_cancel: bool = False,
                 labs: Sequence[LessonProgress] = (), continues: bool = False) -> None:
        """LABS: saved labs, most recent first; CONTINUES: the first of them is the one filled in."""
        super().__init__()
        self.options = options
        self.can_cancel = can_cancel
        self.language_before = current_language()
        self.labs = [options_of(entry, options) for entry in labs]
        titles = {lesson.id: lesson.title for lesson in list_lessons(current_language())} if labs else {}
        self.lab_lines = [lab_line(entry, lab, titles.get(lab.lesson))
                          for entry, lab in zip(labs, self.labs, strict=True)]
        self.continues = continues and bool(labs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape goes back only when a lab is already running (opened from the palette)."""
        return self.can_cancel if action == "cancel" else True

    def action_cancel(self) -> None:
        """Back to the running lab, unchanged (also in its language)."""
        if self.can_cancel:
            set_language(self.language_before)
            self.dismiss(None)

    def compose(self) -> ComposeResult:
        options = self.options
        yield Header()
        with VerticalScroll(id="welcome"):
            yield Label(_("Welcome! In this lab you push your own image to a registry."),
                        classes="screen-title")
            if self.continues:
                yield Button(continue_text(self.labs[0]), variant="primary", id="continue")
            others = list(enumerate(self.lab_lines))[1 if self.continues else 0:]
            if others:
                yield Label(_("Other labs in progress"), classes="field-label")
                for index, line in others:
                    yield Button(line, id=f"lab-{index}", classes="other-lab")
            yield Label(_("Lab"), classes="field-label")
            yield Select([(lesson.title, lesson.id) for lesson in list_lessons(current_language())],
                         value=options.lesson, allow_blank=False, id="lesson-choice")
            yield Label(_("Registry"), classes="field-label")
            yield Select([(_("Practice registry on this computer (offline, no account needed)"), PRACTICE),
                          ("Docker Hub (docker.io)", DOCKER_HUB), ("Quay.io", QUAY),
                          (_("Another registry address"), OTHER)],
                         value=registry_choice(options.registry), allow_blank=False, id="registry")
            yield Input(options.registry if registry_choice(options.registry) == OTHER else "",
                        placeholder=_("HOST[:PORT], e.g. registry.example.org"), id="address")
            yield Label(_("Your account name on the registry (lowercase)"), classes="field-label")
            yield Input(options.user or "", placeholder=_("e.g. alice"), id="user")
            yield Label(_("The local image to push"), classes="field-label")
            yield Input(options.image, id="image")
            with Horizontal(id="welcome-picker-labels"):
                yield Label(_("Engine"), classes="field-label")
                yield Label(_("Language"), classes="field-label")
            with Horizontal(id="welcome-pickers"):
                yield Select([(_("Find automatically"), "auto"), ("Docker", "docker"), ("Podman", "podman")],
                             value=options.engine, allow_blank=False, id="engine")
                yield Select([("English", "en"), ("Deutsch", "de")], value=current_language(),
                             allow_blank=False, id="language")
            yield Label("", id="welcome-problem", markup=False)
            yield Button(_("Start the lab"), variant="default" if self.continues else "primary", id="start")
        yield Footer()

    def on_mount(self) -> None:
        """Show the address field only for another registry; focus Continue, else the account field."""
        self._show_address()
        if self.continues:
            self.query_one("#continue", Button).focus()
        else:
            self.query_one("#user", Input).focus()

    def _show_address(self) -> None:
        self.query_one("#address", Input).display = self.query_one("#registry", Select).value == OTHER

    def on_select_changed(self, event: Select.Changed) -> None:
        """Registry: show or hide the address; language: redraw the form in it at once."""
        if event.select.id == "registry":
            self._show_address()
        elif event.select.id == "language" and event.value != current_language():
            self.options = self.chosen()
            set_language(str(event.value))
            self.relocalize()
            self.refresh(recompose=True)
            self.app.call_after_refresh(self._show_address)

    def chosen(self) -> LabOptions:
        """The form's current values."""
        choice = str(self.query_one("#registry", Select).value)
        registry = self.query_one("#address", Input).value.strip() if choice == OTHER else choice
        lesson = str(self.query_one("#lesson-choice", Select).value)
        return replace(self.options, registry=registry, lesson=lesson,
                       user=self.query_one("#user", Input).value.strip(),
                       image=self.query_one("#image", Input).value.strip() or "python-hello-world",
                       engine=str(self.query_one("#engine", Select).value),
                       lang=str(self.query_one("#language", Select).value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field starts the lab when the form is complete."""
        event.stop()
        self.action_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Start with the form, or continue the last lab or another one in progress as it was."""
        event.stop()
        button = event.button.id or ""
        if button == "continue" or button.startswith("lab-"):
            chosen = self.labs[0 if button == "continue" else int(button.removeprefix("lab-"))]
            if chosen.lang:
                set_language(chosen.lang)
            self.dismiss(chosen)
        else:
            self.action_start()

    def action_start(self) -> None:
        """Start with these choices, or say what is missing."""
        options = self.chosen()
        problem = options_problem(options)
        if problem:
            self.query_one("#welcome-problem", Label).update("✗ " + problem)
            return
        self.dismiss(options)
