"""Who may hear of a live message: the access policy applied to the facts a message carries.

The same rules as the queries, from their one owner (tenants/policy.py), evaluated in Python per
event and per subscriber, without a query: server/tickets/access.py turns these rules into SQL for
reads, this module applies them to the ticket as the commit left it. `in_queue` is myQueue's
condition (server/tickets/queue.py) and `matches` a ticket list's filter (server/tickets/listing.py)
on one ticket; tests/live/test_visibility_agreement.py checks both agree with their SQL.
"""

from __future__ import annotations

from typing import Any

from server.live.messages import LiveTicketFacts
from server.tickets.listing import TicketFilter
from server.tickets.workflow import OPEN_STATES, QUEUED_STATES
from tenants import policy
from tenants.context import Principal
from tenants.policy import TicketScope

_OPEN = frozenset(s.value for s in OPEN_STATES)
_QUEUED = frozenset(s.value for s in QUEUED_STATES)


def sees(p: Principal, facts: LiveTicketFacts, scope: TicketScope | None = None) -> bool:
    """Whether `p` may see the ticket (policy.ticket_scope, as every ticket query applies it);
    `scope`, when given, is `policy.ticket_scope(p)` computed once for many events."""
    return (scope or policy.ticket_scope(p)).sees(facts.policy_facts())


def reads_internal(p: Principal, facts: LiveTicketFacts, scope: TicketScope | None = None) -> bool:
    """Whether `p` reads the ticket's internal comments and events."""
    return (scope or policy.ticket_scope(p)).sees_internal(facts.policy_facts())


def in_queue(p: Principal, facts: LiveTicketFacts, scope: TicketScope | None = None) -> bool:
    """Whether the ticket is in `p`'s myQueue: theirs and open, or queued on what they cover."""
    if not sees(p, facts, scope):
        return False
    if facts.assignee_id == p.user_id and facts.state in _OPEN:
        return True
    return facts.state in _QUEUED and policy.covers_ticket(p, facts.policy_facts().place)


def _within(value: object, allowed: frozenset[Any]) -> bool:
    return not allowed or value in allowed


def matches(f: TicketFilter, facts: LiveTicketFacts) -> bool:
    """Whether the ticket passes the filter (every field but `text`, which needs the index)."""
    # States and priorities are StrEnums: their members hash and compare as their values.
    if not (_within(facts.state, f.states) and _within(facts.tenant_id, f.tenant_ids)
            and _within(facts.brick_id, f.brick_ids) and _within(facts.service_id, f.service_ids)
            and _within(facts.sub_service_id, f.sub_service_ids) and _within(facts.priority, f.priorities)):
        return False
    if f.assignee_ids and facts.assignee_id not in f.assignee_ids:
        return False
    if f.unassigned is not None and (facts.assignee_id is None) is not f.unassigned:
        return False
    if f.escalated is not None and (facts.escalation_level > 0) is not f.escalated:
        return False
    if f.min_escalation_level is not None and facts.escalation_level < f.min_escalation_level:
        return False
    for value, lower, upper in ((facts.created_at, f.created_after, f.created_before),
                                (facts.updated_at, f.updated_after, f.updated_before)):
        if (lower is not None and value < lower) or (upper is not None and value >= upper):
            return False
    return True
