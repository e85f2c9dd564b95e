"""registry-tutor: a hands-on terminal tutor for pushing an image to a container registry."""

from __future__ import annotations

__version__ = "0.1.0"
