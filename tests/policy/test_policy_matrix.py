"""Every role x every GraphQL operation x own school / other school: what is allowed, what is refused,
and that a refusal changes nothing and tells another school nothing it did not already know."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

import schema
from schema.compiled import fallback
from schema.context import Context
from server.config import Settings
from server.live.bus import EmbeddedBus
from server.live.hub import LiveHub
from server.live.messages import LiveEventRef, MirrorChanged, NotificationPosted, TicketChanged
from server.live.publish import facts_of
from server.tickets.models import Ticket, TicketEvent
from tenants.context import Role
from tests.policy.operations import (
    DENIED,
    HIDDEN,
    NOT_ALLOWED,
    OK,
    OPERATIONS,
    UNAUTHENTICATED,
    Kind,
    Operation,
)
from tests.policy.world import OTHER, OWN, ROLES, World, build_world, matrix_username, put_ticket_in
from tests.support.principals import principal

PROBLEMS = {"PermissionDenied": DENIED, "NotFound": HIDDEN, "ActionNotAllowed": NOT_ALLOWED}
REFUSALS = {DENIED, HIDDEN, NOT_ALLOWED}
# What a refusal must leave as it was.
FINGERPRINT = [
    "SELECT id, state, version, priority, escalation_level, assignee_id FROM ticket ORDER BY id",
    "SELECT count(*) FROM ticket_comment",
    "SELECT count(*) FROM ticket_event",
    "SELECT id, name, description, active FROM brick ORDER BY id",
    "SELECT id, name, description, active FROM service ORDER BY id",
    "SELECT id, name, description, active FROM sub_service ORDER BY id",
    "SELECT id, user_id, scope FROM expert_designation ORDER BY id",
    "SELECT id, revoked_at FROM api_token ORDER BY id",
    "SELECT id, kind, url, credential_refs FROM desk_setting ORDER BY id",
    "SELECT id, status, attempts, remote_ref, next_attempt_at FROM mirror ORDER BY id",
    "SELECT count(*) FROM inbound_event",
    "SELECT id, user_id, read_at FROM notification ORDER BY id",
    "SELECT user_id, digest FROM notification_preference ORDER BY user_id",
    "SELECT id, tenant_id, roles, active FROM user_account ORDER BY id",
    "SELECT count(*) FROM audit_event",
]


def test_every_operation_has_a_row() -> None:
    built = schema.build_schema()._schema
    roots = {kind: built.get_type(kind.value) for kind in Kind}
    in_schema = {(kind, name) for kind, root in roots.items() for name in root.fields}  # type: ignore[union-attr]
    in_table = {(op.kind, name) for name, op in OPERATIONS.items()}
    assert in_schema - in_table == set(), "operations without a row in tests/policy/operations.py"
    assert in_table - in_schema == set(), "rows for operations that no longer exist"


def test_every_role_has_a_row() -> None:
    assert set(ROLES) == {role.value for role in Role} | {"anonymous"}
    assert all(set(op.expect) == set(ROLES) for op in OPERATIONS.values())


def outcome(body: dict[str, Any], name: str, world: World) -> str:
    """Classify an answer: ok, a kind of refusal, or the unexpected answer itself (fails the matrix)."""
    errors = body.get("errors") or []
    if errors and errors[0].get("extensions", {}).get("code") == "UNAUTHENTICATED":
        return UNAUTHENTICATED
    if errors or body.get("data") is None:
        return f"unexpected {body}"
    value = body["data"][name]
    if name in ("tickets", "myQueue"):
        return OK if world.ticket in {e["node"]["id"] for e in value["edges"]} else HIDDEN
    if name == "notifications":  # the Lyon manager's notification, in the caller's own bell
        return OK if world.notification in {e["node"]["id"] for e in value["edges"]} else HIDDEN
    if name == "users":
        return OK if world.person in {e["node"]["id"] for e in value["edges"]} else HIDDEN
    if name == "auditEvents":
        return OK if value["edges"] else HIDDEN
    if name == "mirrors":  # Lyon's ticket has a mirror: its school has a desk
        shown = {(e["node"]["ticket"] or {}).get("id") for e in value["edges"]}
        return OK if world.ticket in shown else HIDDEN
    if value is None or value == []:
        return HIDDEN
    if isinstance(value, dict) and "__typename" in value and "message" in value:
        return PROBLEMS.get(value["__typename"], f"unexpected {value}")
    return OK


class Matrix:
    def __init__(self, client: httpx.AsyncClient, token_for: Any, connection: AsyncConnection,
                 sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.client = client
        self.token_for = token_for
        self.connection = connection
        self.sessions = sessions
        self.settings = settings
        self.world: World | None = None

    async def call(self, op: Operation, name: str, username: str | None,
                   variables: dict[str, Any]) -> dict[str, Any]:
        if op.kind is Kind.SUBSCRIPTION:
            return await self.subscribe(op, name, username, variables)
        headers = {"Authorization": f"Bearer {self.token_for(username)}"} if username else {}
        body = {"query": op.document, "variables": variables}
        response = await self.client.post("/graphql", json=body, headers=headers)
        if op.kind is Kind.QUERY:
            # Sent again: a query the first request compiled is now served by the known path
            # (schema.known_path), which must answer exactly the same.
            again = await self.client.post("/graphql", json=body, headers=headers)
            assert (again.status_code, again.content) == (response.status_code, response.content), \
                f"{name}: the known path answered otherwise"
        return response.json()

    async def subscribe(self, op: Operation, name: str, username: str | None,
                        variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Subscriptions run in-process (the WebSocket transport has its own tests)."""
        async with self.sessions() as session:
            caller = await principal(session, username) if username else None
        # Read before the subscription runs: it shares the test's one connection.
        news = await self.news(op, caller) if op.live is not None and caller is not None else []
        hub = LiveHub(EmbeddedBus(), self.sessions, capacity=8)
        context = Context(settings=self.settings, sessions=self.sessions, principal=caller, live=hub)
        stream = await schema.build_schema().subscribe(op.document, context_value=context,
                                                       variable_values=variables)
        if op.live is not None:
            try:
                return await self.live_outcome(name, stream, hub, news)
            finally:
                await stream.aclose()
                await hub.stop()
        async for result in stream:
            await stream.aclose()
            return {"data": result.data, "errors": [e.formatted for e in result.errors or []]}
        raise AssertionError("the subscription yielded nothing")

    async def live_outcome(self, name: str, stream: Any, hub: LiveHub, news: list[Any]) -> dict[str, Any]:
        """Publish news of Lyon's ticket once the subscription listens: its first result, or
        hidden once it has read the news and passed over it."""
        first = asyncio.ensure_future(anext(stream))
        listening = asyncio.ensure_future(hub.subscribed.wait())
        await asyncio.wait({first, listening}, return_when=asyncio.FIRST_COMPLETED)
        listening.cancel()
        if not first.done():
            [subscriber] = hub.subscribers()
            # A message the subscriber takes clears `idle`; one refused as it is routed leaves it as it
            # was: either way `idle` is set once the subscription has nothing more to say.
            hub.dispatch(news)
            passed = asyncio.ensure_future(subscriber.idle.wait())
            await asyncio.wait({first, passed}, return_when=asyncio.FIRST_COMPLETED)
            passed.cancel()
            if not first.done():
                first.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await first
                return {"data": {name: None}}
        result = first.result()
        errors = [e.formatted for e in result.errors or []]
        if errors and errors[0].get("extensions", {}).get("code") == "BAD_USER_INPUT":
            return {"data": {name: None}}  # what a missing ticket gets
        return {"data": result.data, "errors": errors}

    async def news(self, op: Operation, caller: Any) -> list[Any]:
        async with self.sessions() as session:
            assert self.world is not None
            ticket = await session.get(Ticket, self.world.ticket_id)
            assert ticket is not None
            event_id = await session.scalar(select(TicketEvent.id).where(TicketEvent.ticket_id == ticket.id)
                                            .order_by(TicketEvent.id).limit(1))
            facts = facts_of(ticket)
        if op.live == "notification":
            return [NotificationPosted(user_id=caller.user_id, notification_id=1, kind="ticket.assigned",
                                       ticket_id=ticket.id, ticket=facts)]
        if op.live == "mirror":
            return [MirrorChanged(ticket_id=ticket.id, ticket=facts)]
        return [TicketChanged(ticket_id=ticket.id, version=ticket.version, after=facts, before=None,
                              events=(LiveEventRef(event_id, "OPENED", False),))]

    async def fingerprint(self) -> list[Any]:
        return [(await self.connection.execute(text(sql))).all() for sql in FINGERPRINT]

    async def case(self, op: Operation, name: str, world: World, role: str, column: str,
                   before: list[Any]) -> list[str]:
        """Run one cell in a savepoint rolled back afterwards; return what went wrong, if anything.

        `before` is the data every cell starts from (each one is rolled back)."""
        self.world = world
        expected = op.expect[role][0 if column == OWN else 1]
        username = matrix_username(role, column)
        target = op.target(world) if op.target else ""
        savepoint = await self.connection.begin_nested()
        try:
            body = await self.call(op, name, username, op.variables(world, target))
            got = outcome(body, name, world)
            problems = [] if got == expected else [f"{name} by {role} ({column}): expected {expected}, got {got}"]
            if got in REFUSALS and await self.fingerprint() != before:
                problems.append(f"{name} by {role} ({column}): refused but changed data")
        finally:
            await savepoint.rollback()
        if column == OTHER and got in {DENIED, HIDDEN}:
            problems += await self.reveals_nothing(op, name, world, role, username, body)
        return problems

    async def reveals_nothing(self, op: Operation, name: str, world: World, role: str,
                              username: str | None, body: dict[str, Any]) -> list[str]:
        """Another school's refusal holds none of Lyon's data and reads as if the object were missing."""
        shown = json.dumps(body)
        leaks = [secret for secret in world.secrets if secret in shown]
        problems = [f"{name} by {role} (other school) reveals {leaks}"] if leaks else []
        if op.missing is not None and op.target is not None:
            savepoint = await self.connection.begin_nested()
            try:
                missing = await self.call(op, name, username, op.variables(world, op.missing))
            finally:
                await savepoint.rollback()
            if _shape(body) != _shape(missing):
                problems.append(f"{name} by {role} (other school): {body} differs from a missing object's "
                                f"{missing}")
        return problems


