"""The lab the figures share: one registry with one account and a small source image."""

from __future__ import annotations

from dataclasses import dataclass

from tests.bench.bed import Bed, Registry


@dataclass(frozen=True)
class LabSetup:
    """What a learner starts with: a registry, an account on it and a local source image."""

    registry: Registry
    image: str

    @property
    def image_name(self) -> str:
        """The source image's name without its tag (what --image gets)."""
        return self.image.rsplit(":", 1)[0]

    @property
    def remote(self) -> str:
        """REGISTRY/USER/IMAGE, the lab's remote repository."""
        return f"{self.registry.address}/{self.registry.user}/{self.image_name}"

    def args(self) -> list[str]:
        """The tutor's command-line options for this lab."""
        return ["--registry", self.registry.address, "--user", self.registry.user,
                "--image", self.image_name, "--engine", "docker", "--lang", "en"]


def lab(bed: Bed) -> LabSetup:
    """The shared lab, created on first use."""
    if "lab" not in bed.cache:
        bed.cache["lab"] = LabSetup(bed.start_registry(), bed.build("tutor-bench-hello"))
    setup: LabSetup = bed.cache["lab"]
    return setup
