"""Who is calling: plain value types shared by the policy, the core and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TenantKind(StrEnum):
    SCHOOL = "SCHOOL"
    GROUP = "GROUP"
    OPERATIONS = "OPERATIONS"


class Role(StrEnum):
    GROUP_ADMIN = "group-admin"
    EXPERT = "expert"
    SCHOOL_AGENT = "school-agent"
    SCHOOL_MANAGER = "school-manager"
    OPERATIONS = "operations"
    DESK_INTEGRATION = "desk-integration"

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(r.value for r in cls)
            raise ValueError(f"unknown role {value!r} (known: {known})") from None


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a person or a technical account, always inside one tenant."""

    user_id: int
    username: str
    tenant_id: int
    tenant_slug: str
    tenant_kind: TenantKind
    roles: frozenset[Role] = frozenset()
    # Catalogue scopes the user is designated on as an expert (ids of bricks they cover).
    expert_brick_ids: frozenset[int] = field(default_factory=frozenset)
    technical: bool = False

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


@dataclass(frozen=True, slots=True)
class Operator:
    """Whoever runs the `groupdesk` command on the server: trusted like the database it opens."""

    name: str = "operator"


OPERATOR = Operator()


@dataclass(frozen=True, slots=True)
class Provisioner:
    """A tenant's identity provider calling with a SCIM token: it acts on that tenant only."""

    tenant_id: int
    tenant_slug: str
    tenant_kind: TenantKind
    token_id: int | None = None
