"""The error explainer: turns an engine's or registry's error text into what, why, step and fix."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from tutor.core.events import Explanation
from tutor.core.i18n import N_, translate
from tutor.core.records import record
from tutor.core.target import DOCKER_HUB, Target, is_loopback, learner_names

USER_VARIABLE = "DOCKERHUB_USERNAME"  # the lesson's variable for the account name


@record
class Mistake:
    """One learner mistake: how to recognise its message, the step to go back to and the fix."""

    key: str
    patterns: tuple[str, ...]
    step: str | None
    fix: Mapping[str, str]
    engines: tuple[str, ...] = ("docker", "podman")

    @functools.cached_property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        """The patterns, compiled on the first message (most runs, `check` among them, see none)."""
        return tuple(re.compile(pattern, re.IGNORECASE) for pattern in self.patterns)

    def matches(self, message: str, engine_kind: str) -> bool:
        """True when the message is this mistake's, on this engine."""
        return engine_kind in self.engines and any(p.search(message) for p in self.compiled)

    def text(self, lang: str) -> tuple[str, str]:
        """(what happened, why) in the language, English when it has no translation."""
        what, why = TEXTS[self.key]
        return translate(what, lang), translate(why, lang)


_LOGIN = "{cli} login {login_registry} -u {user}"
_TAG = "{cli} tag {image} {repository}"
_PUSH = "{cli} push {repository}"

