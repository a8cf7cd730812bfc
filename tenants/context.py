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
class Designation:
    """Where an expert is designated: a whole brick, one service of it, or one sub-service.

    The ids above the designated level are filled in too (a sub-service designation names its
    service and brick), as the catalogue stores them.
    """

    brick_id: int
    service_id: int | None = None
    sub_service_id: int | None = None


@dataclass(frozen=True, slots=True)
class TicketPlace:
    """Where a ticket was opened in the catalogue: what a designation covers or not."""

    brick_id: int
    service_id: int
    sub_service_id: int


class ApproverKind(StrEnum):
    """Who approves a sub-service's requests."""

    SCHOOL_MANAGERS = "SCHOOL_MANAGERS"   # the opening school's managers (the default)
    ROLE = "ROLE"                         # holders of a named role (a school role: at the opening school)
    USERS = "USERS"                       # named users


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """Who may approve one ticket's request; group admins always may."""

    kind: ApproverKind = ApproverKind.SCHOOL_MANAGERS
    role: Role | None = None
    user_ids: frozenset[int] = frozenset()

    @classmethod
    def from_data(cls, data: object) -> ApprovalRule:
        """The rule stored as JSON ({"kind": ..., "role": ..., "user_ids": [...]}); the default for None."""
        if not isinstance(data, dict):
            return cls()
        role = data.get("role")
        ids = data.get("user_ids") or []
        return cls(kind=ApproverKind(data.get("kind", ApproverKind.SCHOOL_MANAGERS)),
                   role=Role(role) if isinstance(role, str) else None,
                   user_ids=frozenset(int(i) for i in ids if isinstance(i, int)))

    def as_data(self) -> dict[str, object]:
        data: dict[str, object] = {"kind": self.kind.value}
        if self.role is not None:
            data["role"] = self.role.value
        if self.user_ids:
            data["user_ids"] = sorted(self.user_ids)
        return data


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the policy needs to know about one ticket to say who the caller is on it."""

    tenant_id: int
    place: TicketPlace
    assignee_id: int | None = None
    approval: ApprovalRule = ApprovalRule()


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a person or a technical account, always inside one tenant."""

    user_id: int
    username: str
    tenant_id: int
    tenant_slug: str
    tenant_kind: TenantKind
    roles: frozenset[Role] = frozenset()
    # Where the user is designated as an expert, exactly (they count only with the expert role).
    designations: frozenset[Designation] = field(default_factory=frozenset)
    technical: bool = False
    # The API token the caller authenticated with; None for an SSO or development token.
    api_token_id: int | None = None
    # What the caller reads: their own language, else their school's (tenants.i18n.language_of).
    language: str | None = None

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
