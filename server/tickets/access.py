"""Ticket visibility applied to SQL, and the caller's part towards one ticket.

tenants.policy.ticket_scope decides what a principal may see; this module is the one place that
turns that decision into WHERE clauses. Every read of tickets, comments and history goes through it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select, true

from server.tickets.models import Ticket, TicketComment, TicketEvent, Visibility
from server.tickets.workflow import Actor
from tenants import policy
from tenants.context import Principal
from tenants.policy import TicketScope


def visible_tickets(scope: TicketScope) -> ColumnElement[bool]:
    """The condition on `ticket` rows the scope may see."""
    if scope.all:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if scope.tenant_ids:
        clauses.append(Ticket.tenant_id.in_(sorted(scope.tenant_ids)))
    if scope.brick_ids:
        clauses.append(Ticket.brick_id.in_(sorted(scope.brick_ids)))
    if scope.assignee_id is not None:
        clauses.append(Ticket.assignee_id == scope.assignee_id)
    return or_(*clauses) if clauses else false()


def shows_internal(scope: TicketScope) -> ColumnElement[bool]:
    """The condition on `ticket` rows whose internal comments and events the scope may read."""
    if not scope.internal_comments:
        return false()
    if scope.all:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if scope.brick_ids:
        clauses.append(Ticket.brick_id.in_(sorted(scope.brick_ids)))
    if scope.assignee_id is not None:
        clauses.append(Ticket.assignee_id == scope.assignee_id)
    return or_(*clauses) if clauses else false()


def visible_comments(scope: TicketScope, ticket_ids: list[int]) -> Select[tuple[TicketComment]]:
    """Comments of the given tickets the scope may read, oldest first."""
    return (select(TicketComment)
            .join(Ticket, Ticket.id == TicketComment.ticket_id)
            .where(TicketComment.ticket_id.in_(ticket_ids), visible_tickets(scope),
                   or_(TicketComment.visibility == Visibility.PUBLIC, shows_internal(scope)))
            .order_by(TicketComment.ticket_id, TicketComment.id))


def visible_events(scope: TicketScope, ticket_ids: list[int]) -> Select[tuple[TicketEvent]]:
    """History events of the given tickets the scope may read, in the order they happened."""
    return (select(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.ticket_id.in_(ticket_ids), visible_tickets(scope),
                   or_(TicketEvent.visibility == Visibility.PUBLIC, shows_internal(scope)))
            .order_by(TicketEvent.ticket_id, TicketEvent.id))


def actor_for(principal: Principal, *, tenant_id: int, brick_id: int,
              assignee_id: int | None) -> Actor:
    """What the state machine needs to know about `principal` towards one ticket."""
    return Actor.of(principal, ticket_tenant_id=tenant_id,
                    is_assignee=assignee_id is not None and assignee_id == principal.user_id,
                    is_designated_expert=policy.is_designated_on(principal, brick_id))


def actor_on(principal: Principal, ticket: Ticket) -> Actor:
    return actor_for(principal, tenant_id=ticket.tenant_id, brick_id=ticket.brick_id,
                     assignee_id=ticket.assignee_id)
