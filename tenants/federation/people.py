"""The `tenants:` and `users:` sections of a federation file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tenants.context import Role, TenantKind
from tenants.federation.fields import (
    SLUG,
    SLUG_HINT,
    SLUG_MAX,
    Record,
    UniqueNames,
    join_path,
    kind_of,
    plain_data,
)
from tenants.federation.located import LocatedList, LocatedMap, LocatedScalar
from tenants.federation.specs import LOCAL_ISSUER, TenantSpec, UserSpec
from tenants.i18n import DEFAULT_LANGUAGE, LANGUAGES

TENANT_FIELDS = ("slug", "name", "kind", "active", "desk", "language")
USER_FIELDS = ("username", "tenant", "email", "name", "roles", "active", "issuer", "subject",
               "language", "technical")
KINDS = tuple(kind.value for kind in TenantKind)

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
USERNAME_HINT = "must be letters, digits, '.', '_', '-' or '@', starting with a letter or digit"
# Deliberately loose: the point is catching typos in a hand-written file, not validating RFC 5322.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
IDENTITY_MAX = 500  # issuers are URLs; subjects are opaque ids of a few dozen characters


@dataclass
class Tenants:
    """The tenants read so far and their slugs, for users to refer to."""

    specs: list[TenantSpec] = field(default_factory=list)
    slugs: UniqueNames = field(default_factory=lambda: UniqueNames("tenant slug"))


@dataclass
class Users:
    """The users read so far, and each username's roles for designations to check."""

    specs: list[UserSpec] = field(default_factory=list)
    usernames: UniqueNames = field(default_factory=lambda: UniqueNames("username"))
    # By casefolded username; None when the roles could not be read (no point piling on issues).
    roles: dict[str, tuple[Role, ...] | None] = field(default_factory=dict)


def read_tenants(top: Record) -> Tenants:
    """Read every tenant, then check there is exactly one GROUP tenant."""
    tenants = Tenants()
    groups: list[tuple[str, Record]] = []
    for node, path in top.items("tenants"):
        record = Record.open(top.log, node, path, TENANT_FIELDS)
        if record is None:
            continue
        spec = _read_tenant(record, tenants.slugs)
        if spec is not None:
            tenants.specs.append(spec)
        if _raw(record, "kind") == TenantKind.GROUP.value:
            slug = _raw(record, "slug")
            groups.append((slug if isinstance(slug, str) else "?", record))
    if isinstance(top.value("tenants"), LocatedList):  # else the list itself is already reported
        _check_one_group(top, groups)
    return tenants


def _raw(record: Record, key: str) -> object:
    """A scalar field's raw value, for checks that run whatever its other problems."""
    node = record.value(key)
    return node.value if isinstance(node, LocatedScalar) else None


def _read_tenant(record: Record, slugs: UniqueNames) -> TenantSpec | None:
    """One tenant; None when it has issues."""
    slug = record.text("slug", limit=SLUG_MAX, pattern=SLUG, hint=SLUG_HINT)
    slugs.claim(record, "slug", slug)
    name = record.text("name")
    kind = record.choice("kind", KINDS)
    active = record.flag("active", True)
    desk = _read_desk(record)
    language = record.choice("language", LANGUAGES, default=DEFAULT_LANGUAGE)
    if not record.ok or kind is None or language is None:
        return None
    return TenantSpec(slug=slug, name=name, kind=TenantKind(kind), active=active, desk=desk,
                      language=language)


def _read_desk(record: Record) -> dict[str, object] | None:
    """The school's local desk configuration, kept raw for the desk connectors but for its `kind`."""
    node = record.value("desk")
    if node is None:
        return None
    path = record.path_of("desk")
    if not isinstance(node, LocatedMap):
        record.problem("desk", f"must be a mapping with a 'kind'; got {kind_of(node)}")
        return None
    data: dict[str, object]  # a mapping's plain data is a dict
    data, clean = plain_data(record.log, node, path)
    kind = data.get("kind")
    if kind is None:
        record.report(node.line, join_path(path, "kind"), "required")
    elif not isinstance(kind, str) or not kind.strip():
        entry = node.by_key()["kind"]
        record.report(entry.value.line, join_path(path, "kind"), "must be a non-empty string")
    if not (record.ok and clean):
        record.ok = False
        return None
    return data


