"""The same app on Podman: login, tag and push typed as `podman ...`; the push bar is indeterminate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_helpers import FixturePractice, output_text, settle, text_of, type_command, wait_until
from tests.conftest import RegistryUnderTest
from tutor.app import TutorApp
from tutor.core.lab.progress import ProgressStore
from tutor.core.lab.session import LabOptions
from tutor.screens.password_modal import PasswordModal
from tutor.screens.registry_screen import RegistryScreen
from tutor.screens.step_screen import StepScreen
from tutor.widgets.push_progress import PushProgress

pytestmark = [pytest.mark.podman, pytest.mark.registry]


async def test_podman_lab_up_to_verify(registry: RegistryUnderTest, account: tuple[str, str],
                                       podman_socket: str, podman_hello_image: str, tmp_path: Path,
                                       podman_engine) -> None:  # type: ignore[no-untyped-def]
    """Podman gives no per-layer progress: the tutor shows an indeterminate bar, and verify still passes."""
    user, password = account
    remote = f"{registry.address}/{user}/python-hello-world"
    options = LabOptions(registry=registry.address, user=user, engine="podman", engine_url=podman_socket,
                         lang="en")
    app = TutorApp(options, watch=False, practice=FixturePractice(registry),
                   store=ProgressStore(tmp_path / "progress.json"))
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            assert app.lab is not None and app.lab.engine.kind == "podman"
            commands = [f"podman login {registry.address} -u {user}",
                        f"podman tag python-hello-world {remote}", f"podman push {remote}"]
            for step, line in zip(("login", "tag", "push"), commands, strict=True):
                while app.screen.step.id != step:  # type: ignore[attr-defined]
                    await type_command(pilot, "")
                    await settle(pilot)
                await type_command(pilot, line)
                if step == "login":
                    await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
                    await pilot.press(*password, "enter")
                await settle(pilot)
                assert "✓ Done" in text_of(pilot, "#verdict"), output_text(pilot)
            assert app.screen.query_one(PushProgress).has_class("-indeterminate")
            await type_command(pilot, "")
            await settle(pilot)
            assert isinstance(app.screen, RegistryScreen)  # verify passed: the registry view opened
            await pilot.press("escape")
            assert isinstance(app.screen, StepScreen) and app.screen.step.id == "verify"
            assert "✓ Done" in text_of(pilot, "#verdict")
    finally:
        if podman_engine.images.list(remote):
            podman_engine.images.remove(f"{remote}:latest")
