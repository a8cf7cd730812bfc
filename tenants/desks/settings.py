"""A school's desk as configured (federation file or API): checked, with secrets only by reference.

A desk entry names its credentials by reference, never by value: `<name>_env: VARIABLE` reads an
environment variable, `<name>_file: /path` reads a secrets file (the whole file, trailing newline
dropped, as container secrets are mounted). The values are resolved when a connector is built and
never stored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tenants.desks.base import DeskConfig, DeskKind
from tenants.i18n.messages import Message

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
CREDENTIAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SOURCES = ("env", "file")
# Names people write in federation files, as the connectors read them.
ALIASES: Mapping[DeskKind, Mapping[str, str]] = {
    DeskKind.ITOP: {"auth_token": "token", "auth_user": "user", "auth_pwd": "password"},
    DeskKind.GLPI: {},
    DeskKind.WEBHOOK: {"signing_secret": "secret"},
    DeskKind.EMAIL: {"user": "username"},
}
SCHEMES: Mapping[DeskKind, tuple[str, ...]] = {
    DeskKind.ITOP: ("http", "https"),
    DeskKind.GLPI: ("http", "https"),
    DeskKind.WEBHOOK: ("http", "https"),
    DeskKind.EMAIL: ("smtp", "smtps"),
}
# Endpoint paths the connectors add themselves; a URL that already ends with one is cut back.
ENDPOINTS: Mapping[DeskKind, str] = {DeskKind.ITOP: "/webservices/rest.php", DeskKind.GLPI: "/apirest.php"}
# The inbound (desk -> group) signing secret; a webhook desk shares one secret both ways.
INBOUND_SECRET = "inbound_secret"

MAX_TIMEOUT = 30


@dataclass(frozen=True)
class CredentialRef:
    """Where one credential's value is read from: an environment variable or a secrets file."""

    source: str  # "env" or "file"
    location: str

    def describe(self) -> str:
        return f"environment variable {self.location}" if self.source == "env" else f"file {self.location}"


@dataclass(frozen=True)
class DeskSpec:
    """A checked desk configuration: no secret values, only where to read them."""

    kind: DeskKind
    url: str
    credentials: Mapping[str, CredentialRef] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = 10.0

    def refs_as_data(self) -> dict[str, dict[str, str]]:
        """The references as JSON-ready data, e.g. {"token": {"env": "DESK_TOKEN"}}."""
        return {name: {ref.source: ref.location} for name, ref in sorted(self.credentials.items())}


