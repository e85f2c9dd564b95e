"""A repository as the registry's web page would show it: tags, digest, size, layers, when."""

from __future__ import annotations

from collections.abc import Mapping

from textual.widgets import Static

from tutor.core.events import RemoteImage
from tutor.core.i18n import _
from tutor.core.sizes import human_size


def _which(named: str | None) -> str:
    """One sentence on which digest the local image ID is, in the learner's language."""
    return {
        "config": _("Your local image ID is the config digest (the classic image store)."),
        "manifest": _("Your local image ID is the manifest digest (the containerd image store)."),
        "index": _("Your local image ID is the index digest (the containerd image store)."),
    }.get(named or "", _("Your local image ID is none of the registry's digests."))


def registry_lines(remote: RemoteImage, local_id: str | None, web_url: str | None,
                   tag_digests: Mapping[str, str] | None = None) -> list[str]:
    """The view's lines: the registry's digests, the local image ID and which digest it is.

    TAG_DIGESTS (tag -> the digest it names) shows which tags name the same image, e.g. latest = v2.
    """
    named = remote.digest_named(local_id)
    verdict = _("✓ the same image as your local one") if named else _("✗ not the image you have locally")
    lines = [
        verdict,
        "",
        f"{_('Repository')}: {remote.repository}",
        f"{_('Tags')}: {', '.join(remote.tags or (remote.tag,))}",
        *_tag_lines(tag_digests or {}),
    ]
    if remote.index_digest:
        lines += [f"{_('Index digest (what the tag names)')}:", f"  {remote.index_digest}"]
    lines += [
        f"{_('Manifest digest')}:",
        f"  {remote.manifest_digest}",
        f"{_('Size')}: {human_size(remote.size)}   {_('Layers')}: {len(remote.layers)}",
        f"{_('Image created (built)')}: {remote.created or _('unknown')}",
        "",
        f"{_('Config digest (registry)')}:",
        f"  {remote.config_digest}",
        f"{_('Image ID (local)')}:",
        f"  {local_id or _('no local image')}",
    ]
    if local_id:
        lines.append(_which(named))
    lines += ["", _("Layers (compressed, as stored):")]
    lines += [f"  {layer.digest[:19]}…  {human_size(layer.size)}" for layer in remote.layers]
    if web_url:
        lines += ["", f"{_('Web page')}: {web_url}"]
    return lines


def _tag_lines(tag_digests: Mapping[str, str]) -> list[str]:
    if len(tag_digests) < 2:
        return []
    width = max(len(tag) for tag in tag_digests)
    lines = [_("Tags and their manifest digests (the same digest is the same image):")]
    lines += [f"  {tag.ljust(width)}  {digest[:19]}…" for tag, digest in sorted(tag_digests.items())]
    return lines


class RegistryView(Static):
    """The repository's facts from the registry's own API, never from the local engine alone."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(_("Reading the registry…"), markup=False, **kwargs)  # type: ignore[arg-type]

    def show(self, remote: RemoteImage | None, local_id: str | None, web_url: str | None,
             error: str | None = None, tag_digests: Mapping[str, str] | None = None) -> None:
        """Show what the registry holds, or why it could not be read."""
        if remote is None:
            self.update("✗ " + (error or _("The registry holds no such image yet. Push it first.")))
            return
        self.update("\n".join(registry_lines(remote, local_id, web_url, tag_digests)))
