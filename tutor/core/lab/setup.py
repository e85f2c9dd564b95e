"""Build a Lab from the learner's options on a connected engine (runs in the app's connect worker)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tutor.core.engine.credentials import CredentialsError, CredentialStore
from tutor.core.i18n import _, current_language
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import Lab, LabOptions
from tutor.core.lessons.files import copy_files
from tutor.core.lessons.model import LessonError, load_lesson
from tutor.core.shell.interpreter import Session
from tutor.core.target import PRACTICE, InvalidName, Target, normalize_registry, validate_user


class SetupFailed(Exception):
    """The lab cannot start; the message says what to change."""


def practice_target(options: LabOptions, practice: Any) -> Target:
    """Start (or find) the practice registry and aim the lab at it."""
    from tutor.core.registry.practice import PracticeError

    try:
        status = practice.ensure_running()
    except PracticeError as error:
        raise SetupFailed(_("The practice registry did not start: {error}").format(error=error)) from error
    return Target(normalize_registry(status.address), validate_user(options.user or ""),
                  options.image, practice=True, ca_file=status.ca_file)


def make_target(options: LabOptions, practice: Any) -> tuple[Target, Any]:
    """The lab's target and its practice registry (None for a real registry)."""
    try:
        if options.registry in (None, PRACTICE):
            # Imported here: its TLS code (cryptography) would slow every other lab's start-up.
            from tutor.core.registry.practice import PracticeRegistry

            practice = practice if practice is not None else PracticeRegistry()
            return practice_target(options, practice), practice
        target = Target.create(options.registry or "", options.user or "", options.image)
    except InvalidName as error:
        raise SetupFailed(str(error)) from error
    if practice is not None:  # a registry we manage ourselves under another address (tests, classes)
        target = replace(target, practice=True, ca_file=options.ca_file)
    return replace(target, ca_file=options.ca_file), practice


def build_lab(app: Any, engine: Any) -> Lab:
    """Everything a session needs: target, credentials, lesson, interpreter session, progress."""
    target, practice = make_target(app.options, app.practice)
    try:
        credentials = app.credentials or CredentialStore(engine.kind)
        lesson = load_lesson(getattr(app.options, "lesson", None) or LabOptions.lesson, current_language())
    except (CredentialsError, LessonError, FileNotFoundError) as error:
        raise SetupFailed(str(error)) from error
    session = Session(engine, target, credentials, app.ask_password, lang=current_language())
    lab = Lab(engine, target, credentials, lesson, session, practice,
              store=app.store if app.store is not None else ProgressStore())
    prepare_files(lab)
    return lab


def prepare_files(lab: Lab) -> None:
    """Copy the lesson's editable files for the learner once (later edits stay); SetupFailed if it cannot."""
    folder = lab.files_folder
    if folder is None:
        return
    try:
        copy_files(lab.lesson, lab.values(), folder)
    except OSError as error:
        raise SetupFailed(_("The lab's build folder cannot be written to {folder}: {error}. Set "
                            "REGISTRY_TUTOR_WORKDIR to a folder you can write.").format(
                                folder=folder, error=error)) from error
