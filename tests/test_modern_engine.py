"""The lab on Docker Engine 26 with the containerd image store, as most learners now have it."""

from __future__ import annotations

import docker

from tutor.core.engine.gateway import Engine


def test_the_modern_daemon_uses_the_containerd_image_store(modern_engine: docker.DockerClient,
                                                            modern_gateway: Engine) -> None:
    """The fixture's daemon is really Engine 26 on the containerd snapshotter, not the classic store."""
    info = modern_engine.info()
    assert info["ServerVersion"].startswith("26.")
    assert ["driver-type", "io.containerd.snapshotter.v1"] in info["DriverStatus"]
    assert modern_gateway.info.version.startswith("26.")
