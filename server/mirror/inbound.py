"""What a school's desk tells the group: its answers and comments, its ticket closed, its ref.

Applied through the ticket services (state machine, version lock, history), as the school's
desk-integration account, inside `follow.from_desk` so that nothing goes back to the desk.
Idempotent by the desk's event id: a re-sent event is recognised and changes nothing.

A local ticket closed (or resolved) by the school means:
- the group ticket is RESOLVED: the school confirms the solution, the group ticket is CLOSED;
- it is already CLOSED: nothing to do;
- it is still being worked on: the group does not drop the work on a local closure. The experts
  get a public note from the desk saying so, and the state stays; the assignee decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import NotFound, PermissionDenied, ValidationFailed
from server.identity.auth import principal_of
from server.identity.models import Tenant, User
from server.mirror import changes
from server.mirror.follow import from_desk
from server.mirror.models import InboundEvent, Mirror
from server.tickets import actions, comments, fulfilment, history
from server.tickets.access import visible_tickets
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import CommentSource, EventKind, Ticket, Visibility
from server.tickets.workflow import Action, TicketState
from tenants import policy
from tenants.context import Principal, Role
from tenants.i18n import gettext_for
from tenants.i18n.messages import Message

LOCAL_REF_MAX = 64


class DeskEventKind(StrEnum):
    """The events a desk may send (the `type` of an inbound webhook)."""

    COMMENTED = "ticket.commented"   # a public answer or comment from the school
    CLOSED = "ticket.closed"         # the local ticket was closed
    RESOLVED = "ticket.resolved"     # the local ticket was resolved (the experts are told)
    LINKED = "ticket.linked"         # the local ticket's ref, when the desk created it itself
    # Automation's fulfilment status (server.tickets.fulfilment): `system`, `status`, `message`.
    FULFILMENT = "ticket.fulfilment"


@dataclass(frozen=True)
class Received:
    """The outcome: applied now, or a duplicate of an event applied before."""

    ticket: Ticket
    duplicate: bool
    effect: str


async def desk_account(session: AsyncSession, tenant: Tenant) -> Principal:
    """The school's desk-integration account, which signed hooks act as."""
    users = await session.scalars(select(User).where(User.tenant_id == tenant.id, User.active.is_(True))
                                  .order_by(User.id))
    for user in users:
        if Role.DESK_INTEGRATION in user.roles:
            return await principal_of(session, user, tenant)
    raise PermissionDenied(Message("{slug} has no active desk-integration account to act for its desk",
                                   slug=tenant.slug))


async def _ticket(session: AsyncSession, actor: Principal, *, ticket_id: int | None,
                  group_ref: str | None, local_ref: str | None = None) -> Ticket:
    """The ticket, only if the desk speaks for it: its own school's (NotFound otherwise).

    Without a group ref, the local ticket's ref finds it (the mirror's, or the one given at opening).
    """
    stmt = select(Ticket).where(visible_tickets(policy.desk_scope(actor)))
    if ticket_id is not None:
        stmt = stmt.where(Ticket.id == ticket_id)
    elif (group_ref or "").strip():
        stmt = stmt.where(Ticket.ref == (group_ref or "").strip().upper())
    elif (local_ref or "").strip():
        local = (local_ref or "").strip()
        linked = select(Mirror.ticket_id).where(Mirror.tenant_id == actor.tenant_id,
                                                or_(Mirror.remote_ref == local, Mirror.remote_id == local))
        stmt = stmt.where(or_(Ticket.id.in_(linked), Ticket.local_ref == local)).order_by(Ticket.id)
    else:
        raise ValidationFailed({"group_ref": Message("give the group ref, or the local ticket's local_ref")})
    ticket = (await session.scalars(stmt.limit(1))).first()
    if ticket is None:
        raise NotFound("ticket", ticket_id if ticket_id is not None else group_ref or local_ref)
    return ticket


async def receive(session: AsyncSession, *, actor: Principal, kind: DeskEventKind | str,
                  event_id: str | None, ticket_id: int | None = None, group_ref: str | None = None,
                  message: str | None = None, author: str | None = None,
                  local_ref: str | None = None, system: str | None = None,
                  status: str | None = None) -> Received:
    """Apply one event from the caller's school desk; `event_id` makes a re-send harmless."""
    if not policy.is_desk_integration(actor):
        raise PermissionDenied(Message("only a school's desk-integration account speaks for its desk"))
    try:
        kind = DeskEventKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in DeskEventKind)
        raise ValidationFailed({"type": Message("unknown desk event {kind} (known: {known})", kind=repr(kind),
                                                 known=known)}) from None
    ticket = await _ticket(session, actor, ticket_id=ticket_id, group_ref=group_ref, local_ref=local_ref)
    if event_id is not None:
        if len(event_id) > 200 or not event_id.strip():
            raise ValidationFailed({"eventId": Message("1 to {limit} characters", limit=200)})
        seen = await session.scalar(select(InboundEvent.id).where(
            InboundEvent.tenant_id == actor.tenant_id, InboundEvent.event_id == event_id))
        if seen is not None:
            return Received(ticket, True, "already applied")
        session.add(InboundEvent(tenant_id=actor.tenant_id, event_id=event_id, kind=kind.value,
                                 ticket_id=ticket.id))
        await session.flush()
    if kind is DeskEventKind.FULFILMENT:
        # Reported by automation, not written by the desk's agents: the desk gets its note too.
        await fulfilment.set_fulfilment(session, actor=actor, ticket_id=ticket.id, system=system or "",
                                        status=status or "", message=message)
        return Received(ticket, False, "fulfilment recorded")
    with from_desk(session):
        effect = await _apply(session, actor, ticket, kind, message=message, author=author,
                              local_ref=local_ref)
    return Received(ticket, False, effect)