# Order matters: the first entry whose pattern matches wins, so narrow texts come first.
CATALOGUE: tuple[Mistake, ...] = (
    Mistake("engine_down", (r"Cannot connect to the Docker daemon", r"No container engine answers",
                            r"Error while fetching server API version", r"docker\.sock|podman\.sock",
                            r"is the docker daemon running", r"Keine Container-Engine antwortet"),
            "image", {"docker": "sudo systemctl start docker",
                      "podman": "systemctl --user start podman.socket"}),
    Mistake("podman_localhost", (r"127\.0\.0\.1.*(HTTPS client|no basic auth|authentication required"
                                 r"|unauthorized)",),
            "tag", {"*": "podman tag {image} {localhost_repository}"}, engines=("podman",)),
    Mistake("other_user", (r"logged in as another user", r"logged in as \S+, not"),
            "login", {"*": _LOGIN}),
    Mistake("variable_unset", (r"is not set: run export",), "account", {"*": "export {variable}={user}"}),
    Mistake("password_flag", (r"password on the command line", r"--password is not allowed",),
            "login", {"*": _LOGIN}),
    Mistake("not_tagged", (r"An image does not exist locally with the tag", r"does not exist locally",
                           r"tag does not exist: "),  # the containerd store's wording
            "tag", {"*": _TAG}),
    Mistake("uppercase", (r"must be lowercase", r"uppercase letters",  # then the tutor's own German
                          r"muss kleingeschrieben", r"Großbuchstaben"), "tag", {"*": _TAG}),
    Mistake("invalid_reference", (r"invalid reference format", r"is not a valid image name",
                                  r"is not a valid tag", r"kein gültiger (Image-Name|Tag)"),
            "tag", {"*": _TAG}),
    Mistake("partial_index", (r"missing content: content digest", r"not all of them are available locally",
                              r"no matching manifest for", r"no match for platform"),
            "image", {"*": "{cli} build -t {image} ."}),
    Mistake("rate_limit", (r"toomanyrequests", r"too many requests", r"rate limit"),
            "login", {"*": _LOGIN}),
    Mistake("wrong_password", (r"incorrect username or password", r"invalid username/password",
                               r"failed with status: 401", r"401 Unauthorized",
                               r"refused the (stored )?password"),
            "login", {"*": _LOGIN}),
    Mistake("not_logged_in", (r"no basic auth credentials", r"authentication required",
                              r"the registry wants a login", r"no credentials given",
                              r"not logged in"),
            "login", {"*": _LOGIN}),
    Mistake("name_unknown", (r"name unknown", r"repository name not known", r"NAME_UNKNOWN",
                             r"repository does not exist", r"pull access denied"),
            "push", {"*": _PUSH}),
    # The deploy lab's mistakes: the first is recognised by its words, the others by the checks
    # (a push of an unchanged image and a stale tag succeed) and by the interpreter (a digest's pull).
    Mistake("no_build_folder", (r"unable to prepare context",), "v2_built",
            {"*": "{cli} build -t {image_name}:v2 FOLDER"}),
    Mistake("unchanged_push", (), "v2_pushed", {"*": "{cli} tag {image_name}:v2 {repository}:v2"}),
    Mistake("tag_still_v1", (), "v2_tagged", {"*": "{cli} tag {image_name}:v2 {repository}:latest"}),
    Mistake("digest_elsewhere", (), "digest_pulled", {"*": "{cli} pull {repository}@sha256:..."}),
    Mistake("manifest_unknown", (r"manifest unknown", r"manifest for \S+ not found", r"MANIFEST_UNKNOWN",
                                 r"failed to resolve reference .*: not found"),  # the containerd store
            "push", {"*": _PUSH}),
    Mistake("denied", (r"requested access to the resource is denied", r"\bdenied: ",
                       r"insufficient_scope", r"not authorized"),
            "tag", {"*": _TAG}),
    # Docker Hub says only "denied" when a free plan's private repositories are used up, too.
    Mistake("hub_denied", (), "tag", {"*": _TAG}),
    # Not from a message: a push of a name without the registry (Docker Hub's) on a lab elsewhere.
    Mistake("sent_to_hub", (), "tag", {"*": _TAG}),
    # Not an error: what the tutor says before a first push to Docker Hub (docker/cli#4977).
    Mistake("hub_public", (), "push", {"*": _PUSH}),
    Mistake("http_registry", (r"server gave HTTP response to HTTPS client", r"WRONG_VERSION_NUMBER"),
            "login", {"docker": "add {{\"insecure-registries\": [\"{registry}\"]}} to "
                                "/etc/docker/daemon.json, then: sudo systemctl restart docker",
                      "podman": "podman push --tls-verify=false {repository}"}),
    Mistake("tls_unknown_ca", (r"x509", r"certificate signed by unknown authority",
                               r"CERTIFICATE_VERIFY_FAILED"),
            "login", {"docker": "sudo mkdir -p /etc/docker/certs.d/{registry} && "
                                "sudo cp ca.crt /etc/docker/certs.d/{registry}/ca.crt",
                      "podman": "sudo mkdir -p /etc/containers/certs.d/{registry} && "
                                "sudo cp ca.crt /etc/containers/certs.d/{registry}/ca.crt"}),
    Mistake("no_such_host", (r"no such host", r"Temporary failure in name resolution",
                             r"Name or service not known", r"server misbehaving",
                             r"nodename nor servname", r"Name does not resolve"),
            "login", {"practice": "registry-tutor practice start", "*": _LOGIN}),
    Mistake("registry_down", (r"connection refused", r"cannot reach", r"connection reset",
                              r"i/o timeout", r"no route to host", r"timed out"),
            "login", {"practice": "registry-tutor practice start", "*": "curl -v {api_base}/v2/"}),
    Mistake("no_such_image", (r"No such image", r"image not known", r"reference does not exist",
                              r"No such object", r"not found in local storage"),
            "image", {"*": "{cli} images"}),
)

_BY_KEY = {entry.key: entry for entry in CATALOGUE}


def entry(key: str) -> Mistake:
    """The catalogue entry with this key; KeyError for an unknown key."""
    return _BY_KEY[key]


