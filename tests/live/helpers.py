"""Ticket changes made by the services, as a user, each in its own committed transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import writer_session
from server.tickets import actions, comments, service
from server.tickets.models import Ticket, Visibility
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, gid, principal, sub_service_id, user_id

TICKET_EVENTS = """subscription($id: ID!) { ticketEvents(ticketId: $id) {
  id kind visibility data actor { username } } }"""
QUEUE_EVENTS = "subscription { myQueueEvents { ticketId version change state eventKind ticket { ref } } }"
TICKETS_CHANGED = """subscription($filter: TicketFilter) { ticketsChanged(filter: $filter) {
  ticketId version change state eventKind } }"""
MIRROR_CHANGED = """subscription($id: ID!) { ticketMirrorChanged(ticketId: $id) {
  status remoteRef lastError desk ticket { id } } }"""
NOTIFICATIONS = "subscription { notificationReceived { notificationId kind ticketId } }"


class Desk:
    """Acts on tickets through the services, as the named demo users."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def open(self, username: str, path: tuple[str, str, str] = ACCOUNT_CREATION,
                   title: str = "Live", request: dict[str, Any] | None = None) -> Ticket:
        async with writer_session(self.sessions) as session:
            return await service.open_ticket(
                session, actor=await principal(session, username),
                sub_service_id=await sub_service_id(session, path), title=title, description="d",
                request_data=request if request is not None else ACCOUNT_REQUEST)

    async def comment(self, username: str, ticket_id: int, body: str, *, internal: bool = False) -> None:
        async with writer_session(self.sessions) as session:
            await comments.add_comment(session, actor=await principal(session, username), ticket_id=ticket_id,
                                       body=body,
                                       visibility=Visibility.INTERNAL if internal else Visibility.PUBLIC)

    async def act(self, username: str, ticket_id: int, action: str, *, assignee: str | None = None,
                  reason: str | None = None, solution: str | None = None) -> Ticket:
        async with writer_session(self.sessions) as session:
            return await actions.perform(
                session, actor=await principal(session, username), ticket_id=ticket_id, action=action,
                expected_version=None, reason=reason, solution=solution,
                assignee_id=await user_id(session, assignee) if assignee else None)

    async def user_id(self, username: str) -> int:
        async with self.sessions() as session:
            return await user_id(session, username)


def ticket_gid(ticket: Ticket) -> str:
    return gid("Ticket", ticket.id)


async def heard(watcher: Any, ticket: Ticket) -> None:
    """Return once `watcher`, a socket listening to every ticket list as operation "all"
    (TICKETS_CHANGED, subscribed before the changes), has heard `ticket` at its version: the hub
    has then routed every message committed before it (commits reach it in order), and a
    subscription made now hears only what comes next."""
    while True:
        change = (await watcher.next("all"))["ticketsChanged"]
        if change["ticketId"] == ticket_gid(ticket) and change["version"] >= ticket.version:
            return
