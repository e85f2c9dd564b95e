"""Import hygiene, in the spirit of harlequin's: what an entry point really loads, read from sys.modules.

Each case runs in a fresh interpreter (a subprocess), so nothing an earlier test imported can hide
an import: the headless commands never load Textual, and when the TUI connects, the docker SDK is
first imported by the engine gateway and by no other module. The import-linter contracts in
pyproject.toml state the same statically; this proves it at run time, deferred imports included.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import HELLO_IMAGE, RegistryUnderTest

Cli = Callable[..., subprocess.CompletedProcess[str]]

# Runs before the entry point: remembers which module's import statement first asked for docker.
_WATCH = textwrap.dedent('''
    import json, sys

    first_importer = []

    class _Watch:
        def find_spec(self, name, path=None, target=None):
            if name == "docker" and not first_importer:
                frame = sys._getframe(1)
                while frame is not None and frame.f_globals.get("__name__", "").startswith("importlib"):
                    frame = frame.f_back
                first_importer.append(frame.f_globals.get("__name__") if frame else None)
            return None

    sys.meta_path.insert(0, _Watch())

    # Loaded only when no engine answers (platform: the advice per system; podman_service: starting
    # Podman's service), or by requests' look-ups that a Unix socket skips (netrc); dataclasses and
    # the inspect it imports: the core's value types are records (tutor/core/records.py); the
    # maintainers' catalog tool and the ast it parses the source with.
    UNNEEDED_BY_CHECK = ("platform", "netrc", "tutor.core.engine.podman_service", "dataclasses", "inspect",
                         "tutor.core.catalog", "ast")

    def report(**extra):
        loaded = sorted({name.split(".")[0] for name in sys.modules} & {"textual", "docker", "rich",
                                                                   "markdown_it"})
        prose = "tutor.core.lessons.prose" in sys.modules
        unneeded = sorted(name for name in UNNEEDED_BY_CHECK if name in sys.modules)
        explainer = "tutor.core.explainer" in sys.modules
        print("REPORT " + json.dumps({"loaded": loaded, "docker_importer": (first_importer or [None])[0],
                                      "prose": prose, "unneeded": unneeded, "explainer": explainer,
                                      **extra}))
''')

_CLI = _WATCH + textwrap.dedent('''
    from tutor.__main__ import main
    try:
        code = main(sys.argv[1:])
    except SystemExit as stop:
        code = stop.code
    report(code=code)
''')

_UI_IMPORTS = _WATCH + textwrap.dedent('''
    import pkgutil, importlib
    import tutor.app, tutor.screens, tutor.widgets
    for package in (tutor.screens, tutor.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
    report()
''')

_UI_CONNECTS = _WATCH + textwrap.dedent('''
    import asyncio
    from tutor.app import TutorApp
    from tutor.core.lab.session import LabOptions
    from tutor.screens.step_screen import StepScreen

    async def drive():
        options = LabOptions(registry=sys.argv[1], user="alice", engine="docker", lang="en")
        app = TutorApp(options, watch=False)
        async with app.run_test(size=(100, 32)) as pilot:
            for _round in range(200):  # until connected, set up and the first check is shown
                await pilot.pause()
                busy = [worker for worker in app.workers if worker.is_running]
                if busy:
                    await app.workers.wait_for_complete(busy)
                elif isinstance(app.screen, StepScreen):
                    break
            report(lab=app.lab is not None, screen=type(app.screen).__name__)

    asyncio.run(drive())
''')


_UI_DRAWS_FIRST = _WATCH + textwrap.dedent('''
    import asyncio
    from tutor.__main__ import parse_command_line
    from tutor.app import TutorApp, options_from_args
    from tutor.screens.step_screen import StepScreen

    async def drive():
        args = parse_command_line(["--registry", sys.argv[1], "--user", "alice", "--engine", "docker",
                                   "--lang", "en"])
        commands = sorted(name for name in sys.modules if name.startswith("tutor.commands."))
        app = TutorApp(options_from_args(args), watch=False)
        async with app.run_test(size=(100, 32)) as pilot:
            while not isinstance(app.screen, StepScreen):
                await asyncio.sleep(0.001)
            docker_at_draw = "docker" in sys.modules
            while app.lab is None or not app.lab.connected or app.resuming:
                await pilot.pause()
            report(docker_at_draw=docker_at_draw, commands=commands, same_screen=app.screen.lab is app.lab)

    asyncio.run(drive())
''')


def _run(script: str, *args: str) -> dict[str, Any]:
    """Run SCRIPT in a fresh interpreter (the test's isolated HOME and XDG dirs) and read its report."""
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                            timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(lines[-1].removeprefix("REPORT "))
    return report


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["reset", "--help"],
                                  ["practice", "--help"], ["lessons", "--help"]])
