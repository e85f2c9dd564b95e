"""The registry view: what the registry really holds for the learner's repository."""

from __future__ import annotations

import webbrowser
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from tutor.core.engine.credentials import CredentialsError
from tutor.core.i18n import N_, _
from tutor.core.lab.reset import registry_client
from tutor.core.lab.session import Lab
from tutor.core.registry.api import RegistryError
from tutor.screens.base import TutorModal
from tutor.screens.messages import RegistryFetched
from tutor.widgets.registry_view import RegistryView


class RegistryScreen(TutorModal[None]):
    """Tags, digest, size, layers and time of the pushed image, beside the local image ID."""

    KEYS: ClassVar[list[Binding]] = [
        Binding("escape,f5,q", "close", N_("Close")),
        Binding("r", "refresh", N_("Refresh")),
        Binding("o", "open_page", N_("Open web page")),
    ]

    def __init__(self, lab: Lab) -> None:
        super().__init__()
        self.lab = lab

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="registry-dialog", classes="dialog"):
            yield Static(_("The registry holds:") + f" {self.lab.target.remote_ref}",
                         classes="dialog-title", markup=False)
            yield RegistryView(id="registry-view")
        yield Footer()

    def on_mount(self) -> None:
        """Read the registry at once."""
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only registries with a web page offer to open it."""
        return self.page_url is not None if action == "open_page" else True

    @property
    def page_url(self) -> str | None:
        """Docker Hub's or Quay's page, or on the practice registry its companion's repository page."""
        web_page = getattr(self.lab.practice, "web_page", None)  # a test's stand-in may have none
        if self.lab.target.web_url is None and web_page is not None:
            return str(web_page(self.lab.target.api_path) or "") or None
        return self.lab.target.web_url

    def action_refresh(self) -> None:
        """Read the registry again."""
        self.fetch()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def fetch(self) -> None:
        """Ask the registry's API and the engine (in a thread: both block)."""
        target = self.lab.target
        # The local image of the same name (a later lab moves it on), else the lab's source image.
        local = self.lab.engine.image(target.remote_ref) or self.lab.engine.image(target.image)
        local_id = local.id if local is not None else None
        try:
            client = registry_client(target, self.lab.credentials)
            remote = client.remote_image(target.api_path, target.tag, self.lab.engine.platform)
            digests = {tag: client.manifest(target.api_path, tag)[0] for tag in remote.tags} \
                if len(remote.tags) > 1 else {}
        except (RegistryError, CredentialsError) as error:
            self.post_message(RegistryFetched(None, local_id, str(error)))
            return
        self.post_message(RegistryFetched(remote, local_id, tag_digests=digests))

    def on_registry_fetched(self, message: RegistryFetched) -> None:
        """Show what came back."""
        view = self.query_one(RegistryView)
        view.show(message.remote, message.local_id, self.page_url, message.error, message.tag_digests)

    def action_open_page(self) -> None:
        """Open the repository's page (Docker Hub, Quay or the practice registry's) in the browser."""
        url = self.page_url
        if url and webbrowser.open(url):
            self.notify(_("Opened {url} in your browser.").format(url=url))
        elif url:
            self.notify(_("No browser found; open {url} yourself.").format(url=url), severity="warning")

    def action_close(self) -> None:
        """Back to the step."""
        self.dismiss(None)
