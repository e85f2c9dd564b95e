"""The pull step says what really happens: with the learner's image still local, only the manifest
travels and every layer 'Already exists'; a clean machine downloads the layers."""

from __future__ import annotations

import re

import pytest

from tutor.core.lessons.model import load_lesson


def _pull_text(lang: str) -> str:
    step = load_lesson("push-to-registry", lang).step("pull")
    return re.sub(r"\s+", " ", step.body)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_pull_step_says_only_the_manifest_travels_while_the_layers_are_local(lang: str) -> None:
    text = _pull_text(lang)
    assert "Already exists" in text  # what docker pull prints for each layer already here
    assert "already exists" in text.replace("Already exists", "")  # and Podman's wording
    assert "Manifest" in text or "manifest" in text
    assert "downloads the layers again" not in text
    assert "die Layer neu herunter" not in text


def test_the_pull_step_says_what_a_clean_machine_downloads() -> None:
    assert "has none of these layers" in _pull_text("en")
    assert "ohne diese Layer" in _pull_text("de")
