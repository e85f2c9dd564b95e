"""The whole lab typed into the headless app, as a new learner does it (for the memory figure)."""

from __future__ import annotations

import time
from typing import Any

from tests.app_helpers import settle, type_command, wait_until
from tests.bench.tutor_child import SIZE, step_drawn


def on_step(app: Any) -> str:
    """The id of the step on screen ('' when no step screen is on top)."""
    from tutor.screens.step_screen import StepScreen

    return app.screen.step.id if isinstance(app.screen, StepScreen) else ""


async def next_step(pilot: Any) -> None:
    """Ctrl+N moves on to the next step once this one is done; a registry view that opens by itself
    (verify) is looked at and closed, as a learner would. (Enter would jump over a step done ahead,
    and whether verify was marked so before the key came is a race: the figure would cover six
    steps one run and seven the next.)"""
    from tutor.screens.registry_screen import RegistryScreen

    await pilot.press("ctrl+n")
    await settle(pilot)
    while isinstance(pilot.app.screen, RegistryScreen):
        await pilot.press("escape")
        await settle(pilot)


async def create_account(pilot: Any, password: str) -> None:
    """The practice registry's sign-up form, for real."""
    await pilot.click("#create-account")
    await settle(pilot)
    await pilot.press(*password, "enter", *password, "enter")
    await settle(pilot)


async def log_in(pilot: Any, spec: dict[str, Any]) -> None:
    """`docker login` typed in, the password in the masked prompt."""
    from tutor.screens.password_modal import PasswordModal

    await type_command(pilot, f"docker login {spec['address']} -u {spec['user']}")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PasswordModal))
    await pilot.press(*spec["password"], "enter")
    await settle(pilot)


async def run_commands(pilot: Any, lines: list[str]) -> None:
    """Type each line and wait for the app to finish it and its check."""
    for line in lines:
        await type_command(pilot, line)
        await settle(pilot)


async def whole_lab(spec: dict[str, Any], app: Any) -> dict[str, Any]:
    """Every step from image to pull, then the finish screen; says which steps were seen."""
    remote = f"{spec['address']}/{spec['user']}/{spec['image']}"
    commands = {"image": [f"docker images {spec['image']}"],
                "tag": [f"docker tag {spec['image']} {remote}"], "push": [f"docker push {remote}"],
                "verify": [], "pull": [f"docker rmi {remote}", f"docker pull {remote}"]}
    seen: list[str] = []
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: step_drawn(app), 60)
        await settle(pilot)
        while (step := on_step(app)) and len(seen) < 12:
            seen.append(step)
            if step == "account":
                await create_account(pilot, spec["password"])
            elif step == "login":
                await log_in(pilot, spec)
            else:
                await run_commands(pilot, commands.get(step, []))
            await next_step(pilot)
        finished = type(app.screen).__name__ == "FinishScreen"
    return {"finished": finished, "steps": seen, "seconds": time.perf_counter() - started}
