"""Packaging and Windows: a LICENSE, the version in one place, the imports declared, and no
POSIX-only module on the paths the app and `check` take (Windows has none of them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tutor
from tutor.core.engine import gateway

ROOT = Path(__file__).resolve().parent.parent

# Run before the tutor's code: imports of POSIX-only modules fail, POSIX-only os functions are gone.
# The libraries the tutor uses are loaded first: each picks its Windows backend there by itself
# (platformdirs.windows, Textual's Windows driver), which this Linux run cannot load in their place.
HIDE_POSIX = textwrap.dedent("""
    import importlib.abc, os, sys
    import bcrypt, cryptography, docker, markdown_it, platformdirs, platformdirs.unix, requests, textual.app
    import textual.drivers.linux_driver

    HIDDEN = {"fcntl", "pwd", "grp", "termios", "tty", "resource", "posix_ipc"}

    # The portable lock is the one module that picks fcntl or msvcrt by platform, when it locks.
    CHOOSES_BY_PLATFORM = {"tutor.core.locking"}

    def importer():
        frame = sys._getframe(2)
        while frame is not None and frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen")):
            frame = frame.f_back
        return frame.f_globals.get("__name__", "") if frame is not None else ""

    class HidePosix(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in HIDDEN and importer() not in CHOOSES_BY_PLATFORM:
                raise ModuleNotFoundError(f"No module named {name!r} (hidden: Windows has none)", name=name)
            return None

    sys.meta_path.insert(0, HidePosix())
    for name in HIDDEN:
        sys.modules.pop(name, None)
    for name in ("getuid", "geteuid", "getgid", "getegid", "getgroups", "fchmod", "fchown", "chown",
                 "lchown", "O_DIRECTORY"):
        if hasattr(os, name):
            delattr(os, name)
""")


def _run_hidden(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_RUNTIME_DIR": str(tmp_path / "run"), "DOCKER_CONFIG": str(tmp_path / "docker"),
           "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-c", HIDE_POSIX + textwrap.dedent(code)], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=240, check=False)


def test_help_runs_without_posix_only_modules(tmp_path: Path) -> None:
    done = _run_hidden("""
        from tutor.__main__ import main
        try:
            main(["--help"])
        except SystemExit as stop:
            print("exit", stop.code)
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "usage: registry-tutor" in done.stdout and "exit 0" in done.stdout


@pytest.mark.engine
def test_the_app_starts_headless_without_posix_only_modules(tmp_path: Path) -> None:
    """The app connects, loads lesson and progress, and draws the first step: no fcntl, no getuid."""
    done = _run_hidden("""
        import asyncio
        from tutor.app import TutorApp
        from tutor.core.lab.session import LabOptions
        from tutor.screens.step_screen import StepScreen

        async def main():
            options = LabOptions(registry="127.0.0.1:9", user="alice", engine="docker", lang="en")
            app = TutorApp(options, watch=False)
            async with app.run_test(size=(100, 32)) as pilot:
                while app.lab is None or not isinstance(app.screen, StepScreen):
                    await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                app.lab.save()
                print("step", app.screen.step.id)
                for _ in range(5):  # let the step's first draw finish before the app is torn down
                    await pilot.pause()

        asyncio.run(main())
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "step " in done.stdout
    assert (tmp_path / "data" / "registry-tutor" / "progress.json").exists()


@pytest.mark.engine
def test_check_runs_without_posix_only_modules(tmp_path: Path) -> None:
    done = _run_hidden("""
        import sys
        from tutor.__main__ import main
        sys.exit(main(["check", "--registry", "127.0.0.1:9", "--user", "alice", "--engine", "docker",
                       "--json"]))
    """, tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (1, 2)
    assert '"id": "image"' in done.stdout


def test_docker_desktops_named_pipe_is_searched_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows the engine search tries Docker Desktop's pipe, not Unix sockets."""
    for name in ("DOCKER_HOST", "CONTAINER_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(gateway, "_context_host", lambda: None)
    monkeypatch.setattr(sys, "platform", "win32")
    for kind in ("auto", "docker"):
        urls = gateway.candidate_urls(kind, None)
        assert urls[0] == "npipe:////./pipe/docker_engine"
        assert not [url for url in urls if url.startswith("unix://")]
    assert "npipe:////./pipe/podman-machine-default" in gateway.candidate_urls("podman", None)
    monkeypatch.setattr(sys, "platform", "linux")
    assert "npipe:////./pipe/docker_engine" not in gateway.candidate_urls("auto", None)


def test_a_license_file_names_mit_and_a_copyright() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the registry-tutor authors" in text
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_version_is_written_in_one_place() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert not re.search(r"^version\s*=", pyproject, re.MULTILINE)
    assert 'dynamic = ["version"]' in pyproject
    assert re.search(r'^__version__ = "\d+\.\d+\.\d+"$', (ROOT / "tutor" / "__init__.py").read_text(),
                     re.MULTILINE)
    from importlib.metadata import version

    assert version("registry-tutor") == tutor.__version__


def test_what_the_code_imports_is_declared() -> None:
    from importlib.metadata import requires

    declared = {re.split(r"[<>=!~ ;\[]", line, maxsplit=1)[0].lower(): line
                for line in requires("registry-tutor") or [] if "extra ==" not in line}
    assert "requests" in declared
    assert "<8" in declared["docker"]  # the gateway uses the SDK's private parts: no major jump


def test_podmans_login_file_is_found_without_a_user_id(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """Windows has no os.getuid and no runtime dir: Podman (its machine's client) keeps logins in
    the user's config folder there."""
    from tutor.core.engine.credentials import podman_auth_path

    for name in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delattr(os, "getuid")
    assert podman_auth_path() == tmp_path / "config" / "containers" / "auth.json"
