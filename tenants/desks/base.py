"""Plain payloads and the connector contract shared by every local desk."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class DeskKind(StrEnum):
    ITOP = "itop"
    GLPI = "glpi"
    WEBHOOK = "webhook"
    EMAIL = "email"


class EventKind(StrEnum):
    OPENED = "ticket.opened"
    ASSIGNED = "ticket.assigned"
    TAKEN = "ticket.taken"
    PENDING = "ticket.pending"
    ANSWERED = "ticket.answered"
    COMMENTED = "ticket.commented"
    RESOLVED = "ticket.resolved"
    REOPENED = "ticket.reopened"
    CLOSED = "ticket.closed"
    # The group ticket's state re-applied on the desk (a resync after a divergence, or work
    # resumed by an answer that came from the desk itself).
    RESYNCED = "ticket.resynced"


@dataclass(frozen=True)
class DeskConfig:
    """How to reach one school's desk; secrets are already resolved."""

    kind: DeskKind
    url: str
    credentials: Mapping[str, str] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = 10.0
    # This groupdesk installation's identity, carried by every marker written on the desk.
    installation: str = ""


@dataclass(frozen=True)
class DeskTicket:
    """The group ticket as a local desk needs to see it."""

    group_ref: str
    title: str
    description: str
    priority: str
    state: str
    school: str
    brick: str
    service: str
    sub_service: str
    requester_name: str | None = None
    requester_email: str | None = None
    local_ref: str | None = None
    assignee: str | None = None
    # The school's language for every text written into its desk (tenants/i18n); payloads stored
    # before schools had one read as they were written then, in English.
    language: str = "en"
    # The request form's answers as (field title, value) pairs, in the form's order.
    form: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DeskEvent:
    """One change a school must see; `event_id` is the idempotency key."""

    event_id: str
    kind: EventKind
    ticket: DeskTicket
    message: str | None = None
    author: str | None = None
    # Keyword-only so it can follow the optional fields, in the order the contract lists them.
    occurred_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class RemoteTicket:
    """The local ticket: its technical id and the ref people see."""

    id: str
    ref: str


class CheckOutcome(StrEnum):
    """What a desk check found, in the few cases an admin acts on differently."""

    OK = "OK"  # reached, logged in, every mapping and right in place
    NOT_CONFIGURED = "NOT_CONFIGURED"  # nothing was sent: no desk, a secret missing, mappings refused
    UNREACHABLE = "UNREACHABLE"  # no answer, a timeout or a transient failure (HTTP 5xx, 429...)
    REFUSED = "REFUSED"  # the desk answered and refused us (credentials, a wrong URL)
    PROBLEMS = "PROBLEMS"  # logged in, but mappings or the account's rights are wrong


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a connectivity and credentials check: what was found and, in the desk's own
    words, what it answered or what failed (problems joined by "; ")."""

    outcome: CheckOutcome
    detail: str

    @property
    def ok(self) -> bool:
        return self.outcome is CheckOutcome.OK

    @property
    def reached(self) -> bool:
        """Whether the desk answered at all (even to refuse)."""
        return self.outcome in (CheckOutcome.OK, CheckOutcome.REFUSED, CheckOutcome.PROBLEMS)

    @classmethod
    def failed(cls, exc: DeskError) -> CheckResult:
        """The first call failed: a transient failure means unreachable, any other a refusal."""
        return cls(CheckOutcome.UNREACHABLE if exc.retryable else CheckOutcome.REFUSED, exc.message)


class DeskError(Exception):
    """A desk call failed; `message` tells an admin what to do, `retryable` tells the outbox.

    Retryable: the desk could not be reached or answered a transient failure (network errors,
    timeouts, HTTP 408/429/5xx, database deadlocks reported by iTop). Delivering the same event
    later may succeed without anyone acting.

    Not retryable: the desk understood the call and refused it (bad credentials, missing rights,
    invalid input, unknown ticket, a transition the local lifecycle does not allow, a wrong URL).
    Repeating it would fail the same way; it must be reported so an admin fixes the cause.
    """

    def __init__(self, message: str, *, retryable: bool, code: str | int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code


@runtime_checkable
class DeskConnector(Protocol):
    """What the mirror delivery needs from any local desk."""

    kind: DeskKind

    async def find(self, group_ref: str) -> RemoteTicket | None:
        """Return the local ticket carrying this group ref, if one exists."""
        ...

    async def create(self, ticket: DeskTicket) -> RemoteTicket:
        """Create the local ticket (or return the existing one) with the group ref on it."""
        ...

    async def apply(self, remote: RemoteTicket, event: DeskEvent) -> None:
        """Mirror one event other than OPENED: public comment plus the matching transition."""
        ...

    async def check(self) -> CheckResult:
        """Test reachability and credentials and say what is wrong."""
        ...

    async def aclose(self) -> None:
        """Release connections and sessions."""
        ...


class LocalStatus(StrEnum):
    """A local ticket's state in the few words the group needs, whatever the desk's lifecycle."""

    NEW = "NEW"
    WORKING = "WORKING"
    PENDING = "PENDING"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


# The local statuses that agree with each group state (what reconciliation compares).
AGREES: Mapping[str, tuple[LocalStatus, ...]] = {
    "NEW": (LocalStatus.NEW,), "WAITING_FOR_APPROVAL": (LocalStatus.NEW,),
    "APPROVED": (LocalStatus.NEW,), "ASSIGNED": (LocalStatus.WORKING,),
    "IN_PROGRESS": (LocalStatus.WORKING,), "PENDING": (LocalStatus.PENDING,),
    "RESOLVED": (LocalStatus.RESOLVED,), "CLOSED": (LocalStatus.CLOSED,),
    "REJECTED": (LocalStatus.CLOSED,),
}


@dataclass(frozen=True)
class LocalComment:
    """A public entry a person wrote on the local ticket (never one the integration wrote)."""

    remote_id: str
    change_id: str  # stable: the same entry read twice has the same id
    message: str
    author: str | None
    at: datetime


@dataclass(frozen=True)
class LocalTicketState:
    """Where a local ticket stands now, as one poll read it."""

    remote_id: str
    ref: str
    status: LocalStatus
    raw_status: str
    # The local solution or the closing text, when the desk has one.
    message: str | None = None
    # Who made the last status change, when the desk says.
    changed_by: str | None = None


@dataclass(frozen=True)
class DeskChanges:
    """What one poll read: comments written since the cursor, the state of every local ticket
    that changed, and the cursor to read from next time."""

    comments: list[LocalComment]
    states: list[LocalTicketState]
    cursor: str


@runtime_checkable
class PolledDesk(Protocol):
    """A desk that cannot push its changes: the group pulls them."""

    async def changes(self, since: str | None, start: datetime, remote_ids: Collection[str]) -> DeskChanges:
        """What changed on the given local tickets since the cursor (or `start`, UTC, without one)."""
        ...
