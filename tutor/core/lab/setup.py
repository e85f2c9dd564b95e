"""Build a Lab from the learner's options: drafted before the engine answers, then on the connected engine.

draft_lab runs on the UI thread before anything connects, so the first step is drawn from the lesson
and the progress file alone; build_lab runs in the app's connect worker and attaches the engine to
the draft when it still fits (else it builds the lab afresh).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from tutor.core.engine.credentials import CredentialsError, CredentialStore
from tutor.core.engine.sockets import docker_default, listening_here, podman_sockets
from tutor.core.i18n import _, current_language
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.resolve import Accounts, TargetError, resolve_target
from tutor.core.lab.session import Lab, LabOptions, PendingEngine
from tutor.core.lessons.files import copy_files
from tutor.core.lessons.model import LessonError, load_lesson
from tutor.core.shell.session import Session

if TYPE_CHECKING:
    from tutor.core.engine.gateway import Engine
    from tutor.core.lessons.model import Lesson
    from tutor.core.target import Target

class SetupFailed(Exception):
    """The lab cannot start; the message says what to change."""


def likely_kind(engine: str) -> str:
    """The engine kind a lab will most likely connect to, without asking it (for drawing the step
    first): the chosen one, else Podman only where DOCKER_HOST names it or only its socket exists."""
    if engine in ("docker", "podman"):
        return engine
    host = os.environ.get("DOCKER_HOST") or os.environ.get("CONTAINER_HOST") or ""
    if "podman" in host:
        return "podman"
    if host or listening_here(docker_default()):
        return "docker"
    return "podman" if any(listening_here(url) for url in podman_sockets()) else "docker"


def draft_lab(options: LabOptions, ask_password: Callable[[str], str | None], *,
              practice: Accounts | None = None, credentials: CredentialStore | None = None,
              store: ProgressStore | None = None) -> Lab | None:
    """The lab as far as it is known before any engine answers (target, lesson, progress), or None
    when it cannot be told yet. A stopped practice registry is drafted at its last address (the
    connect worker starts it, and builds afresh should it come up elsewhere)."""
    try:
        target, practice = resolve_target(options.registry, options.user or "", options.image,
                                          accounts=practice, ca_file=options.ca_file,
                                          when_stopped="last-address")
        lesson = load_lesson(options.lesson, current_language())
        engine = cast("Engine", PendingEngine(likely_kind(options.engine)))
        credentials = credentials or CredentialStore(engine.kind)
    except (TargetError, LessonError, CredentialsError, FileNotFoundError):
        return None  # build_lab says what is wrong, once connected
    return _assemble(engine, target, credentials, lesson, ask_password, practice, store)


def build_lab(options: LabOptions, engine: Engine, ask_password: Callable[[str], str | None], *,
              practice: Accounts | None = None, credentials: CredentialStore | None = None,
              store: ProgressStore | None = None, draft: Lab | None = None) -> Lab:
    """Everything a session needs: target, credentials, lesson, interpreter session, progress.

    A DRAFT of the same target, lesson and engine kind gets the engine attached instead.
    """
    try:
        target, practice = resolve_target(options.registry, options.user or "", options.image,
                                          accounts=practice, ca_file=options.ca_file)
        if draft is not None and (draft.target, draft.lesson.id, draft.engine.kind) == \
                (target, options.lesson, engine.kind):
            draft.attach(engine)
            prepare_files(draft)
            return draft
        credentials = credentials or CredentialStore(engine.kind)
        lesson = load_lesson(options.lesson, current_language())
    except (TargetError, CredentialsError, LessonError, FileNotFoundError) as error:
        raise SetupFailed(str(error)) from error
    lab = _assemble(engine, target, credentials, lesson, ask_password, practice, store)
    prepare_files(lab)
    return lab


def _assemble(engine: Engine, target: Target, credentials: CredentialStore, lesson: Lesson,
              ask_password: Callable[[str], str | None], practice: Accounts | None,
              store: ProgressStore | None) -> Lab:
    """The lab and its interpreter session from pieces resolved (the progress file's store by default)."""
    session = Session(engine, target, credentials, ask_password, lang=current_language())
    return Lab(engine, target, credentials, lesson, session, practice,
               store=store if store is not None else ProgressStore())


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
