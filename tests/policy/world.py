"""The data the policy matrix acts on: one user per role at INSA Lyon and at INSA Rennes, Lyon's tickets
and API token, and the catalogue entries the administration operations touch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.catalog.models import Brick, Service, SubService
from server.identity.api_tokens import create_api_token
from server.identity.models import ExpertDesignation, Tenant, User
from server.notify.models import Notification
from server.tickets import service as tickets
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState
from tenants.context import Role
from tests.support.principals import principal

# Every role, and the anonymous caller; the matrix has one row per entry.
ROLES = ("group-admin", "operations", "school-manager", "school-agent", "desk-integration", "expert",
         "anonymous")
OWN, OTHER = "own school", "other school"
# Group-level roles have no school of their own: both columns use the same user.
GROUP_LEVEL = {"group-admin": "valentine.orsembaud", "operations": "xaviere.lamboulin"}
SCHOOL_ROLES = ("school-manager", "school-agent", "desk-integration", "expert")
# Written into Lyon's tickets: no refusal sent to another school may contain it.
MARKER = "lyon-only-7f3c"
ACCOUNT_REQUEST = {"account_email": "new.author@insa-lyon.example.org", "platform": "scenari-pedagogie",
                   "role": "author"}
ROLE_REQUEST = {"account_email": "lead@insa-lyon.example.org", "platform": "scenari-pedagogie",
                "new_role": "publisher"}


def matrix_username(role: str, column: str) -> str | None:
    """The demo or matrix user playing `role` for the column; None for the anonymous caller."""
    if role == "anonymous":
        return None
    if role in GROUP_LEVEL:
        return GROUP_LEVEL[role]
    return f"matrix.{role}.{'lyon' if column == OWN else 'rennes'}"


def gid(type_name: str, ident: int) -> str:
    return relay.to_base64(type_name, ident)


@dataclass
class World:
    lyon: str
    ticket: str
    ticket_id: int
    ticket_ref: str
    approval: str
    approval_id: int
    approval_ref: str
    brick: str
    other_brick: str
    service: str
    sub_service: str
    designation: str
    expert: str
    other_expert: str
    api_token: str
    api_token_prefix: str
    # A person of Lyon who is no expert (the users list shows them only to those who list Lyon).
    person: str
    rennes: str
    # The Lyon manager's notification that the approval request waits for them.
    notification: str = ""
    version: int = 1

    @property
    def secrets(self) -> tuple[str, ...]:
        """What only Lyon and the group may learn."""
        return (MARKER, self.ticket_ref, self.approval_ref, self.api_token_prefix)


async def _id(session: AsyncSession, stmt) -> int:
    found = await session.scalar(stmt)
    assert found is not None, str(stmt)
    return found


async def _add_users(session: AsyncSession) -> dict[str, User]:
    tenants = {t.slug: t for t in await session.scalars(select(Tenant))}
    users: dict[str, User] = {}
    for role in SCHOOL_ROLES:
        for column, slug in ((OWN, "insa-lyon"), (OTHER, "insa-rennes")):
            name = matrix_username(role, column)
            assert name is not None
            users[name] = User(tenant_id=tenants[slug].id, issuer="urn:groupdesk:local", subject=name,
                               username=name, email=None, display_name=name, role_names=[role],
                               active=True, technical=role == Role.DESK_INTEGRATION.value)
    session.add_all(users.values())
    await session.flush()
    return users


async def build_world(session: AsyncSession) -> World:
    """Create the matrix users and Lyon's data inside the test's transaction."""
    users = await _add_users(session)
    bricks = {b.code: b for b in await session.scalars(select(Brick))}
    service_id = await _id(session, select(Service.id).where(
        Service.brick_id == bricks["scenari"].id, Service.name == "Account management"))
    account_creation = await _id(session, select(SubService.id).where(
        SubService.service_id == service_id, SubService.name == "Account creation"))
    role_change = await _id(session, select(SubService.id).where(
        SubService.service_id == service_id, SubService.name == "Role change"))
    # The Lyon expert covers the ticket's brick; the Rennes expert another brick only.
    lyon_expert, rennes_expert = users["matrix.expert.lyon"], users["matrix.expert.rennes"]
    designation = ExpertDesignation(user_id=lyon_expert.id, brick_id=bricks["scenari"].id,
                                    scope=ExpertDesignation.scope_of(bricks["scenari"].id, None, None))
    session.add_all([designation, ExpertDesignation(
        user_id=rennes_expert.id, brick_id=bricks["visio"].id,
        scope=ExpertDesignation.scope_of(bricks["visio"].id, None, None))])
    await session.flush()

    agent = await principal(session, "matrix.school-agent.lyon")
    ticket = await tickets.open_ticket(session, actor=agent, sub_service_id=account_creation,
                                       title=f"Account for {MARKER}", request_data=ACCOUNT_REQUEST)
    approval = await tickets.open_ticket(session, actor=agent, sub_service_id=role_change,
                                         title=f"Publisher rights for {MARKER}", request_data=ROLE_REQUEST)
    lyon = await _id(session, select(Tenant.id).where(Tenant.slug == "insa-lyon"))
    token, _ = await create_api_token(session, actor=await principal(session, "valentine.orsembaud"),
                                      tenant_id=lyon, name="matrix", purpose="DESK")
    celeste = await _id(session, select(User.id).where(User.username == "celeste.morvandieu"))
    notification = await _id(session, select(Notification.id).where(
        Notification.user_id == users["matrix.school-manager.lyon"].id,
        Notification.ticket_id == approval.id))
    rennes = await _id(session, select(Tenant.id).where(Tenant.slug == "insa-rennes"))
    await session.commit()
    return World(
        lyon=gid("Tenant", lyon), ticket=gid("Ticket", ticket.id), ticket_id=ticket.id,
        ticket_ref=ticket.ref, approval=gid("Ticket", approval.id), approval_id=approval.id,
        approval_ref=approval.ref, brick=gid("Brick", bricks["scenari"].id),
        other_brick=gid("Brick", bricks["partage"].id), service=gid("Service", service_id),
        sub_service=gid("SubService", account_creation), designation=gid("ExpertDesignation", designation.id),
        expert=gid("User", lyon_expert.id), other_expert=gid("User", celeste),
        api_token=gid("ApiToken", token.id), api_token_prefix=token.prefix,
        notification=gid("Notification", notification),
        person=gid("User", users["matrix.school-agent.lyon"].id), rennes=gid("Tenant", rennes),
    )


async def put_ticket_in(session: AsyncSession, world: World, state: TicketState) -> None:
    """Arrange Lyon's ticket in `state`, worked by the Lyon expert, as earlier actions would have."""
    expert = await _id(session, select(User.id).where(User.username == "matrix.expert.lyon"))
    queued = state in (TicketState.NEW, TicketState.APPROVED)
    resolved = dt.datetime.now(dt.UTC) if state is TicketState.RESOLVED else None
    await session.execute(update(Ticket).where(Ticket.id == world.ticket_id).values(
        state=state, assignee_id=None if queued else expert, resolved_at=resolved))
    world.version = await _id(session, select(Ticket.version).where(Ticket.id == world.ticket_id))
    await session.commit()
