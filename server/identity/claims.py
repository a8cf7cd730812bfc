"""Reading groupdesk terms (tenant, roles, profile) out of verified token claims."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from server.identity.tokens import RealmConfig, TokenRejected
from tenants.context import Role
from tenants.i18n.messages import Message

_KNOWN_ROLES = {role.value: role for role in Role}


class TenantClaimMode(StrEnum):
    """Where a realm puts the caller's school."""

    ORGANIZATION = "organization"
    GROUP_PATH = "group-path"
    REALM = "realm"


def tenant_from_claims(
    claims: dict[str, Any],
    *,
    mode: TenantClaimMode,
    realm: RealmConfig | None,
    group_prefix: str = "/schools/",
) -> str:
    """Return the caller's tenant slug, or raise TokenRejected when it is missing or ambiguous."""
    # Settings may hand over the plain string value.
    mode = TenantClaimMode(mode)
    if mode is TenantClaimMode.ORGANIZATION:
        found = _organization_aliases(claims.get("organization"))
        source = "organization claim"
    elif mode is TenantClaimMode.GROUP_PATH:
        found = _group_tenants(claims.get("groups"), group_prefix)
        source = f"groups under {_as_folder(group_prefix)}"
    elif mode is TenantClaimMode.REALM:
        if realm is None or not realm.tenant:
            name = realm.realm if realm is not None else "the local issuer"
            raise TokenRejected(Message("token carries no tenant: {name} is not one school's realm", name=name))
        return realm.tenant
    else:  # pragma: no cover - the enum is closed
        raise ValueError(f"unknown tenant claim mode {mode!r}")
    if not found:
        raise TokenRejected(Message("token carries no tenant: no {source}", source=source))
    if len(found) > 1:
        # Picking one would act on a school the caller did not choose.
        listed = ", ".join(sorted(found))
        raise TokenRejected(Message("token carries no tenant: ambiguous {source} ({listed})", source=source,
                                    listed=listed))
    return next(iter(found))


def _organization_aliases(value: object) -> set[str]:
    """Aliases from Keycloak 26's organization claim: a list, an object keyed by alias, or a string."""
    if isinstance(value, str):
        candidates: Iterable[object] = [value]
    elif isinstance(value, dict):
        candidates = value.keys()
    elif isinstance(value, list):
        candidates = value
    else:
        return set()
    return {item.strip() for item in candidates if isinstance(item, str) and item.strip()}


def _group_tenants(value: object, prefix: str) -> set[str]:
    """Tenant slugs from full group paths: the segment right after the prefix."""
    folder = _as_folder(prefix)
    if not isinstance(value, list):
        return set()
    tenants = set()
    for path in value:
        if not isinstance(path, str) or not path.startswith(folder):
            continue
        # Sub-groups such as /schools/insa-lyon/experts still belong to insa-lyon.
        slug = path[len(folder) :].split("/", 1)[0].strip()
        if slug:
            tenants.add(slug)
    return tenants


def _as_folder(prefix: str) -> str:
    """Normalise a group prefix to '/a/b/' so '/schools' never matches '/schoolsxyz'."""
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def roles_from_claims(claims: dict[str, Any], *, client_id: str | None) -> frozenset[Role]:
    """Union of realm roles and the client's roles, keeping only roles groupdesk knows."""
    names = list(_role_names(claims.get("realm_access")))
    resource_access = claims.get("resource_access")
    if client_id and isinstance(resource_access, dict):
        names.extend(_role_names(resource_access.get(client_id)))
    # Keycloak adds offline_access, uma_authorization, default-roles-<realm>: not ours to interpret.
    return frozenset(_KNOWN_ROLES[name] for name in names if name in _KNOWN_ROLES)


def _role_names(access: object) -> Iterable[str]:
    """The `roles` list of a realm_access or resource_access entry, tolerating odd shapes."""
    if not isinstance(access, dict):
        return ()
    roles = access.get("roles")
    if not isinstance(roles, list):
        return ()
    return (role for role in roles if isinstance(role, str))


def profile_from_claims(claims: dict[str, Any]) -> dict[str, str | None]:
    """Username, e-mail and display name from the standard OIDC claims."""
    username = _text(claims.get("preferred_username")) or _text(claims.get("sub"))
    given = _text(claims.get("given_name"))
    family = _text(claims.get("family_name"))
    display_name = _text(claims.get("name")) or " ".join(p for p in (given, family) if p) or None
    return {
        "username": username,
        "email": _text(claims.get("email")),
        "display_name": display_name or username,
    }


def _text(value: object) -> str | None:
    """A non-blank string, stripped, or None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
