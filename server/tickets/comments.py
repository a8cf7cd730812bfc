"""Comments on tickets: PUBLIC ones the school reads, INTERNAL ones for group staff only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import ActionNotAllowed, PermissionDenied
from server.tickets import history
from server.tickets.access import facts_of, parties_on
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import (
    TEXT_MAX,
    CommentSource,
    EventKind,
    Ticket,
    TicketComment,
    Visibility,
)
from server.tickets.workflow import TERMINAL_STATES, allowed_actions
from server.validation import Checks
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message

COMMENT = "COMMENT"


async def write(session: AsyncSession, actor: Principal, ticket: Ticket, *, body: str,
                visibility: Visibility, field: str = "body",
                source: CommentSource = CommentSource.GROUP) -> TicketComment:
    """Add a comment and its history event to a ticket the caller holds (and versions)."""
    if ticket.state in TERMINAL_STATES:
        allowed = allowed_actions(ticket.state, parties_on(actor, ticket))
        raise ActionNotAllowed(COMMENT, ticket.state.value, [a.value for a in allowed])
    if visibility is Visibility.INTERNAL and not policy.ticket_scope(actor).sees_internal(
            facts_of(ticket)):
        raise PermissionDenied(Message("internal comments are for the group's experts and admins"))
    checks = Checks()
    checks.text(field, body, max_len=TEXT_MAX)
    checks.done()
    comment = TicketComment(ticket_id=ticket.id, author_id=actor.user_id, body=body.strip(),
                            visibility=visibility, source=source, api_token_id=actor.api_token_id)
    session.add(comment)
    await session.flush()
    await history.record(session, ticket, EventKind.COMMENTED, actor=actor,
                         public=visibility is Visibility.PUBLIC,
                         data={"comment_id": comment.id, "visibility": visibility.value,
                               "source": source.value, "body": comment.body})
    return comment


async def add_comment(session: AsyncSession, *, actor: Principal, ticket_id: int, body: str,
                      visibility: Visibility | str = Visibility.PUBLIC,
                      expected_version: int | None = None,
                      source: CommentSource = CommentSource.GROUP) -> TicketComment:
    """Comment on a ticket the caller sees; with `expected_version`, only if it has not moved on."""
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    comment = await write(session, actor, ticket, body=body, visibility=Visibility(visibility),
                          source=source)
    next_version(ticket)
    await session.flush()
    return comment
