"""Who an event on a ticket may concern, read in one statement, and read ahead for an opening.

`people_of` finds everyone the audiences may hold (and the actor) with their address, language and
preferences. An opening's events (OPENED, then ROUTED when it is routed at once) are known before
the ref counter is taken: `prepare` reads their people then, while no lock is held, and the
follower finds them here for those two events of that ticket. The memory lives in `session.info`
until those events used it or the transaction ends (commit or rollback; a savepoint's release,
which SQLAlchemy also tells after_commit of, is not the end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, bindparam, event, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from server.identity.models import ExpertDesignation, Tenant, User
from server.notify.models import DigestPeriod, NotificationPreference
from server.notify.recipients import SCHOOL_SIDE, Audience, Person, deliveries
from server.tickets.access import coverage
from server.tickets.models import EventKind, Ticket
from server.tickets.workflow import TicketState
from tenants.context import TenantKind
from tenants.i18n import language_of

_PREPARED_KEY = "groupdesk.notify.prepared"

DESIGNATION_PLACE = (ExpertDesignation.brick_id, ExpertDesignation.service_id,
                     ExpertDesignation.sub_service_id)


@dataclass(frozen=True, slots=True)
class Found:
    """A person the event may concern, with their address, language and preferences."""

    person: Person
    display_name: str
    email: str | None
    language: str
    reachable: bool
    muted: frozenset[str]
    digest: DigestPeriod


# Which parts a statement of people_of has: the school side, the assignee, the covering experts,
# the group admins, the actor. A few shapes in all, each built once and bound at each event.
_Shape = tuple[bool, bool, bool, bool, bool]
_STATEMENTS: dict[_Shape, Any] = {}


def _conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    school_side, assignee, experts, admins, actor = shape
    conditions: list[ColumnElement[bool]] = []
    if school_side:
        conditions += [User.tenant_id == bindparam("tenant_id"), User.id == bindparam("opened_by_id")]
    if assignee:  # named in assignment mails even when not told
        conditions.append(User.id == bindparam("assignee_id"))
    if experts:
        conditions.append(User.id.in_(_covering_experts()))
    if admins:
        conditions.append(Tenant.kind == TenantKind.GROUP)
    if actor:
        conditions.append(User.id == bindparam("actor_id"))
    return conditions


def _covering_experts() -> Any:
    return select(ExpertDesignation.user_id).where(coverage(
        DESIGNATION_PLACE, (bindparam("brick_id"), bindparam("service_id"), bindparam("sub_service_id"))))


def _statement(shape: _Shape) -> Any:
    found = _STATEMENTS.get(shape)
    if found is None:
        covers = User.id.in_(_covering_experts()) if shape[2] else literal(False)
        found = _STATEMENTS[shape] = (
            select(User.id, User.tenant_id, User.role_names, User.display_name, User.email,
                   User.language, User.active, User.technical, User.scim_deleted_at, Tenant.kind,
                   Tenant.language, NotificationPreference.muted_kinds, NotificationPreference.digest,
                   covers.label("covers"))
            .join(Tenant, Tenant.id == User.tenant_id)
            .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
            .where(or_(*_conditions(shape))))
    return found


async def people_of(session: AsyncSession, ticket: Ticket, audiences: frozenset[Audience],
                    actor_id: int | None) -> dict[int, Found]:
    """Everyone the audiences may hold, and the actor, in one statement."""
    shape = (bool(audiences & SCHOOL_SIDE), ticket.assignee_id is not None,
             Audience.BRICK_EXPERTS in audiences, Audience.GROUP_ADMINS in audiences,
             actor_id is not None)
    rows = (await session.execute(_statement(shape), {
        "tenant_id": ticket.tenant_id, "opened_by_id": ticket.opened_by_id,
        "assignee_id": ticket.assignee_id, "actor_id": actor_id, "brick_id": ticket.brick_id,
        "service_id": ticket.service_id, "sub_service_id": ticket.sub_service_id})).all()
    found = {}
    for (user_id, tenant_id, roles, name, email, language, active, technical, deleted, kind,
         tenant_language, muted, digest, covering) in rows:
        found[user_id] = Found(
            person=Person(user_id=user_id, tenant_id=tenant_id, tenant_kind=str(kind),
                          roles=frozenset(roles or ()), covers=bool(covering)),
            display_name=name, email=email, language=language_of(language, tenant_language),
            reachable=bool(active) and not technical and deleted is None,
            muted=frozenset(muted or ()), digest=digest or DigestPeriod.NONE)
    return found


@dataclass(slots=True)
class _Prepared:
    """People read ahead for one opening: valid for its own events while the ticket's sides hold."""

    ticket: Ticket
    sides: tuple[Any, ...]
    audiences: frozenset[Audience]
    actor_id: int
    people: dict[int, Found]
    events: set[EventKind] = field(default_factory=set)


def _sides(ticket: Ticket) -> tuple[Any, ...]:
    """What the people found depend on: the school, the opener, the assignee, the catalogue entry."""
    return (ticket.tenant_id, ticket.opened_by_id, ticket.assignee_id, ticket.brick_id,
            ticket.service_id, ticket.sub_service_id)


def _opening_audiences(ticket: Ticket) -> tuple[set[EventKind], frozenset[Audience]]:
    """The events an opening records and everyone they may reach, whoever turns out to act."""
    events: dict[EventKind, dict[str, Any]] = {EventKind.OPENED: {"state": ticket.state.value}}
    if ticket.state is not TicketState.WAITING_FOR_APPROVAL:  # routed at once (assigned or queued)
        events[EventKind.ROUTED] = {"assignee_id": ticket.assignee_id}
    audiences = frozenset(a for kind, data in events.items() for by_school in (True, False)
                          for d in deliveries(kind.value, data, public=True, by_school=by_school)
                          for a in d.audiences)
    return set(events), audiences


async def prepare(session: AsyncSession, ticket: Ticket) -> None:
    """Before an opening takes the ref counter: the people its events may concern, its opener too."""
    events, audiences = _opening_audiences(ticket)
    if not audiences:
        return
    people = await people_of(session, ticket, audiences, ticket.opened_by_id)
    prepared: dict[int, _Prepared] = session.info.setdefault(_PREPARED_KEY, {})
    prepared[id(ticket)] = _Prepared(ticket, _sides(ticket), audiences, ticket.opened_by_id,
                                     people, events)


def prepared_people(session: AsyncSession, ticket: Ticket, kind: EventKind,
                    audiences: frozenset[Audience], actor_id: int | None) -> dict[int, Found] | None:
    """The people read ahead for this event of an opening, or None when it must read them."""
    prepared: dict[int, _Prepared] = session.info.get(_PREPARED_KEY, {})
    entry = prepared.get(id(ticket))
    if entry is None or entry.ticket is not ticket or kind not in entry.events:
        return None
    entry.events.discard(kind)
    if not entry.events:
        del prepared[id(ticket)]
    if (entry.sides != _sides(ticket) or not audiences <= entry.audiences
            or actor_id not in (None, entry.actor_id)):
        return None
    return entry.people


@event.listens_for(Session, "after_commit")
def _forget_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PREPARED_KEY, None)


@event.listens_for(Session, "after_rollback")
def _forget_at_rollback(session: Session) -> None:
    session.info.pop(_PREPARED_KEY, None)
