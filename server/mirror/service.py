"""Mirror state for people: reading it, retrying a paused mirror (lists: server.mirror.queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.errors import NotFound, PermissionDenied
from server.mirror.models import DeskSetting, Mirror, MirrorStatus
from server.mirror import changes, outbox
from server.mirror.follow import desk_ticket
from server.mirror.outbox import announce_after_commit
from server.tickets.locking import lock_ticket
from server.tickets.workflow import TicketState
from tenants import policy
from tenants.context import Principal
from tenants.desks.base import EventKind
from tenants.i18n.messages import Message


async def mirrors_of(session: AsyncSession, ticket_ids: list[int]) -> dict[int, Mirror]:
    """Mirrors by ticket id (the caller has already checked it sees these tickets)."""
    rows = await session.scalars(select(Mirror).where(Mirror.ticket_id.in_(ticket_ids)))
    return {m.ticket_id: m for m in rows}


async def mirror_now(sessions: async_sessionmaker[AsyncSession], ticket_id: int) -> Mirror | None:
    """A ticket's mirror as last committed, read by a session of its own and handed back detached:
    a live subscriber (ticketMirrorChanged) reads it afresh at each change it is told of. The
    caller has already checked it sees the ticket."""
    async with sessions() as session:
        return await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))


async def retry_mirror(session: AsyncSession, *, actor: Principal, ticket_id: int) -> Mirror:
    """Group admins: put a paused (or failing) mirror back to PENDING and deliver it now."""
    if not policy.may_operate_mirrors(actor):
        raise PermissionDenied(Message("only group administrators retry mirrors"))
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))
    if mirror is None:
        raise NotFound("mirror of ticket", ticket_id)
    desk = await session.scalar(select(DeskSetting).where(DeskSetting.tenant_id == mirror.tenant_id))
    if desk is not None and desk.kind is not mirror.desk_kind:
        # The school moved to another desk: the ticket is opened there from its snapshot.
        mirror.desk_kind, mirror.remote_id, mirror.remote_ref = desk.kind, None, None
    if mirror.status is not MirrorStatus.SYNCED:
        mirror.status = MirrorStatus.PENDING
    mirror.attempts, mirror.last_error, mirror.next_attempt_at = 0, None, None
    await session.flush()
    await changes.changed(session, ticket_id)
    announce_after_commit(session, ticket_id)
    return mirror


async def resync_mirror(session: AsyncSession, *, actor: Principal, ticket_id: int) -> Mirror:
    """Group admins: re-apply the group ticket's state on the local ticket (after a divergence)."""
    if not policy.may_operate_mirrors(actor):
        raise PermissionDenied(Message("only group administrators resync mirrors"))
    ticket = await lock_ticket(session, actor, ticket_id, None)  # the ticket first, as changes do
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))
    if mirror is None:
        raise NotFound("mirror of ticket", ticket_id)
    # The desk may need the words that go with the state (iTop's solution is mandatory).
    message = ticket.solution if ticket.state in (TicketState.RESOLVED, TicketState.CLOSED) else None
    await outbox.enqueue(session, ticket_id=ticket.id, tenant_id=ticket.tenant_id, kind=EventKind.RESYNCED,
                         ticket=await desk_ticket(session, ticket), message=message)
    if mirror.status is not MirrorStatus.PAUSED:
        mirror.status = MirrorStatus.PENDING
    mirror.divergence = None
    await session.flush()
    await changes.changed(session, ticket_id)
    return mirror
