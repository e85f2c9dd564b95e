"""`registry-tutor lessons test`: prove a lesson's checks against a real engine and registry.

For each language: the lesson's `prepare` commands run (what earlier labs leave behind), then
every check must fail on that fresh starting state (a fresh image name and a fresh account);
then, step by step, the step's check must still fail, its listed mistakes must produce the
explainer entries they name (the failed command's, or else the check's after it), and after
the reference solution (run through the core's interpreter) the check must pass. This catches
a check that can never fail. A step with `check_after = "STEP"` may pass once STEP's solution ran.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tutor.core.engine.credentials import CredentialStore
from tutor.core.engine.gateway import Engine, EngineError, EngineUnavailable
from tutor.core.events import CommandFailed, Event, Status
from tutor.core.lab.check_table import run_all, run_check
from tutor.core.lab.checks import LabContext
from tutor.core.lab.resolve import Accounts
from tutor.core.lessons.files import copy_files
from tutor.core.lessons.model import Lesson, Step, WrongAttempt, fill, lesson_values, load_lesson
from tutor.core.records import field, record
from tutor.core.registry import server as registry_server
from tutor.core.registry.api import RegistryClient, RegistryError
from tutor.core.shell.interpreter import Session, run_command
from tutor.core.target import DEFAULT_IMAGE, Target, normalize_registry


class HtpasswdAccounts:
    """Accounts of a registry whose htpasswd file this machine can write (it reloads the file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def has_user(self, name: str) -> bool:
        """True when the account exists."""
        return name in registry_server.read_htpasswd(self.path)

    def add_user(self, name: str, password: str) -> None:
        """Create the account."""
        users = registry_server.read_htpasswd(self.path)
        users[name] = registry_server.hash_password(password)
        registry_server.write_htpasswd(self.path, users)

    def remove_user(self, name: str) -> None:
        """Delete the account."""
        users = registry_server.read_htpasswd(self.path)
        users.pop(name, None)
        registry_server.write_htpasswd(self.path, users)


@record(frozen=False)
class LessonTestOptions:
    """What to test where; accounts is None when the account is given (user and password)."""

    registry: str
    lesson_id: str = "push-to-registry"
    langs: tuple[str, ...] = ("en", "de")
    engine_kind: str = "docker"
    engine_url: str | None = None
    source_image: str = DEFAULT_IMAGE
    user: str | None = None
    password: str | None = None
    accounts: Accounts | None = None
    lessons_root: Path | None = None
    ca_file: str | None = None


@record(frozen=False)
class Report:
    """What happened: progress lines and failures (each `file:line: message` where it has a line)."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        """Record a passed assertion."""
        self.lines.append(f"ok    {text}")

    def fail(self, text: str) -> None:
        """Record a failed assertion."""
        self.lines.append(f"FAIL  {text}")
        self.failures.append(text)


class _Run:
    """One language on one engine: fresh names, a private credentials file, the lab's session."""

    def __init__(self, options: LessonTestOptions, lesson: Lesson, engine: Engine, report: Report) -> None:
        self.options, self.lesson, self.engine, self.report = options, lesson, engine, report
        self.folder = Path(tempfile.mkdtemp(prefix="registry-tutor-lesson-test-"))
        suffix = secrets.token_hex(4)
        self.user = options.user or f"lessontest{suffix}"
        self.password = options.password or "pw-" + secrets.token_hex(8)
        self.created_account = False
        self.target = Target(normalize_registry(options.registry), self.user, f"lesson-test-{suffix}",
                             practice=options.accounts is not None, ca_file=options.ca_file)
        name = "config.json" if engine.kind == "docker" else "auth.json"
        credentials = CredentialStore(engine.kind, self.folder / name)
        self.ctx = LabContext(engine, self.target, credentials, practice=options.accounts,
                              lab_started_nano=time.time_ns(), lang=lesson.lang)
        self.session = Session(engine, self.target, credentials, self._password, lang=lesson.lang)
        self.values = lesson_values(self.target, engine.kind, self.folder / "files")
        copy_files(lesson, self.values, self.folder / "files")
        self.where = f"{lesson.path}"
        self.meta = f"{lesson.metadata_path}"
        self.checks = tuple(dict.fromkeys(step.check for step in lesson.steps))

    def _password(self, prompt: str) -> str:
        return self.password

    def label(self, step: Step) -> str:
        return f"{self.lesson.lang}/{self.engine.kind} {step.id}"

    def run(self) -> None:
        """Assert the starting state, then walk the steps; stop at the first broken step."""
        try:
            if self.prepared() and self.starting_state_is_fresh():
                steps = self.lesson.steps
                if all(self.step(step, steps[index + 1:]) for index, step in enumerate(steps)):
                    self.confirm_given_account()
        finally:
            self.clean_up()

    def prepared(self) -> bool:
        """Run the lesson's `prepare` commands: the state earlier labs leave behind."""
        commands = self.lesson.prepare.get(self.engine.kind, ())
        for command in commands:
            problem = self.run_one(command, command in self.lesson.terminal_prepare)
            if problem is not None:
                self.report.fail(f"{self.meta}:1: [prepare] `{fill(command, self.values)}` failed: {problem}")
                return False
        if commands:
            self.report.ok(f"{self.lesson.lang}/{self.engine.kind} prepared: {len(commands)} command(s)")
        return True

    def run_one(self, command: str, terminal: bool) -> str | None:
        """Run COMMAND (a stand-in for the learner's terminal when TERMINAL); the failure or None."""
        filled = fill(command, self.values)
        if terminal:
            return self.stand_in(filled)
        return next((e.message for e in self.execute(filled) if isinstance(e, CommandFailed)), None)

    def starting_state_is_fresh(self) -> bool:
        """No check may pass before anything was done; one that does can never fail."""
        fresh = True
        for result in run_all(self.ctx, self.checks):
            if result.status is Status.DONE and not self.given(result.step):
                self.report.fail(f"{self.where}:1: check '{result.step}' already passes on the fresh "
                                 f"starting state ({result.detail}): it cannot tell if the step was done")
                fresh = False
        if fresh:
            self.report.ok(f"{self.lesson.lang}/{self.engine.kind} no check passes on the starting state")
        return fresh

    def step(self, step: Step, later: tuple[Step, ...]) -> bool:
        """Check before, mistakes, solution, check after; False when the step is broken."""
        if step.check_after is None and not self.not_done_yet(step, step.check):
            return False
        for waiting in (s for s in later if s.check_after == step.id):
            if not self.not_done_yet(step, waiting.check):
                return False
        for attempt in step.wrong_attempts:
            if attempt.engine == self.engine.kind:
                self.wrong_attempt(step, attempt)
        if not self.solution(step):
            return False
        result = run_check(step.check, self.ctx)
        if self.given(step.check) and result.status is not Status.DONE:
            self.report.ok(f"{self.label(step)}: the given account is confirmed by the login later")
            return True
        if result.status is not Status.DONE:
            self.report.fail(f"{self.meta}: after the solution of step '{step.id}' its check "
                             f"'{step.check}' says {result.status.value}: {result.detail}")
            return False
        self.report.ok(f"{self.label(step)}: the check passes after the solution")
        self.values.update(lesson_values(self.target, self.engine.kind, self.folder / "files", result.facts))
        return True

    def confirm_given_account(self) -> None:
        if self.options.accounts is None:
            result = run_check("account", self.ctx)
            if result.status is Status.DONE:
                self.report.ok(f"{self.lesson.lang}/{self.engine.kind} account: {result.detail}")
            else:
                self.report.fail(f"{self.where}:1: the account check says {result.status.value} after "
                                 f"the whole lesson: {result.detail}")

    def given(self, check: str) -> bool:
        """True for the account check when the account was given (--user), not created here."""
        return check == "account" and self.options.accounts is None

    def not_done_yet(self, step: Step, check: str) -> bool:
        result = run_check(check, self.ctx)
        if result.status is Status.DONE and not self.given(check):
            line = step.lines.get("check", step.line)
            self.report.fail(f"{self.where}:{line}: check '{check}' already passes before the solution of "
                             f"step '{step.id}' ({result.detail}): it does not test this step")
            return False
        self.report.ok(f"{self.label(step)}: check '{check}' says {result.status.value} before the solution")
        return True

    def wrong_attempt(self, step: Step, attempt: WrongAttempt) -> None:
        """The mistake's commands, then the explanation: the failed command's, else the check's."""
        commands = [fill(command, self.values) for command in attempt.commands]
        failure = None
        for command in commands:
            failure = next((e for e in self.execute(command) if isinstance(e, CommandFailed)), None)
            if failure is not None:
                break
        if failure is not None:
            got = failure.explanation.key if failure.explanation else None
            what = f"gave {got or 'no explanation'} ({failure.message})"
        else:
            result = run_check(step.check, self.ctx)
            got = result.explanation.key if result.explanation else None
            what = (f"succeeded and the check says {result.status.value}: {result.detail} "
                    f"({got or 'no explanation'})")
        shown = " ; ".join(commands)
        if got == attempt.expect:
            self.report.ok(f"{self.label(step)}: `{shown}` is explained as {got}")
            return
        self.report.fail(f"{self.meta}:{attempt.line}: `{shown}` {what}; the lesson expects {attempt.expect}")

    def solution(self, step: Step) -> bool:
        commands = step.solution.get(self.engine.kind, ())
        if not commands:
            self.report.fail(f"{self.meta}: step '{step.id}' has no {self.engine.kind} solution")
            return False
        for command in commands:
            problem = self.run_one(command, command in step.terminal_only)
            if problem is not None:
                self.report.fail(f"{self.meta}: the solution `{fill(command, self.values)}` of step "
                                 f"'{step.id}' failed: {problem}")
                return False
        return True

    def execute(self, command: str) -> Iterator[Event]:
        return run_command(command, self.session)

    def stand_in(self, command: str) -> str | None:
        """Do what a command for the learner's own terminal does; the message when it cannot."""
        words = shlex.split(command)
        if words[1:2] == ["build"]:
            return self._call(lambda: self.engine.tag(self.options.source_image, self.target.image))
        if words[:3] == ["registry-tutor", "practice", "add-user"]:
            if self.options.accounts is None:
                return None  # the account was given with --user
            add_user = self.options.accounts.add_user
            self.created_account = True
            return self._call(lambda: add_user(words[3], self.password))
        return f"lessons test cannot carry out `{command}` (it is for the learner's own terminal)"

    @staticmethod
    def _call(action: Callable[[], None]) -> str | None:
        try:
            action()
        except Exception as error:
            return str(error) or type(error).__name__
        return None

    def clean_up(self) -> None:
        """Remove the fresh names, the pushed manifests and the fresh account; keep everything else."""
        for reference in self.local_names():
            if self.engine.image(reference) is not None:
                self._call(lambda ref=reference: self._remove(ref))  # type: ignore[misc]
        self._call(self._delete_remote)
        remove_user = getattr(self.options.accounts, "remove_user", None)
        if self.created_account and callable(remove_user):
            self._call(lambda: remove_user(self.user))
        shutil.rmtree(self.folder, ignore_errors=True)

    def local_names(self) -> list[str]:
        """Every local name the run may have made: the lab's names and what the steps create."""
        names = [fill(created.name, self.values) for step in self.lesson.steps for created in step.creates
                 if created.kind == "tag"]
        return list(dict.fromkeys([*names, self.target.remote_ref, self.target.image]))

    def _remove(self, reference: str) -> None:
        self.engine.remove(reference)

    def _delete_remote(self) -> None:
        client = RegistryClient(self.target.api_base, self.user, self.password, ca_file=self.target.ca_file)
        path = self.target.api_path
        digests = set()
        for tag in client.tags(path):
            with contextlib.suppress(RegistryError):
                digests.add(client.manifest(path, tag)[0])
        for digest in digests:
            with contextlib.suppress(RegistryError):
                client.delete_manifest(path, digest)


def run_lesson_test(options: LessonTestOptions) -> Report:
    """Run the lesson in each language on the engine; the report lists what passed and failed."""
    report = Report()
    try:
        engine = Engine.connect(options.engine_kind, options.engine_url)  # type: ignore[arg-type]
    except EngineUnavailable as error:
        report.fail(str(error))
        return report
    try:
        if engine.image(options.source_image) is None:
            report.fail(f"the source image {options.source_image} is not in {engine.kind}'s local store: "
                        "build it first or pass --source-image NAME")
            return report
        for lang in options.langs:
            lesson = load_lesson(options.lesson_id, lang, options.lessons_root)
            if lesson.lang != lang:
                report.fail(f"{lesson.path}:1: lesson '{options.lesson_id}' has no {lang} version")
                continue
            _Run(options, lesson, engine, report).run()
    except (EngineError, RegistryError) as error:
        report.fail(f"the engine or registry failed: {error}")
    finally:
        engine.close()
    return report

