"""Build a Lab from the learner's options on a connected engine (runs in the app's connect worker)."""

from __future__ import annotations

from collections.abc import Callable

from tutor.core.engine.credentials import CredentialsError, CredentialStore
from tutor.core.engine.gateway import Engine
from tutor.core.i18n import _, current_language
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.resolve import Accounts, TargetError, resolve_target
from tutor.core.lab.session import Lab, LabOptions
from tutor.core.lessons.files import copy_files
from tutor.core.lessons.model import LessonError, load_lesson
from tutor.core.shell.session import Session


class SetupFailed(Exception):
    """The lab cannot start; the message says what to change."""


def build_lab(options: LabOptions, engine: Engine, ask_password: Callable[[str], str | None], *,
              practice: Accounts | None = None, credentials: CredentialStore | None = None,
              store: ProgressStore | None = None) -> Lab:
    """Everything a session needs: target, credentials, lesson, interpreter session, progress."""
    try:
        target, practice = resolve_target(options.registry, options.user or "", options.image,
                                          accounts=practice, ca_file=options.ca_file)
        credentials = credentials or CredentialStore(engine.kind)
        lesson = load_lesson(options.lesson, current_language())
    except (TargetError, CredentialsError, LessonError, FileNotFoundError) as error:
        raise SetupFailed(str(error)) from error
    session = Session(engine, target, credentials, ask_password, lang=current_language())
    lab = Lab(engine, target, credentials, lesson, session, practice,
              store=store if store is not None else ProgressStore())
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
