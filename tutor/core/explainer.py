"""The error explainer: turns an engine's or registry's error text into what, why, step and fix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tutor.core.events import Explanation
from tutor.core.target import DOCKER_HUB, Target, is_loopback

LANGUAGES = ("en", "de")
USER_VARIABLE = "DOCKERHUB_USERNAME"  # the lesson's variable for the account name


@dataclass(frozen=True)
class Entry:
    """One learner mistake: how to recognise its message, the step to go back to and the fix."""

    key: str
    patterns: tuple[str, ...]
    step: str | None
    fix: Mapping[str, str]
    engines: tuple[str, ...] = ("docker", "podman")
    compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = tuple(re.compile(pattern, re.IGNORECASE) for pattern in self.patterns)
        object.__setattr__(self, "compiled", compiled)

    def matches(self, message: str, engine_kind: str) -> bool:
        """True when the message is this mistake's, on this engine."""
        return engine_kind in self.engines and any(p.search(message) for p in self.compiled)

    def text(self, lang: str) -> tuple[str, str]:
        """(what happened, why) in the language, English when it has no translation."""
        texts = TEXTS[self.key]
        return texts.get(lang) or texts["en"]


_LOGIN = "{cli} login {login_registry} -u {user}"
_TAG = "{cli} tag {image} {repository}"
_PUSH = "{cli} push {repository}"

# Order matters: the first entry whose pattern matches wins, so narrow texts come first.
CATALOGUE: tuple[Entry, ...] = (
    Entry("engine_down", (r"Cannot connect to the Docker daemon", r"No container engine answers",
                          r"Error while fetching server API version", r"docker\.sock|podman\.sock",
                          r"is the docker daemon running", r"Keine Container-Engine antwortet"),
          "image", {"docker": "sudo systemctl start docker",
                    "podman": "systemctl --user start podman.socket"}),
    Entry("podman_localhost", (r"127\.0\.0\.1.*(HTTPS client|no basic auth|authentication required"
                               r"|unauthorized)",),
          "tag", {"*": "podman tag {image} {localhost_repository}"}, engines=("podman",)),
    Entry("other_user", (r"logged in as another user", r"logged in as \S+, not"),
          "login", {"*": _LOGIN}),
    Entry("variable_unset", (r"is not set: run export",), "account", {"*": "export {variable}={user}"}),
    Entry("password_flag", (r"password on the command line", r"--password is not allowed",),
          "login", {"*": _LOGIN}),
    Entry("not_tagged", (r"An image does not exist locally with the tag", r"does not exist locally",
                         r"tag does not exist: "),
          "tag", {"*": _TAG}),
    Entry("uppercase", (r"must be lowercase", r"uppercase letters",  # then the tutor's own German
                        r"muss kleingeschrieben", r"Großbuchstaben"), "tag", {"*": _TAG}),
    Entry("invalid_reference", (r"invalid reference format", r"is not a valid image name",
                                r"is not a valid tag", r"kein gültiger (Image-Name|Tag)"),
          "tag", {"*": _TAG}),
    Entry("rate_limit", (r"toomanyrequests", r"too many requests", r"rate limit"),
          "login", {"*": _LOGIN}),
    Entry("wrong_password", (r"incorrect username or password", r"invalid username/password",
                             r"failed with status: 401", r"401 Unauthorized",
                             r"refused the (stored )?password"),
          "login", {"*": _LOGIN}),
    Entry("not_logged_in", (r"no basic auth credentials", r"authentication required",
                            r"the registry wants a login", r"no credentials given",
                            r"not logged in"),
          "login", {"*": _LOGIN}),
    Entry("name_unknown", (r"name unknown", r"repository name not known", r"NAME_UNKNOWN",
                           r"repository does not exist", r"pull access denied"),
          "push", {"*": _PUSH}),
    # The deploy lab's mistakes: the first is recognised by its words, the others by the checks
    # (a push of an unchanged image and a stale tag succeed) and by the pull of a digest.
    Entry("no_build_folder", (r"unable to prepare context",), "v2_built",
          {"*": "{cli} build -t {image_name}:v2 FOLDER"}),
    Entry("unchanged_push", (), "v2_pushed", {"*": "{cli} tag {image_name}:v2 {repository}:v2"}),
    Entry("tag_still_v1", (), "v2_tagged", {"*": "{cli} tag {image_name}:v2 {repository}:latest"}),
    Entry("digest_elsewhere", (), "digest_pulled", {"*": "{cli} pull {repository}@sha256:..."}),
    Entry("manifest_unknown", (r"manifest unknown", r"manifest for \S+ not found", r"MANIFEST_UNKNOWN"),
          "push", {"*": _PUSH}),
    Entry("denied", (r"requested access to the resource is denied", r"\bdenied: ",
                     r"insufficient_scope", r"not authorized"),
          "tag", {"*": _TAG}),
    Entry("http_registry", (r"server gave HTTP response to HTTPS client", r"WRONG_VERSION_NUMBER"),
          "login", {"docker": "add {{\"insecure-registries\": [\"{registry}\"]}} to /etc/docker/daemon.json, "
                              "then: sudo systemctl restart docker",
                    "podman": "podman push --tls-verify=false {repository}"}),
    Entry("tls_unknown_ca", (r"x509", r"certificate signed by unknown authority",
                             r"CERTIFICATE_VERIFY_FAILED"),
          "login", {"docker": "sudo mkdir -p /etc/docker/certs.d/{registry} && "
                              "sudo cp ca.crt /etc/docker/certs.d/{registry}/ca.crt",
                    "podman": "sudo mkdir -p /etc/containers/certs.d/{registry} && "
                              "sudo cp ca.crt /etc/containers/certs.d/{registry}/ca.crt"}),
    Entry("no_such_host", (r"no such host", r"Temporary failure in name resolution",
                           r"Name or service not known", r"server misbehaving",
                           r"nodename nor servname", r"Name does not resolve"),
          "login", {"practice": "registry-tutor practice start", "*": _LOGIN}),
    Entry("registry_down", (r"connection refused", r"cannot reach", r"connection reset",
                            r"i/o timeout", r"no route to host", r"timed out"),
          "login", {"practice": "registry-tutor practice start", "*": "curl -v {api_base}/v2/"}),
    Entry("no_such_image", (r"No such image", r"image not known", r"reference does not exist",
                            r"No such object", r"not found in local storage"),
          "image", {"*": "{cli} images"}),
)