class _Names(dict[str, str]):
    """Template values; a name the template does not know stays as {name}."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# Without a target (e.g. `registry-tutor check` before the options are known) fixes name placeholders.
_PLACEHOLDER_TARGET = Target("REGISTRY", "YOURNAME")


def names(target: Target | None, engine_kind: str) -> _Names:
    """The learner's names that fixes are filled with (placeholders without a target)."""
    found = _Names(learner_names(target or _PLACEHOLDER_TARGET, engine_kind), variable=USER_VARIABLE,
                   image_name=(target or _PLACEHOLDER_TARGET).image_name)
    if target is None:
        found["localhost_repository"] = "localhost:PORT/YOURNAME/python-hello-world"
    return found


def _fix(item: Mistake, target: Target | None, engine_kind: str, values: Mapping[str, str]) -> str:
    practice = target is not None and (target.practice or is_loopback(target.registry))
    keys = ("practice", engine_kind, "*") if practice else (engine_kind, "*")
    template = next((item.fix[key] for key in keys if key in item.fix), next(iter(item.fix.values())))
    return template.format_map(values)


def explanation(key: str, target: Target | None = None, engine_kind: str = "docker",
                lang: str = "en", extra: Mapping[str, str] | None = None) -> Explanation:
    """The explanation of a known mistake, by its catalogue key, filled with the learner's names.

    EXTRA adds names only the failed command knows (e.g. the unset variable's).
    """
    item = _BY_KEY[key]
    values = names(target, engine_kind)
    values.update(extra or {})
    what, why = (text.format_map(values) for text in item.text(lang))
    return Explanation(item.key, what, why, item.step, _fix(item, target, engine_kind, values))


def explain(message: str, target: Target | None = None, engine_kind: str = "docker",
            lang: str = "en") -> Explanation | None:
    """Explain an engine's or registry's error message, or None when it is not a known mistake."""
    engine_kind = engine_kind if engine_kind in ("docker", "podman") else "docker"
    for item in CATALOGUE:
        if item.matches(message, engine_kind):
            hub = target is not None and target.registry == DOCKER_HUB
            return explanation("hub_denied" if hub and item.key == "denied" else item.key, target,
                               engine_kind, lang)
    return None


