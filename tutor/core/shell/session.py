"""What the interpreter and its actions share: a parsed command line and the session it runs in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from tutor.core.records import field, record
from tutor.core.target import Target

if TYPE_CHECKING:  # a lab is drawn before its engine connects: the docker SDK loads afterwards
    from tutor.core.engine.credentials import CredentialStore
    from tutor.core.engine.gateway import Engine


@record
class ParsedCommand:
    """One parsed line: the program, the canonical action, options and positional arguments."""

    program: str
    action: str
    args: tuple[str, ...] = ()
    options: Mapping[str, str | bool] = field(default_factory=dict)
    assignments: tuple[tuple[str, str], ...] = ()
    words: tuple[str, ...] = ()
    sudo: bool = False


@record(frozen=False)
class Session:
    """What the interpreter needs across commands: engine, target, credentials, variables."""

    engine: Engine
    target: Target
    credentials: CredentialStore
    ask_password: Callable[[str], str | None]
    variables: dict[str, str] = field(default_factory=dict)
    lang: str = "en"
    image_names: tuple[float, list[str]] | None = field(default=None, repr=False)