_BY_KEY = {entry.key: entry for entry in CATALOGUE}


def entry(key: str) -> Entry:
    """The catalogue entry with this key; KeyError for an unknown key."""
    return _BY_KEY[key]


class _Names(dict[str, str]):
    """Template values; a name the template does not know stays as {name}."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def names(target: Target | None, engine_kind: str) -> _Names:
    """The learner's names that fixes are filled with (placeholders without a target)."""
    if target is None:
        return _Names(cli=engine_kind, variable=USER_VARIABLE, registry="REGISTRY",
                      login_registry="REGISTRY", user="YOURNAME",
                      image="python-hello-world", repository="REGISTRY/YOURNAME/python-hello-world",
                      remote_ref="REGISTRY/YOURNAME/python-hello-world:latest",
                      localhost_repository="localhost:PORT/YOURNAME/python-hello-world",
                      api_base="https://REGISTRY", image_name="python-hello-world")
    local = target.registry.replace("127.0.0.1", "localhost")
    return _Names(
        cli=engine_kind, variable=USER_VARIABLE, registry=target.registry, user=target.user,
        image=target.image, image_name=target.image_name,
        login_registry="docker.io" if target.registry == DOCKER_HUB else target.registry,
        repository=target.repository, remote_ref=target.remote_ref, api_base=target.api_base,
        localhost_repository=f"{local}/{target.api_path}",
    )


def _fix(item: Entry, target: Target | None, engine_kind: str, values: Mapping[str, str]) -> str:
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
            return explanation(item.key, target, engine_kind, lang)
    return None


