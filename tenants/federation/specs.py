"""The plain data a federation file describes, and the issues found while reading one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tenants.context import Role, TenantKind

Priority = Literal["LOW", "NORMAL", "HIGH", "CRITICAL"]
PRIORITIES: tuple[Priority, ...] = ("LOW", "NORMAL", "HIGH", "CRITICAL")

LOCAL_ISSUER = "urn:groupdesk:local"

# Raw JSON-like mappings (desk config, request forms) are left out of the hash so that specs stay
# hashable; they still take part in equality.


@dataclass(frozen=True)
class TenantSpec:
    """One member of the federation: a school, the group itself or the operations centre."""

    slug: str
    name: str
    kind: TenantKind
    active: bool = True
    # Kept raw: the local-desk connectors validate their own configuration.
    desk: Mapping[str, Any] | None = field(default=None, hash=False)
    # What groupdesk writes into the school's desk is in this language (tenants/i18n).
    language: str = "fr"


@dataclass(frozen=True)
class UserSpec:
    """A person or technical account of one tenant, with its roles and SSO identity."""

    username: str
    tenant: str
    email: str
    display_name: str
    roles: tuple[Role, ...]
    active: bool = True
    issuer: str = LOCAL_ISSUER
    subject: str | None = None  # None means "same as username"; see `identity`.
    # The language the person reads; None follows their school's (tenants/i18n.language_of).
    language: str | None = None
    # A desk's or a provider's account rather than a person: no browser login, API tokens only.
    technical: bool = False

    @property
    def identity(self) -> tuple[str, str]:
        """The (issuer, subject) pair an SSO token must carry to be this user."""
        return (self.issuer, self.subject if self.subject is not None else self.username)


@dataclass(frozen=True)
class TargetSpec:
    """What a sub-service promises for one priority, in business seconds (None: nothing)."""

    priority: Priority
    take_seconds: int | None
    resolve_seconds: int | None


@dataclass(frozen=True)
class ClosureSpec:
    """Days the federation is closed, both included."""

    first: str  # ISO days, so that specs stay plain data
    last: str
    name: str = ""


@dataclass(frozen=True)
class SchoolCalendarSpec:
    """A school's departures from the federation's calendar."""

    school: str
    time_zone: str | None = None
    alsace_moselle: bool = False


@dataclass(frozen=True)
class CalendarSpec:
    """The federation's business calendar: time zone, weekly opening hours, closures."""

    time_zone: str
    hours: tuple[tuple[str, tuple[str, ...]], ...]  # (weekday, openings) pairs, as written
    closures: tuple[ClosureSpec, ...] = ()
    schools: tuple[SchoolCalendarSpec, ...] = ()


@dataclass(frozen=True)
class SubServiceSpec:
    """The catalogue leaf tickets are opened on, with its request form (a JSON Schema)."""

    name: str
    description: str
    form: Mapping[str, Any] = field(hash=False)
    requires_approval: bool = False
    default_priority: Priority = "NORMAL"
    active: bool = True
    # Per priority, over the federation's default targets.
    targets: tuple[TargetSpec, ...] = ()


@dataclass(frozen=True)
class ServiceSpec:
    """A group of related sub-services inside a brick."""

    name: str
    description: str
    sub_services: tuple[SubServiceSpec, ...]
    active: bool = True


@dataclass(frozen=True)
class BrickSpec:
    """A shared digital service of the group (Scenari, OpenMoodle, ...)."""

    code: str
    name: str
    description: str
    services: tuple[ServiceSpec, ...]
    active: bool = True


@dataclass(frozen=True)
class DesignationSpec:
    """An expert designated on a brick, or more narrowly on one of its services or sub-services."""

    username: str
    brick: str
    service: str | None = None
    sub_service: str | None = None


@dataclass(frozen=True)
class Federation:
    """Everything a federation file declares."""

    name: str
    tenants: tuple[TenantSpec, ...]
    users: tuple[UserSpec, ...]
    bricks: tuple[BrickSpec, ...]
    designations: tuple[DesignationSpec, ...]
    # The `service_levels:` section; None: the default calendar and no default targets.
    calendar: CalendarSpec | None = None
    default_targets: tuple[TargetSpec, ...] = ()


@dataclass(frozen=True)
class FederationIssue:
    """One problem in a federation file, located by file, line and field path."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class FederationInvalid(Exception):
    """Raised with every issue found in a federation file, never just the first one."""

    def __init__(self, issues: list[FederationIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))
