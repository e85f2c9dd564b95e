"""How hard the bench works: the default run, or --quick for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Sizes and repetitions for one bench run."""

    quick: bool = False
    startup_runs: int = 5
    check_runs: int = 9
    unlock_runs: int = 3
    push_rounds: int = 6
    push_layers: int = 8
    push_bytes: int = 64 * MB
    smooth_layers: int = 30
    smooth_rounds: int = 3  # one push's stall is a lottery on a busy machine: the median of three
    smooth_layer_bytes: int = 1 * MB

    @classmethod
    def make(cls, quick: bool, rounds: int | None = None) -> Settings:
        """The default settings, or tiny ones (1 round, small images) when quick."""
        if quick:
            return cls(quick=True, startup_runs=1, check_runs=3, unlock_runs=1, push_rounds=rounds or 1,
                       push_layers=2, push_bytes=2 * MB, smooth_layers=4, smooth_layer_bytes=64 * 1024,
                       smooth_rounds=1)
        return cls(push_rounds=rounds or 6)

    @property
    def push_layer_bytes(self) -> int:
        """Bytes of random data per layer of the push image."""
        return self.push_bytes // self.push_layers
