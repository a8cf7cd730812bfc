"""Opening a group ticket: check the caller, the catalogue entry and the input, then route it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Priority, Service, SubService
from server.db import utcnow
from server.errors import NotFound, PermissionDenied, ValidationFailed
from server.identity.models import Tenant
from server.tickets.approval import approval_request
from server.tickets import assignment, history
from server.tickets.forms import form_errors
from server.tickets.models import LOCAL_REF_MAX, TEXT_MAX, TITLE_MAX, EventKind, Ticket
from server.tickets.refs import next_ref
from server.tickets.workflow import TicketState
from server.validation import NAME_MAX, Checks
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def _school_for(session: AsyncSession, actor: Principal, on_behalf_of: int | None) -> Tenant:
    """The school the ticket is for: the caller's own, or the one operations acts for."""
    if on_behalf_of is None:
        if policy.is_operations(actor):
            raise ValidationFailed({"onBehalfOf": Message("the operations centre opens tickets on behalf "
                                                          "of a school: give the school")})
        on_behalf_of = actor.tenant_id
    tenant = await session.get(Tenant, on_behalf_of)
    if tenant is None:
        raise NotFound("school", on_behalf_of)
    if not policy.may_open_tickets_for(actor, tenant.id, tenant.kind):
        raise PermissionDenied(_why_not_opening(actor, tenant))
    if not tenant.active:
        raise ValidationFailed({"onBehalfOf": Message("{name} is deactivated", name=tenant.name)})
    return tenant


def _why_not_opening(actor: Principal, tenant: Tenant) -> Message:
    """The refusal in terms of what the caller can change: the school named, or the role missing."""
    if policy.is_operations(actor):
        return Message("onBehalfOf names {name}, which is not a school: the operations centre opens "
                       "tickets on behalf of a school, give that school's id in onBehalfOf", name=tenant.name)
    if tenant.id != actor.tenant_id:
        return Message("school support opens tickets for its own school only")
    return Message("opening a ticket needs a school support role (school-agent or school-manager) at a "
                   "school, or the operations role at the operations centre")


async def _catalogue_entry(session: AsyncSession, checks: Checks,
                           sub_service_id: int) -> tuple[SubService, Service]:
    sub = await session.get(SubService, sub_service_id)
    if sub is None:
        raise NotFound("sub-service", sub_service_id)
    service = await session.get(Service, sub.service_id)
    brick = await session.get(Brick, service.brick_id) if service is not None else None
    assert service is not None and brick is not None
    inactive = [f"{kind} {name!r}" for kind, name, active in (
        ("brick", brick.name, brick.active), ("service", service.name, service.active),
        ("sub-service", sub.name, sub.active)) if not active]
    if inactive:
        checks.add("subServiceId", Message("no new tickets on a deactivated catalogue entry: {entries}",
                                           entries=", ".join(inactive)))
    return sub, service


def _priority(checks: Checks, value: Priority | str | None, default: Priority) -> Priority:
    if value is None:
        return default
    try:
        return Priority(value)
    except ValueError:
        checks.add("priority", Message("must be one of {values}", values=", ".join(p.value for p in Priority)))
        return default


def _contact_checks(checks: Checks, local_ref: str | None, requester_name: str | None,
                    requester_email: str | None) -> None:
    checks.text("localRef", local_ref, max_len=LOCAL_REF_MAX, required=False)
    checks.text("requesterName", requester_name, max_len=NAME_MAX, required=False)
    if requester_email is not None and requester_email.strip():
        if len(requester_email) > 320 or not EMAIL.match(requester_email.strip()):
            checks.add("requesterEmail", Message("not an e-mail address"))


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value is not None and value.strip() else None


async def open_ticket(session: AsyncSession, *, actor: Principal, sub_service_id: int, title: str,
                      description: str = "", priority: Priority | str | None = None,
                      request_data: dict[str, Any] | None = None, local_ref: str | None = None,
                      requester_name: str | None = None, requester_email: str | None = None,
                      on_behalf_of_tenant_id: int | None = None) -> Ticket:
    """Open a ticket on a sub-service for a school; it is routed (or awaits approval) at once."""
    school = await _school_for(session, actor, on_behalf_of_tenant_id)
    checks = Checks()
    sub, service = await _catalogue_entry(session, checks, sub_service_id)
    checks.text("title", title, max_len=TITLE_MAX)
    checks.text("description", description, max_len=TEXT_MAX, required=False)
    _contact_checks(checks, local_ref, requester_name, requester_email)
    chosen = _priority(checks, priority, sub.default_priority)
    data = {} if request_data is None else request_data
    checks.errors += form_errors(sub.form, data)
    checks.done()

    now = utcnow()
    state = TicketState.WAITING_FOR_APPROVAL if sub.requires_approval else TicketState.NEW
    ticket = Ticket(
        ref=await next_ref(session, year=now.year), tenant_id=school.id, opened_by_id=actor.user_id,
        sub_service_id=sub.id, service_id=service.id, brick_id=service.brick_id,
        title=title.strip(), description=description or "", priority=chosen, state=state,
        request_data=data, local_ref=_blank_to_none(local_ref),
        requester_name=_blank_to_none(requester_name),
        requester_email=_blank_to_none(requester_email), escalation_level=0, version=1,
        created_at=now, updated_at=now, approval=approval_request(sub, data),
    )
    session.add(ticket)
    await session.flush()
    await history.record(session, ticket, EventKind.OPENED, actor=actor, data={
        "ref": ticket.ref, "state": state.value, "priority": chosen.value,
        "school_id": school.id, "on_behalf": school.id != actor.tenant_id,
    })
    if state is TicketState.NEW:
        await assignment.route(session, ticket)
    return ticket
