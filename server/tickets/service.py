"""Opening a group ticket: check the caller, the catalogue entry and the input, then route it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Priority, Service, SubService
from server.db import hold, utcnow
from server.errors import NotFound, PermissionDenied, ValidationFailed
from server.identity.models import Tenant
from server.tickets.approval import approval_request
from server.tickets import assignment, followers, history, inserts, refs
from server.tickets.forms import form_errors
from server.tickets.models import LOCAL_REF_MAX, TEXT_MAX, TITLE_MAX, EventKind, Ticket
from server.tickets.workflow import TicketState
from server.validation import NAME_MAX, Checks
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _school_id(actor: Principal, on_behalf_of: int | None) -> int:
    """The id of the school the ticket is for: the caller's own, or the one operations acts for."""
    if on_behalf_of is not None:
        return on_behalf_of
    if policy.is_operations(actor):
        raise ValidationFailed({"onBehalfOf": Message("the operations centre opens tickets on behalf "
                                                      "of a school: give the school")})
    return actor.tenant_id


# Built once, bound at each opening.
_SCHOOL_AND_ENTRY = (
    select(Tenant, SubService, Service, Brick).select_from(Tenant)
    .outerjoin(SubService, SubService.id == bindparam("sub_service_id"))
    .outerjoin(Service, Service.id == SubService.service_id)
    .outerjoin(Brick, Brick.id == Service.brick_id)
    .where(Tenant.id == bindparam("school_id")))


async def _school_and_entry(session: AsyncSession, school_id: int, sub_service_id: int
                            ) -> tuple[Tenant, SubService | None, Service | None, Brick | None]:
    """The school and the sub-service with its service and brick, in one statement."""
    row = (await session.execute(_SCHOOL_AND_ENTRY, {"school_id": school_id,
                                                      "sub_service_id": sub_service_id})).first()
    if row is None:
        raise NotFound("school", school_id)
    tenant, sub, service, brick = row
    return tenant, sub, service, brick


def _check_school(actor: Principal, tenant: Tenant) -> None:
    """The caller may open tickets for this school, and the school is active."""
    if not policy.may_open_tickets_for(actor, tenant.id, tenant.kind):
        raise PermissionDenied(_why_not_opening(actor, tenant))
    if not tenant.active:
        raise ValidationFailed({"onBehalfOf": Message("{name} is deactivated", name=tenant.name)})


def _why_not_opening(actor: Principal, tenant: Tenant) -> Message:
    """The refusal in terms of what the caller can change: the school named, or the role missing."""
    if policy.is_operations(actor):
        return Message("onBehalfOf names {name}, which is not a school: the operations centre opens "
                       "tickets on behalf of a school, give that school's id in onBehalfOf", name=tenant.name)
    if tenant.id != actor.tenant_id:
        return Message("school support opens tickets for its own school only")
    return Message("opening a ticket needs a school support role (school-agent or school-manager) at a "
                   "school, or the operations role at the operations centre")


def _catalogue_entry(checks: Checks, sub_service_id: int, sub: SubService | None,
                     service: Service | None, brick: Brick | None) -> tuple[SubService, Service, Brick]:
    """The sub-service with its service and brick, open to new tickets."""
    if sub is None or service is None or brick is None:
        raise NotFound("sub-service", sub_service_id)
    inactive = [f"{kind} {name!r}" for kind, name, active in (
        ("brick", brick.name, brick.active), ("service", service.name, service.active),
        ("sub-service", sub.name, sub.active)) if not active]
    if inactive:
        checks.add("subServiceId", Message("no new tickets on a deactivated catalogue entry: {entries}",
                                           entries=", ".join(inactive)))
    return sub, service, brick


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
    school, found_sub, found_service, found_brick = await _school_and_entry(
        session, _school_id(actor, on_behalf_of_tenant_id), sub_service_id)
    _check_school(actor, school)
    checks = Checks()
    sub, service, brick = _catalogue_entry(checks, sub_service_id, found_sub, found_service, found_brick)
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
        tenant_id=school.id, opened_by_id=actor.user_id,
        sub_service_id=sub.id, service_id=service.id, brick_id=brick.id,
        title=title.strip(), description=description or "", priority=chosen, state=state,
        request_data=data, local_ref=_blank_to_none(local_ref),
        requester_name=_blank_to_none(requester_name),
        requester_email=_blank_to_none(requester_email), escalation_level=0, version=1,
        created_at=now, updated_at=now, approval=approval_request(sub, data),
    )
    # Every read comes first: routing's choice, then what the followers will need (their
    # preparations), before anything is written.
    decision, expert = (await assignment.decide(session, ticket) if state is TicketState.NEW
                        else (None, None))
    if decision is not None:
        assignment.assign(ticket, decision, at=now)
        hold(session, expert)  # the followers and the answer name the assignee: no read again
    await followers.prepare_opening(session, ticket)
    # The counter row is the one row every opening contends for, and the expert's load row is
    # shared by every opening of their bricks. On PostgreSQL the last statement takes the number
    # and writes the assignment, once the ticket (as it was queued) and what follows from it are
    # written under a provisional ref; SQLite has one writer at a time, and writes them now.
    last = refs.settles_last(session)
    ticket.ref = refs.provisional() if last else await refs.next_ref(session, year=now.year)
    assigned_last = last and decision is not None
    await inserts.insert_ticket(session, ticket, queued_as=state if assigned_last else None)
    async with history.together(session):  # OPENED and ROUTED: one INSERT, then their followers
        await history.record(session, ticket, EventKind.OPENED, actor=actor, at=now, data={
            "ref": ticket.ref, "state": state.value, "priority": chosen.value,
            "school_id": school.id, "on_behalf": school.id != actor.tenant_id,
        })
        if state is TicketState.NEW:
            await assignment.record_routing(session, ticket, decision, before=state, at=now)
    if last:
        await refs.settle(session, ticket, year=now.year, assigned=assigned_last)
    del brick
    return ticket
