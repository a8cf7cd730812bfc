"""Opening and working demo tickets for the notification tests, and reading what a mail says."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from server.tickets import actions
from server.tickets import service as tickets
from server.tickets.models import Ticket
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    principal,
    sub_service_id,
)

ROOM_CONFLICT = ("ade", "Room bookings", "Booking conflict")   # nobody designated: queued
ROOM_REQUEST = {"room": "Amphi Capelle", "day": "2026-12-14"}


async def email_of(session: AsyncSession, username: str) -> str:
    found = await session.scalar(select(User.email).where(User.username == username))
    assert found is not None, username
    return found


async def open_account_ticket(session: AsyncSession, username: str, **extra: object) -> Ticket:
    """A Lyon ticket on Scenari account creation: routed at once to the Rouen expert."""
    return await tickets.open_ticket(
        session, actor=await principal(session, username),
        sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
        title="Compte auteur pour <Élise> & co", request_data=ACCOUNT_REQUEST, **extra)  # type: ignore[arg-type]


async def act(session: AsyncSession, username: str, ticket: Ticket, action: str, **extra: object) -> Ticket:
    return await actions.perform(session, actor=await principal(session, username), ticket_id=ticket.id,
                                 action=action, expected_version=None, **extra)  # type: ignore[arg-type]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]
