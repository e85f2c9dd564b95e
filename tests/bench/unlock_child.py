"""Watch mode in the real app: the learner's own docker CLI, then the step shown done (child side)."""

from __future__ import annotations

import asyncio
import shutil
import time
from typing import Any

from tests.bench.tutor_child import SIZE, make_app, step_drawn, until


def step_done(app: Any) -> bool:
    """True when the step on screen is marked done (the verdict and side list show it)."""
    from tutor.core.lab.session import StepState

    return bool(app.lab.state(app.screen.index) is StepState.DONE)


async def learner_runs(*args: str) -> float:
    """Run the real docker CLI as the learner's own terminal would; perf_counter when it exited."""
    binary = shutil.which("docker") or "docker"
    process = await asyncio.create_subprocess_exec(binary, *args, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE)
    _, errors = await process.communicate()
    ended = time.perf_counter()
    if process.returncode != 0:
        raise RuntimeError(f"docker {args[0]} failed: {errors.decode(errors='replace').strip()}")
    return ended


async def advance_to(pilot: Any, step: str) -> None:
    """Move on (Enter) through done steps until STEP is on screen and its first check is in."""
    from tests.app_helpers import settle, type_command

    app = pilot.app
    for _ in range(10):
        await settle(pilot)
        if app.screen.step.id == step:
            return
        await until(lambda: step_done(app), 30)
        await type_command(pilot, "")
    raise RuntimeError(f"the app never reached the {step} step")


async def unlock_latencies(spec: dict[str, Any]) -> dict[str, Any]:
    """Milliseconds from the CLI's exit to the step marked done, for `docker tag` and `docker push`."""
    app = make_app(spec["argv"])
    latencies: dict[str, float] = {}
    actions = {"tag": ("tag", spec["image"], spec["remote"]), "push": ("push", spec["remote"])}
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: step_drawn(app), 60)
        for step, args in actions.items():
            await advance_to(pilot, step)
            await asyncio.sleep(0.3)  # the watcher is past any earlier burst
            ended = await learner_runs(*args)
            await until(lambda: step_done(app), 20, poll=0.002)
            latencies[step] = (time.perf_counter() - ended) * 1000
    return latencies