def test_help_loads_neither_textual_nor_docker(argv: list[str]) -> None:
    """Asking for help imports only the argument parser: no Textual, no docker SDK."""
    report = _run(_CLI, *argv)
    assert report["code"] == 0
    assert "textual" not in report["loaded"] and "docker" not in report["loaded"]


@pytest.mark.engine
@pytest.mark.registry
def test_check_never_loads_textual_and_reaches_docker_through_the_gateway(
        registry: RegistryUnderTest) -> None:
    """A whole `registry-tutor check` on the real engine and registry: no Textual, no Markdown parser
    and not the prose's module (it reads lesson.toml, never the prose); docker via the gateway; none
    of what only an engine that does not answer needs."""
    report = _run(_CLI, "check", "--registry", registry.address, "--user", "alice", "--engine", "docker",
                  "--json")
    assert report["code"] == 1  # alice pushed nothing: every step but the first is still to do
    assert "textual" not in report["loaded"] and "markdown_it" not in report["loaded"]
    assert not report["prose"]
    assert report["docker_importer"] == "tutor.core.engine.gateway"
    assert report["unneeded"] == []


@pytest.mark.engine
@pytest.mark.registry
def test_checking_a_finished_lab_needs_no_explainer(registry: RegistryUnderTest, account: tuple[str, str],
                                                    hello_image: str, docker_cli: Cli) -> None:
    """Every step done (login, tag, push, rmi, pull with the docker CLI): nothing is left to explain,
    so a grader's `check` of a finished lab never loads the explainer's catalogue."""
    user, password = account
    remote = f"{registry.address}/{user}/{HELLO_IMAGE}"
    try:
        for command in (["login", "-u", user, "--password-stdin", registry.address],
                        ["tag", HELLO_IMAGE, remote], ["push", remote], ["rmi", remote], ["pull", remote]):
            done = docker_cli(*command, stdin=password if command[0] == "login" else None)
            assert done.returncode == 0, done.stderr
        report = _run(_CLI, "check", "--registry", registry.address, "--user", user, "--engine", "docker",
                      "--json")
        assert report["code"] == 0
        assert report["explainer"] is False
    finally:
        docker_cli("rmi", remote)


def test_every_ui_module_reaches_docker_only_through_the_gateway() -> None:
    """Importing the app, every screen and every widget (also those a first run never opens) loads
    the docker SDK, if at all, through the engine gateway."""
    report = _run(_UI_IMPORTS)
    assert "textual" in report["loaded"]
    assert report["docker_importer"] in (None, "tutor.core.engine.gateway")


@pytest.mark.engine
@pytest.mark.registry
def test_the_first_step_is_drawn_before_the_docker_sdk_loads(registry: RegistryUnderTest) -> None:
    """Opening the tutor with every option given imports no subcommand's module, draws the step from
    the lesson and the progress file before the docker SDK loads, then connects that same lab."""
    report = _run(_UI_DRAWS_FIRST, registry.address)
    assert report["commands"] == []
    assert report["docker_at_draw"] is False
    assert report["same_screen"] is True and "docker" in report["loaded"]


@pytest.mark.engine
@pytest.mark.registry
def test_the_ui_loads_docker_only_through_the_gateway(registry: RegistryUnderTest) -> None:
    """The TUI connects, sets up the lab and checks the first step; docker's first importer is the gateway."""
    report = _run(_UI_CONNECTS, registry.address)
    assert report["lab"] and report["screen"] == "StepScreen"
    assert report["docker_importer"] == "tutor.core.engine.gateway"