async def _apply(session: AsyncSession, actor: Principal, ticket: Ticket, kind: DeskEventKind, *,
                 message: str | None, author: str | None, local_ref: str | None) -> str:
    if kind is DeskEventKind.LINKED:
        return await link(session, actor, ticket, local_ref)
    if kind is DeskEventKind.COMMENTED:
        if not (message or "").strip():
            raise ValidationFailed({"message": Message("required")})
        body = _signed(message or "", author)
        if ticket.state is TicketState.PENDING:
            await actions.answer(session, actor=actor, ticket_id=ticket.id, expected_version=None,
                                 message=body, source=CommentSource.DESK)
            return "answered"
        await comments.add_comment(session, actor=actor, ticket_id=ticket.id, body=body,
                                   visibility=Visibility.PUBLIC, source=CommentSource.DESK)
        return "commented"
    if kind is DeskEventKind.RESOLVED:
        return await _resolved_locally(session, actor, ticket, message, author)
    return await _closed_locally(session, actor, ticket, message, author)


async def _resolved_locally(session: AsyncSession, actor: Principal, ticket: Ticket, message: str | None,
                            author: str | None) -> str:
    """The school resolved its local ticket: the experts are told; the group's state is theirs."""
    if ticket.state in (TicketState.RESOLVED, TicketState.CLOSED, TicketState.REJECTED):
        return "already resolved"
    locked = await lock_ticket(session, actor, ticket.id, None)
    next_version(locked)
    await history.record(session, locked, EventKind.RESOLVED_LOCALLY, actor=actor, data=_said(message, author))
    return "resolved locally"


async def _closed_locally(session: AsyncSession, actor: Principal, ticket: Ticket, message: str | None,
                          author: str | None) -> str:
    """The school closed its local ticket: it confirms a resolution, or leaves the experts a note."""
    if ticket.state in (TicketState.CLOSED, TicketState.REJECTED):
        return "already closed"
    if ticket.state is TicketState.RESOLVED:
        await actions.perform(session, actor=actor, ticket_id=ticket.id, action=Action.CLOSE,
                              expected_version=None)
        return "closed"
    school = await session.get(Tenant, ticket.tenant_id)
    _ = gettext_for(school.language if school else None)
    note = (_("The school closed its local ticket {ref}.").format(ref=ticket.local_ref) if ticket.local_ref
            else _("The school closed its local ticket."))
    if extra := (message or "").strip():
        note += f"\n\n{extra}"
    await comments.add_comment(session, actor=actor, ticket_id=ticket.id, body=_signed(note, author),
                               visibility=Visibility.PUBLIC, source=CommentSource.DESK)
    locked = await lock_ticket(session, actor, ticket.id, None)
    await history.record(session, locked, EventKind.CLOSED_LOCALLY, actor=actor, data=_said(message, author))
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket.id))
    if mirror is not None and not mirror.local_closed:
        mirror.local_closed = True
        await changes.changed(session, ticket.id)
    await session.flush()
    return "noted"


def _said(message: str | None, author: str | None) -> dict[str, str]:
    data = {}
    if (message or "").strip():
        data["message"] = (message or "").strip()
    if (author or "").strip():
        data["author"] = (author or "").strip()
    return data


async def link(session: AsyncSession, actor: Principal, ticket: Ticket, local_ref: str | None) -> str:
    """Record the local ticket's ref; a mirror without a local ticket yet adopts it (no duplicate)."""
    local_ref = (local_ref or "").strip()
    if not local_ref or len(local_ref) > LOCAL_REF_MAX:
        raise ValidationFailed({"localRef": Message("1 to {limit} characters", limit=LOCAL_REF_MAX)})
    locked = await lock_ticket(session, actor, ticket.id, None)
    if locked.local_ref != local_ref:
        locked.local_ref = local_ref
        next_version(locked)
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket.id))
    if mirror is not None and mirror.remote_id is None:
        mirror.remote_id = mirror.remote_ref = local_ref
        await changes.changed(session, ticket.id)
    await session.flush()
    return "linked"


def _signed(text: str, author: str | None) -> str:
    """The desk's own author, when it names one (the account itself is a technical one)."""
    text = text.strip()
    signature = (author or "").strip()
    return f"{text}\n\n-- {signature}, via the school's desk" if signature else text
