"""An opening costs a bounded number of SQL statements (at most 14, 13 on PostgreSQL),
authentication and followers included.

Counted with the followers registered today (the mirror's outbox), on a school with a desk.
"""

from __future__ import annotations

from typing import Any

from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, LYON_AGENT, gid, sub_service_id
from tests.tickets.test_statement_count import compiled_anew, counting

OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { ref state assignee { username } } } }"""
# PostgreSQL also sends the live updates' NOTIFY, and takes the ref in its last statement; SQLite
# writes the outbox rows and the new mirror in two statements, the notifications and mails in two.
LIMIT = {"postgres": 13, "sqlite": 14}


async def _open(client: Any, token: str, sub: str) -> dict[str, Any]:
    inp = {"subServiceId": sub, "title": "New author", "requestData": ACCOUNT_REQUEST}
    response = await client.post("/graphql", json={"query": OPEN, "variables": {"input": inp}},
                                 headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["openTicket"]["__typename"] == "Ticket", body
    return body["data"]["openTicket"]


async def test_an_opening_takes_at_most_fourteen_statements(client, token_for, engine, session,
                                                            backend) -> None:
    sub = gid("SubService", await sub_service_id(session, ACCOUNT_CREATION))
    first = again = token_for(LYON_AGENT)
    # A token never seen before: authentication reads the user and their designations.
    with counting(engine) as fresh:
        opened = await _open(client, first, sub)
    assert opened["state"] == "ASSIGNED" and opened["assignee"] is not None, opened
    assert len(fresh) <= LIMIT[backend], "\n".join(fresh)
    # The same token again: its principal is known; the opening alone.
    with counting(engine) as known:
        await _open(client, again, sub)
    assert len(known) <= len(fresh) - 2, "\n".join(known)
    # The ref counter is bumped after every read: only writes follow it.
    after = known[next(i for i, s in enumerate(known) if "ticket_counter" in s) + 1:]
    reads = [s for s in after if s.lstrip().upper().startswith("SELECT")]
    # After it: the mirror follower reads the school's desk kind; the answer reads its assignee.
    assert len(reads) <= 2, "\n".join(after)


async def test_an_opening_compiles_no_statement_once_one_has_run(client, token_for, engine, session) -> None:
    """Every statement of an opening comes from SQLAlchemy's compiled cache after the first: none is
    built so that it has no cache key (compiling one costs more than running it)."""
    sub = gid("SubService", await sub_service_id(session, ACCOUNT_CREATION))
    token = token_for(LYON_AGENT)
    await _open(client, token, sub)
    with compiled_anew(engine) as anew:
        await _open(client, token, sub)
    assert anew == [], "\n".join(anew)
