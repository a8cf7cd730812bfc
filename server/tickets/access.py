"""Ticket visibility and expert coverage applied to SQL, and the caller's parties on one ticket.

tenants.policy decides what a principal may see and which designations cover a ticket; this module
is the one place that turns those decisions into WHERE clauses. Every read of tickets, comments and
history goes through it, and so do the takeable part of myQueue and routing's candidates, which
all use `coverage`, the SQL twin of policy.covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, False_, Select, True_, and_, false, or_, select, true

from server.tickets.models import Ticket, TicketComment, TicketEvent, Visibility
from tenants import policy
from tenants.context import ApprovalRule, Designation, Principal, TicketFacts, TicketPlace
from tenants.policy import Party, TicketScope

# One side of a coverage test: (brick, service, sub-service), each a known value or a column.
Place = tuple[Any, Any, Any]
TICKET_PLACE: Place = (Ticket.brick_id, Ticket.service_id, Ticket.sub_service_id)


def _known(x: Any) -> bool:
    """A value (an id, or None for "not at this level"), as opposed to a column."""
    return x is None or isinstance(x, int)


def _null(x: Any, *, negate: bool = False) -> ColumnElement[bool]:
    if _known(x):
        return true() if (x is None) is not negate else false()
    return x.is_not(None) if negate else x.is_(None)  # type: ignore[no-any-return]


def _equal(x: Any, y: Any) -> ColumnElement[bool]:
    if _known(x) and _known(y):
        return true() if x == y else false()
    return x == y  # type: ignore[no-any-return]


def _any(*clauses: ColumnElement[bool]) -> ColumnElement[bool]:
    """OR of the clauses with the known ones folded: no `false OR ...` in the SQL sent."""
    if any(isinstance(c, True_) for c in clauses):
        return true()
    left = [c for c in clauses if not isinstance(c, False_)]
    return or_(*left) if left else false()


def _all(*clauses: ColumnElement[bool]) -> ColumnElement[bool]:
    """AND of the clauses with the known ones folded."""
    if any(isinstance(c, False_) for c in clauses):
        return false()
    left = [c for c in clauses if not isinstance(c, True_)]
    return and_(*left) if left else true()


def coverage(designation: Place, ticket: Place = TICKET_PLACE) -> ColumnElement[bool]:
    """The condition "this designation covers this ticket's place", as policy.covers decides it.

    Either side may be values or columns: a principal's designations against ticket rows
    (visibility, myQueue), or designation rows against one ticket (routing). Known values fold
    away, so a brick designation against ticket rows is just `ticket.brick_id = :brick`.
    """
    d_brick, d_service, d_sub = designation
    t_brick, t_service, t_sub = ticket
    return _any(
        _all(_null(d_sub, negate=True), _equal(d_sub, t_sub)),
        _all(_null(d_sub), _null(d_service, negate=True), _equal(d_service, t_service)),
        _all(_null(d_sub), _null(d_service), _equal(d_brick, t_brick)),
    )


def covered(designations: Iterable[Designation]) -> ColumnElement[bool]:
    """Ticket rows one of the designations covers."""
    # A stable order keeps the statement's text, and so its cached plan, the same per caller.
    ordered = sorted(designations, key=lambda d: (d.brick_id, d.service_id or 0, d.sub_service_id or 0))
    clauses = [coverage((d.brick_id, d.service_id, d.sub_service_id)) for d in ordered]
    return _any(*clauses)


def _as_staff(scope: TicketScope) -> ColumnElement[bool]:
    if scope.all:
        return true()
    clauses = [covered(scope.designations)]
    if scope.assignee_id is not None:
        clauses.append(Ticket.assignee_id == scope.assignee_id)
    return _any(*clauses)


def visible_tickets(scope: TicketScope) -> ColumnElement[bool]:
    """The condition on `ticket` rows the scope may see (TicketScope.sees in SQL)."""
    school = Ticket.tenant_id.in_(sorted(scope.tenant_ids)) if scope.tenant_ids else false()
    return _any(school, _as_staff(scope))


def shows_internal(scope: TicketScope) -> ColumnElement[bool]:
    """The condition on `ticket` rows whose internal comments and events the scope may read."""
    return _as_staff(scope) if scope.internal_comments else false()


def readable(model: type[TicketComment] | type[TicketEvent],
             scope: TicketScope) -> ColumnElement[bool]:
    """The condition on comment or event rows joined to their ticket that the scope may read: on a
    ticket it sees, public ones, and internal ones where it reads them."""
    return and_(visible_tickets(scope),
                or_(model.visibility == Visibility.PUBLIC, shows_internal(scope)))


def visible_comments(scope: TicketScope, ticket_ids: list[int]) -> Select[TicketComment]:
    """Comments of the given tickets the scope may read, oldest first."""
    return (select(TicketComment)
            .join(Ticket, Ticket.id == TicketComment.ticket_id)
            .where(TicketComment.ticket_id.in_(ticket_ids), readable(TicketComment, scope))
            .order_by(TicketComment.ticket_id, TicketComment.id))


def visible_events(scope: TicketScope, ticket_ids: list[int]) -> Select[TicketEvent]:
    """History events of the given tickets the scope may read, in the order they happened."""
    return (select(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.ticket_id.in_(ticket_ids), readable(TicketEvent, scope))
            .order_by(TicketEvent.ticket_id, TicketEvent.id))


def facts_of(ticket: Any) -> TicketFacts:
    """What the policy needs of a ticket (a row, or anything with the same attributes)."""
    approval = getattr(ticket, "approval", None)
    return TicketFacts(tenant_id=ticket.tenant_id,
                       place=TicketPlace(ticket.brick_id, ticket.service_id, ticket.sub_service_id),
                       assignee_id=ticket.assignee_id,
                       approval=ApprovalRule.from_data((approval or {}).get("approvers")))


def parties_on(principal: Principal, ticket: Any) -> frozenset[Party]:
    """The parties `principal` plays on the ticket, as the policy says."""
    return policy.parties(principal, facts_of(ticket))