def _shape(body: dict[str, Any]) -> str:
    """An answer with its numbers blanked: ids differ between the real and the missing object."""
    return re.sub(r"\d+", "#", json.dumps(body, sort_keys=True))


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build_world(session)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_policy_matrix(name: str, world: World, session: AsyncSession, client: httpx.AsyncClient,
                             token_for: Any, connection: AsyncConnection,
                             sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    op = OPERATIONS[name]
    if op.ticket_state is not None:
        await put_ticket_in(session, world, op.ticket_state)
    matrix = Matrix(client, token_for, connection, sessions, settings)
    before = await matrix.fingerprint()
    served = known_path_served()
    problems = [problem for role in ROLES for column in (OWN, OTHER)
                for problem in await matrix.case(op, name, world, role, column, before)]
    assert not problems, "\n".join(problems)
    if name in COMPILED_READS:  # every authenticated cell's second request took the known path
        assert known_path_served() - served >= sum(role != "anonymous" for role in ROLES) * 2


# The reads the planner compiles (tests/compiled/test_fallback.py).
COMPILED_READS = {"tickets", "myQueue", "ticket", "ticketByRef", "node"}


def known_path_served() -> float:
    return fallback.REGISTRY.get_sample_value("groupdesk_graphql_known_path_operations_total",
                                              {"outcome": "served"}) or 0.0
