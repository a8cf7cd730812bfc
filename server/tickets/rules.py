"""The rules tickets follow (routing, the workflow), as the API serves them to those who may read them."""

from __future__ import annotations

from server.tickets import routing, workflow
from tenants import policy
from tenants.context import Principal


def routing_rules(viewer: Principal) -> list[str]:
    """How a new ticket's expert is chosen, in order; nothing for a caller without shared data."""
    return list(routing.RULES) if policy.may_read_shared_data(viewer) else []


def workflow_rules(viewer: Principal) -> list[str]:
    """The state machine's table, one line per transition; nothing for a caller without shared data."""
    return workflow.describe_rules() if policy.may_read_shared_data(viewer) else []
