"""Memory: peak RSS of a child process that runs the whole lab in the headless app."""

from __future__ import annotations

import secrets

from tests.bench.bed import Bed
from tests.bench.lab import lab
from tests.bench.report import Row, ratio
from tests.bench.settings import Settings
from tests.bench.spawn import run_json
from tests.bench.tutor_child import require_app

FIGURE = "peak RSS, whole lab"
TARGET = "< 100 MB"
LIMIT_MB = 100


def measure(bed: Bed, settings: Settings) -> list[Row]:
    """A new learner's whole lab, typed in the app; baseline: the one-Markdown app's peak."""
    require_app()
    setup = lab(bed)
    registry = setup.registry
    user, password = "learner" + secrets.token_hex(4), "pw-" + secrets.token_hex(8)
    spec = {"address": registry.address, "data_dir": str(registry.config.data_dir),
            "port": registry.config.port, "user": user, "password": password, "image": setup.image_name,
            "progress": str(bed.root / f"progress-{user}.json")}
    remote = f"{registry.address}/{user}/{setup.image_name}:latest"
    bed.created_tags.append(remote)
    result = run_json("lab-memory", spec)
    baseline = float(run_json("idle-baseline", {})["peak_rss_mb"])
    peak = float(result["peak_rss_mb"])
    note = f"steps seen: {' '.join(result['steps'])}; {result['seconds']:.1f} s"
    if not result["finished"]:
        note = "the lab did NOT reach the finish screen; " + note
    return [Row(FIGURE, peak, "MB", TARGET, peak < LIMIT_MB and bool(result["finished"]), baseline,
                ratio(peak, baseline), note)]