def _check_one_group(top: Record, groups: list[tuple[str, Record]]) -> None:
    """The group tenant is where group admins live: there must be exactly one."""
    if not groups:
        top.problem("tenants", "must include exactly one tenant of kind GROUP (found none)")
        return
    first_slug, first = groups[0]
    for _, record in groups[1:]:
        record.problem("kind", f"only one GROUP tenant is allowed; {first_slug!r} is already "
                               f"the group (line {first.node.line})")


def read_users(top: Record, tenants: Tenants) -> Users:
    """Read every user, checking tenants exist and e-mails and SSO identities are unique."""
    users = Users()
    emails = UniqueNames("e-mail")
    identities: dict[tuple[str, str], str] = {}
    for node, path in top.items("users", required=False):
        record = Record.open(top.log, node, path, USER_FIELDS)
        if record is None:
            continue
        spec = _read_user(record, tenants, users, emails)
        if spec is None:
            continue
        other = identities.setdefault(spec.identity, spec.username)
        if other != spec.username:
            record.problem("subject", f"SSO subject {spec.identity[1]!r} of issuer {spec.issuer!r} "
                                      f"already belongs to user {other!r}")
        else:
            users.specs.append(spec)
    return users


def _read_user(record: Record, tenants: Tenants, users: Users, emails: UniqueNames) -> UserSpec | None:
    """One user; None when it has issues."""
    username = record.text("username", pattern=USERNAME, hint=USERNAME_HINT)
    claimed = users.usernames.claim(record, "username", username)
    tenant = record.text("tenant")
    if tenant and tenants.slugs.find(tenant) is None:
        record.problem("tenant", f"unknown tenant {tenant!r}")
    email = record.text("email", limit=320, pattern=EMAIL, hint="must be an e-mail address")
    emails.claim(record, "email", email)
    display_name = record.text("name")
    roles = _read_roles(record)
    if claimed:
        users.roles[username.casefold()] = roles
    active = record.flag("active", True)
    issuer = record.optional_text("issuer", limit=IDENTITY_MAX) or LOCAL_ISSUER
    subject = record.optional_text("subject", limit=IDENTITY_MAX) or username
    language = record.choice("language", LANGUAGES, default="") if record.value("language") else None
    technical = record.flag("technical", False)
    if roles is not None and technical and set(roles) != {Role.DESK_INTEGRATION}:
        record.problem("roles", "a technical account holds the desk-integration role only")
    elif roles is not None and not technical and Role.DESK_INTEGRATION in roles:
        record.problem("technical", "an account with the desk-integration role is a desk's technical "
                                    "account: add 'technical: true'")
    if not record.ok or roles is None:
        return None
    return UserSpec(username=username, tenant=tenants.slugs.find(tenant) or tenant, email=email,
                    display_name=display_name, roles=roles, active=active, issuer=issuer,
                    subject=subject, language=language, technical=technical)


def _read_roles(record: Record) -> tuple[Role, ...] | None:
    """The user's roles, each a known Role written once; None when any is wrong."""
    issues_before = len(record.log.issues)
    roles: list[Role] = []
    for node, path in record.items("roles"):
        value = node.value if isinstance(node, LocatedScalar) else None
        if not isinstance(value, str):
            record.report(node.line, path, f"must be a role name; got {kind_of(node)}")
            continue
        try:
            role = Role.parse(value)
        except ValueError as error:
            record.report(node.line, path, str(error))
            continue
        if role in roles:
            record.report(node.line, path, f"role {value!r} is listed twice")
        roles.append(role)
    if len(record.log.issues) > issues_before or record.value("roles") is None:
        return None
    return tuple(roles)