class DeskSpecInvalid(Exception):
    """A desk configuration that cannot be used, with one message per field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class CredentialMissing(Exception):
    """A referenced secret cannot be read; the message names the credential and where it looked."""


def parse_desk(raw: Mapping[str, Any]) -> DeskSpec:
    """Check a raw desk entry (as in a federation file) and return its spec, or raise every issue."""
    errors: dict[str, str] = {}
    kind_value = raw.get("kind")
    try:
        kind = DeskKind(str(kind_value).lower())
    except ValueError:
        known = ", ".join(k.value for k in DeskKind)
        raise DeskSpecInvalid({"kind": Message("unknown desk kind {kind} (known: {known})",
                                               kind=repr(kind_value), known=known)}) from None
    unknown = sorted(set(raw) - {"kind", "url", "credentials", "mappings", "timeout"})
    for key in unknown:
        errors[str(key)] = Message("unknown field (expected kind, url, credentials, mappings, timeout)")
    url = _url(kind, raw.get("url"), errors)
    refs = _credentials(kind, raw.get("credentials") or {}, errors)
    mappings = raw.get("mappings") or {}
    if not isinstance(mappings, Mapping):
        errors["mappings"] = Message("must be a mapping")
    timeout = raw.get("timeout", 10.0)
    # Bounded well below the delivery lease (120 s by default): one delivery makes a few desk calls
    # (look up, create, act), and a claim must not expire while its worker still waits on the desk.
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT:
        errors["timeout"] = Message("seconds, a number above 0 and at most {limit}", limit=MAX_TIMEOUT)
    if errors:
        raise DeskSpecInvalid(errors)
    return DeskSpec(kind, url, refs, dict(mappings), float(timeout))


def _url(kind: DeskKind, value: Any, errors: dict[str, str]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors["url"] = Message("required")
        return ""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    schemes = SCHEMES[kind]
    if parts.scheme not in schemes or not parts.hostname:
        wanted = " or ".join(f"{s}://host" for s in schemes)
        errors["url"] = Message("a {kind} desk URL must look like {wanted}; got {value}",
                                kind=kind.value, wanted=wanted, value=repr(value))
        return url
    suffix = ENDPOINTS.get(kind)
    if suffix and url.endswith(suffix):
        url = url[: -len(suffix)]
    return url


def _credentials(kind: DeskKind, raw: Any, errors: dict[str, str]) -> dict[str, CredentialRef]:
    if not isinstance(raw, Mapping):
        errors["credentials"] = Message("must be a mapping of <name>_env or <name>_file references")
        return {}
    refs: dict[str, CredentialRef] = {}
    for key, location in raw.items():
        where = f"credentials.{key}"
        name, _, source = str(key).rpartition("_")
        if source not in SOURCES or not CREDENTIAL_NAME.match(name):
            errors[where] = Message("secrets are never stored: name an environment variable ({key}_env) "
                                    "or a secrets file ({key}_file) instead of giving a value", key=key)
            continue
        if not isinstance(location, str) or not location.strip():
            errors[where] = Message("must name an environment variable or a file")
            continue
        if source == "env" and not ENV_NAME.match(location):
            errors[where] = Message("{location} is not an environment variable name",
                                    location=repr(location))
            continue
        name = ALIASES[kind].get(name, name)
        if name in refs:
            errors[where] = Message("credential {name} is given twice", name=repr(name))
            continue
        refs[name] = CredentialRef(source, location.strip())
    return refs


def refs_from_data(data: Mapping[str, Mapping[str, str]]) -> dict[str, CredentialRef]:
    """The inverse of DeskSpec.refs_as_data."""
    refs = {}
    for name, ref in data.items():
        (source, location), = ref.items()
        refs[name] = CredentialRef(source, location)
    return refs


def read_secret(ref: CredentialRef, environ: Mapping[str, str] | None = None) -> str:
    """The secret a reference points to; CredentialMissing says which one and why it is missing."""
    if ref.source == "env":
        env = os.environ if environ is None else environ
        value = env.get(ref.location)
        if value is None or value == "":
            raise CredentialMissing(f"environment variable {ref.location} is not set")
        return value
    try:
        value = Path(ref.location).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise CredentialMissing(f"secrets file {ref.location} cannot be read ({exc.strerror})") from None
    if not value:
        raise CredentialMissing(f"secrets file {ref.location} is empty")
    return value


def resolve(spec: DeskSpec, *, reader: Callable[[CredentialRef], str] = read_secret) -> DeskConfig:
    """The connector configuration with secret values read now; every missing one is named."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for name, ref in sorted(spec.credentials.items()):
        if name == INBOUND_SECRET:
            continue  # only the inbound hook needs it
        try:
            values[name] = reader(ref)
        except CredentialMissing as exc:
            missing.append(f"credential {name}: {exc}")
    if missing:
        raise CredentialMissing("; ".join(missing))
    return DeskConfig(spec.kind, spec.url, values, spec.mappings, spec.timeout)


def inbound_secret(spec: DeskSpec, *, reader: Callable[[CredentialRef], str] = read_secret) -> str | None:
    """The secret inbound calls from this desk are signed with, if one is configured."""
    ref = spec.credentials.get(INBOUND_SECRET)
    if ref is None and spec.kind is DeskKind.WEBHOOK:
        ref = spec.credentials.get("secret")
    return reader(ref) if ref is not None else None