# (what happened, why) in English, translated through the gettext catalog; {names} are the learner's.
TEXTS: dict[str, tuple[str, str]] = {
    "engine_down": (
        N_("The container engine ({cli}) is not answering."),
        N_("Every command talks to the engine's background service; it is stopped or not installed."),
    ),
    "podman_localhost": (
        N_("Podman did not treat 127.0.0.1 like localhost."),
        N_("Podman keeps logins per exact address and allows plain HTTP only where told; use "
           "localhost:PORT in the image name, exactly as you logged in."),
    ),
    "other_user": (
        N_("You are logged in to {registry} as another user, not as {user}."),
        N_("The engine sends the stored login with every push; the registry lets each user push only "
           "into their own namespace."),
    ),
    "variable_unset": (
        N_("${variable} is not set in this session yet."),
        N_("The tutor replaces ${variable} with the value you gave it with export, as a shell does; "
           "every terminal starts without it, so set it once before you use it."),
    ),
    "password_flag": (
        N_("The password was refused on the command line."),
        N_("A password typed after -p stays in your shell history and is visible to other programs; type "
           "it when asked instead (or pipe it with --password-stdin)."),
    ),
    "not_tagged": (
        N_("There is no local image with that name yet."),
        N_("A push sends a local image by its name; give {image} the name {repository} with tag first, "
           "then push that name."),
    ),
    "uppercase": (
        N_("The image name contains uppercase letters."),
        N_("Registries accept only lowercase repository names; write your user name in lowercase, as in "
           "{repository}."),
    ),
    "invalid_reference": (
        N_("That is not a valid image name."),
        N_("An image name is [REGISTRY/]USER/IMAGE[:TAG] with lowercase letters, digits, '.', '_' and "
           "'-'; yours should be {repository}."),
    ),
    "rate_limit": (
        N_("The registry refused: too many requests."),
        N_("Docker Hub limits how many pulls anonymous and free users may make; log in (logged-in users "
           "get a higher limit) and try again later."),
    ),
    "wrong_password": (
        N_("{registry} did not accept that user name and password."),
        N_("The password (or access token) is wrong, or the user name is misspelled; user names are "
           "lowercase. Log in again and type it carefully."),
    ),
    "not_logged_in": (
        N_("You are not logged in to {registry}."),
        N_("The registry accepts pushes only from logged-in users, and the engine found no stored login "
           "for this address."),
    ),
    "name_unknown": (
        N_("The registry has no repository {repository} (yet)."),
        N_("Nothing has been pushed under that name, or the name is misspelled; push it first."),
    ),
    "no_build_folder": (
        N_("There is no folder to build at that path."),
        N_("A build sends a folder (the build context) with its Dockerfile to the engine; the last word "
           "of the command names that folder, here the lab's build folder."),
    ),
    "unchanged_push": (
        N_("The push sent nothing new: that tag holds version 1 unchanged."),
        N_("A registry stores layers by their content's hash, so an image it already has costs no upload "
           "and gets the same digest. Build after changing the file, tag that build, push it."),
    ),
    "tag_still_v1": (
        N_("A tag still points at version 1."),
        N_("A tag is only a name that you move on purpose: {cli} tag points it at another image, and the "
           "registry learns of it only when you push that name again."),
    ),
    "digest_elsewhere": (
        N_("That repository has no manifest with this digest."),
        N_("A digest names one manifest inside one repository; the same digest under another name is "
           "unknown there. Pull {repository}@ with the digest its push printed."),
    ),
    "manifest_unknown": (
        N_("The registry has no image with that tag."),
        N_("The repository exists but not this tag: the push did not finish, or the tag differs."),
    ),
    "denied": (
        N_("The registry denied access to that repository."),
        N_("You may push only into your own namespace: the name must start with your user name, as in "
           "{repository}."),
    ),
    "partial_index": (
        N_("The image is an index, and part of it is missing here."),
        N_("An index lists one image per platform (and BuildKit adds build attestations); an engine keeps "
           "only the part for its own platform, so it cannot push the whole index again, and an index "
           "without an image for your platform cannot be pulled. Build {image} yourself."),
    ),
    "hub_denied": (
        N_("Docker Hub denied the push to {repository}."),
        N_("Either the name is not in your namespace (it must start with {user}/), or the repository "
           "would be private and your free plan's private repositories are used up: make one public or "
           "delete one on hub.docker.com, then push again."),
    ),
    "hub_public": (
        N_("Your first push creates {repository} on Docker Hub, and it will be public."),
        N_("Docker Hub creates a repository on its first push, visible to everyone by default; push "
           "nothing secret, or create the repository as private on hub.docker.com first."),
    ),
    "http_registry": (
        N_("The registry speaks plain HTTP, but the engine insists on HTTPS."),
        N_("Engines allow unencrypted registries only on this machine (localhost) or when configured as "
           "insecure registries."),
    ),
    "tls_unknown_ca": (
        N_("The registry's certificate is not trusted."),
        N_("It was signed by an authority this machine does not know (e.g. a workshop's own CA); install "
           "that CA certificate for {registry}."),
    ),
    "sent_to_hub": (
        N_("That went to Docker Hub, not to {registry}."),
        N_("A name without a registry in front, like {image}, means Docker Hub: the engine reads the "
           "registry from the name. Use the full name {repository}; tag the image with it first."),
    ),
    "no_such_host": (
        N_("The registry's name could not be found."),
        N_("The address is misspelled or this machine is offline; without internet, use the practice "
           "registry."),
    ),
    "registry_down": (
        N_("Nothing answers at {registry}."),
        N_("The registry is not running, listens on another port, or a firewall blocks it."),
    ),
    "no_such_image": (
        N_("There is no local image with that name."),
        N_("The name is misspelled, or the image was removed; list your images and use one of their "
           "names."),
    ),
}