# (what happened, why) per language; {names} are filled with the learner's own names.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "engine_down": {
        "en": ("The container engine ({cli}) is not answering.",
               "Every command talks to the engine's background service; it is stopped or not installed."),
        "de": ("Die Container-Engine ({cli}) antwortet nicht.",
               "Jeder Befehl spricht mit dem Hintergrunddienst der Engine; er läuft nicht "
               "oder ist nicht installiert."),
    },
    "podman_localhost": {
        "en": ("Podman did not treat 127.0.0.1 like localhost.",
               "Podman keeps logins per exact address and allows plain HTTP only where told; "
               "use localhost:PORT in the image name, exactly as you logged in."),
        "de": ("Podman behandelt 127.0.0.1 nicht wie localhost.",
               "Podman speichert Anmeldungen pro genauer Adresse und erlaubt einfaches HTTP nur, "
               "wo es ausdrücklich erlaubt ist; verwende localhost:PORT im Image-Namen, "
               "genau wie beim Login."),
    },
    "other_user": {
        "en": ("You are logged in to {registry} as another user, not as {user}.",
               "The engine sends the stored login with every push; the registry lets each user push "
               "only into their own namespace."),
        "de": ("Du bist bei {registry} als ein anderer Benutzer angemeldet, nicht als {user}.",
               "Die Engine schickt bei jedem Push die gespeicherte Anmeldung mit; die Registry erlaubt "
               "jedem Benutzer nur Pushes in den eigenen Namensraum."),
    },
    "variable_unset": {
        "en": ("${variable} is not set in this session yet.",
               "The tutor replaces ${variable} with the value you gave it with export, as a shell does; "
               "every terminal starts without it, so set it once before you use it."),
        "de": ("${variable} ist in dieser Sitzung noch nicht gesetzt.",
               "Der Tutor ersetzt ${variable} durch den Wert, den du mit export gesetzt hast, wie eine "
               "Shell; jedes Terminal beginnt ohne ihn, also setz ihn einmal, bevor du ihn benutzt."),
    },
    "password_flag": {
        "en": ("The password was refused on the command line.",
               "A password typed after -p stays in your shell history and is visible to other "
               "programs; type it when asked instead (or pipe it with --password-stdin)."),
        "de": ("Das Passwort auf der Befehlszeile wurde abgelehnt.",
               "Ein Passwort nach -p bleibt im Verlauf der Shell und ist für andere Programme sichtbar; "
               "gib es ein, wenn du danach gefragt wirst (oder nutze --password-stdin)."),
    },
    "not_tagged": {
        "en": ("There is no local image with that name yet.",
               "A push sends a local image by its name; give {image} the name {repository} with "
               "tag first, then push that name."),
        "de": ("Es gibt noch kein lokales Image mit diesem Namen.",
               "Ein Push schickt ein lokales Image unter seinem Namen; gib {image} zuerst mit tag den "
               "Namen {repository} und pushe dann diesen Namen."),
    },
    "uppercase": {
        "en": ("The image name contains uppercase letters.",
               "Registries accept only lowercase repository names; write your user name in lowercase, "
               "as in {repository}."),
        "de": ("Der Image-Name enthält Großbuchstaben.",
               "Registries nehmen nur kleingeschriebene Repository-Namen an; schreibe deinen "
               "Benutzernamen klein, wie in {repository}."),
    },
    "invalid_reference": {
        "en": ("That is not a valid image name.",
               "An image name is [REGISTRY/]USER/IMAGE[:TAG] with lowercase letters, digits, '.', '_' "
               "and '-'; yours should be {repository}."),
        "de": ("Das ist kein gültiger Image-Name.",
               "Ein Image-Name hat die Form [REGISTRY/]BENUTZER/IMAGE[:TAG] aus Kleinbuchstaben, "
               "Ziffern, '.', '_' und '-'; deiner sollte {repository} sein."),
    },
    "rate_limit": {
        "en": ("The registry refused: too many requests.",
               "Docker Hub limits how many pulls anonymous and free users may make; log in (logged-in "
               "users get a higher limit) and try again later."),
        "de": ("Die Registry lehnt ab: zu viele Anfragen.",
               "Docker Hub begrenzt, wie viele Pulls anonyme und kostenlose Benutzer machen dürfen; "
               "melde dich an (angemeldete Benutzer haben ein höheres Limit) und versuche es später."),
    },
    "wrong_password": {
        "en": ("{registry} did not accept that user name and password.",
               "The password (or access token) is wrong, or the user name is misspelled; user names "
               "are lowercase. Log in again and type it carefully."),
        "de": ("{registry} hat Benutzername und Passwort nicht akzeptiert.",
               "Das Passwort (oder Zugriffstoken) ist falsch oder der Benutzername vertippt; "
               "Benutzernamen sind kleingeschrieben. Melde dich erneut an und tippe sorgfältig."),
    },
    "not_logged_in": {
        "en": ("You are not logged in to {registry}.",
               "The registry accepts pushes only from logged-in users, and the engine found no "
               "stored login for this address."),
        "de": ("Du bist bei {registry} nicht angemeldet.",
               "Die Registry nimmt Pushes nur von angemeldeten Benutzern an, und die Engine hat für "
               "diese Adresse keine gespeicherte Anmeldung gefunden."),
    },
    "name_unknown": {
        "en": ("The registry has no repository {repository} (yet).",
               "Nothing has been pushed under that name, or the name is misspelled; push it first."),
        "de": ("Die Registry hat (noch) kein Repository {repository}.",
               "Unter diesem Namen wurde nichts gepusht, oder der Name ist vertippt; pushe es zuerst."),
    },
    "no_build_folder": {
        "en": ("There is no folder to build at that path.",
               "A build sends a folder (the build context) with its Dockerfile to the engine; the last "
               "word of the command names that folder, here the lab's build folder."),
        "de": ("Unter diesem Pfad gibt es keinen Ordner zum Bauen.",
               "Ein Build schickt einen Ordner (den Build-Kontext) samt Dockerfile an die Engine; das "
               "letzte Wort des Befehls nennt diesen Ordner, hier den Build-Ordner des Labs."),
    },
    "unchanged_push": {
        "en": ("The push sent nothing new: that tag holds version 1 unchanged.",
               "A registry stores layers by their content's hash, so an image it already has costs no "
               "upload and gets the same digest. Build after changing the file, tag that build, push it."),
        "de": ("Der Push hat nichts Neues geschickt: dieser Tag enthält unverändert Version 1.",
               "Eine Registry speichert Layer nach dem Hash ihres Inhalts; ein Image, das sie schon hat, "
               "kostet keinen Upload und bekommt denselben Digest. Bau nach der Änderung neu, tagge "
               "diesen Build und pushe ihn."),
    },
    "tag_still_v1": {
        "en": ("A tag still points at version 1.",
               "A tag is only a name that you move on purpose: {cli} tag points it at another image, "
               "and the registry learns of it only when you push that name again."),
        "de": ("Ein Tag zeigt noch auf Version 1.",
               "Ein Tag ist nur ein Name, den du bewusst umhängst: {cli} tag zeigt ihn auf ein anderes "
               "Image, und die Registry erfährt davon erst, wenn du diesen Namen wieder pushst."),
    },
    "digest_elsewhere": {
        "en": ("That repository has no manifest with this digest.",
               "A digest names one manifest inside one repository; the same digest under another name "
               "is unknown there. Pull {repository}@ with the digest its push printed."),
        "de": ("Dieses Repository hat kein Manifest mit diesem Digest.",
               "Ein Digest benennt ein Manifest in einem Repository; unter einem anderen Namen ist "
               "derselbe Digest unbekannt. Pulle {repository}@ mit dem Digest, den sein Push gezeigt hat."),
    },
    "manifest_unknown": {
        "en": ("The registry has no image with that tag.",
               "The repository exists but not this tag: the push did not finish, or the tag differs."),
        "de": ("Die Registry hat kein Image mit diesem Tag.",
               "Das Repository gibt es, aber nicht dieses Tag: der Push wurde nicht fertig, "
               "oder das Tag ist ein anderes."),
    },
    "denied": {
        "en": ("The registry denied access to that repository.",
               "You may push only into your own namespace: the name must start with your user name, "
               "as in {repository}."),
        "de": ("Die Registry hat den Zugriff auf dieses Repository verweigert.",
               "Du darfst nur in deinen eigenen Namensraum pushen: der Name muss mit deinem "
               "Benutzernamen beginnen, wie in {repository}."),
    },
    "http_registry": {
        "en": ("The registry speaks plain HTTP, but the engine insists on HTTPS.",
               "Engines allow unencrypted registries only on this machine (localhost) or when "
               "configured as insecure registries."),
        "de": ("Die Registry spricht einfaches HTTP, aber die Engine verlangt HTTPS.",
               "Engines erlauben unverschlüsselte Registries nur auf diesem Rechner (localhost) "
               "oder wenn sie als unsichere Registry eingetragen sind."),
    },
    "tls_unknown_ca": {
        "en": ("The registry's certificate is not trusted.",
               "It was signed by an authority this machine does not know (e.g. a workshop's own CA); "
               "install that CA certificate for {registry}."),
        "de": ("Dem Zertifikat der Registry wird nicht vertraut.",
               "Es wurde von einer Stelle signiert, die dieser Rechner nicht kennt (z.B. die eigene CA "
               "eines Workshops); installiere dieses CA-Zertifikat für {registry}."),
    },
    "no_such_host": {
        "en": ("The registry's name could not be found.",
               "The address is misspelled or this machine is offline; without internet, use the "
               "practice registry."),
        "de": ("Der Name der Registry wurde nicht gefunden.",
               "Die Adresse ist vertippt oder dieser Rechner ist offline; ohne Internet nimm die "
               "Übungs-Registry."),
    },
    "registry_down": {
        "en": ("Nothing answers at {registry}.",
               "The registry is not running, listens on another port, or a firewall blocks it."),
        "de": ("Unter {registry} antwortet nichts.",
               "Die Registry läuft nicht, lauscht auf einem anderen Port, oder eine Firewall blockiert sie."),
    },
    "no_such_image": {
        "en": ("There is no local image with that name.",
               "The name is misspelled, or the image was removed; list your images and use one of "
               "their names."),
        "de": ("Es gibt kein lokales Image mit diesem Namen.",
               "Der Name ist vertippt, oder das Image wurde entfernt; liste deine Images auf und "
               "nimm einen ihrer Namen."),
    },
}
