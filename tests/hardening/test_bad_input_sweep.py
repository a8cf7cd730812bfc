"""Every kind of bad input, sent to a live server over loopback on each database: never a 5xx,
never a driver's or SQL's words in the answer, and the database exactly as it was before."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from jwcrypto import jwt
from sqlalchemy import select

from server import migrations
from groupdesk.app import create_app
from server.config import Settings
from server.db import Base, create_engine, session_factory, writer_session
from server.identity.local_issuer import LocalIssuer
from server.importing import import_federation
from server.tickets.models import Ticket
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.support.live_server import ENGLISH, LiveServer
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, ADMIN, LYON_AGENT, gid, sub_service_id

# Words of a database, a driver or a Python failure that an answer must never show.
LEAKS = ("asyncpg", "sqlite3", "aiosqlite", "psycopg", "sqlalchemy", "SELECT ", "INSERT ", "UPDATE ",
         "Traceback", "Python int", "codec can't")
# When a caller last authenticated is not something bad input changed.
NOT_DIGESTED = {"last_login_at", "last_used_at"}

OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) { __typename
  ... on Problem { message } ... on Ticket { id } } }"""
COMMENT = """mutation($input: AddCommentInput!) { addComment(input: $input) { __typename
  ... on Problem { message } } }"""
RESOLVE = """mutation($input: ResolveTicketInput!) { resolveTicket(input: $input) { __typename
  ... on Problem { message } } }"""
TICKETS = "query($f: TicketFilter) { tickets(filter: $f) { edges { node { id } } } }"


def deep(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


@dataclass
class Live:
    url: str
    issuer: LocalIssuer
    database_url: str
    sub_service: str
    ticket: str
    version: int

    def token(self, username: str) -> str:
        return self.issuer.sign(username, username=username)


@pytest.fixture(scope="module")
async def live(backend: str, tmp_path_factory: pytest.TempPathFactory,
               settings: Settings) -> AsyncIterator[Live]:
    """The app on uvicorn over its own database (demo federation and one open ticket)."""
    directory: Path = tmp_path_factory.mktemp("sweep")
    url = await new_database(backend, directory)
    try:
        engine = create_engine(url)
        try:
            await migrations.upgrade(engine)
            async with writer_session(session_factory(engine)) as session:
                await import_federation(session, load_federation(demo_federation_path()))
            async with session_factory(engine)() as session:
                sub = gid("SubService", await sub_service_id(session, ACCOUNT_CREATION))
        finally:
            await engine.dispose()
        app = create_app(settings.model_copy(update={"database_url": url, "tick_seconds": 0}))
        with LiveServer(app, lifespan="on") as server:
            issuer = LocalIssuer.load_or_create(settings.dev_issuer_key_file)
            found = Live(server.url, issuer, url, sub, "", 0)
            async with httpx.AsyncClient(headers=ENGLISH, base_url=server.url, timeout=30) as client:
                opened = await client.post("/graphql", headers=_auth(found, LYON_AGENT), json={
                    "query": OPEN.replace("... on Ticket { id }", "... on Ticket { id version }"),
                    "variables": {"input": {"subServiceId": sub, "title": "Sweep",
                                            "requestData": ACCOUNT_REQUEST}}})
                ticket = opened.json()["data"]["openTicket"]
                found.ticket, found.version = ticket["id"], ticket["version"]
            yield found
    finally:
        await drop_database(url)


def _auth(live: Live, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {live.token(username)}"}


async def digest(database_url: str) -> str:
    """Every row of every table, in key order, hashed (the authentication stamps aside)."""
    engine = create_engine(database_url)
    hasher = hashlib.sha256()
    try:
        async with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if c.name not in NOT_DIGESTED]
                rows = await conn.execute(select(*columns).order_by(*table.primary_key.columns))
                hasher.update(table.name.encode())
                for row in rows:
                    hasher.update(repr(tuple(row)).encode())
    finally:
        await engine.dispose()
    return hasher.hexdigest()


@dataclass(frozen=True)
class Case:
    """One bad request: `send` gets the live server and a client and returns the answer."""

    name: str
    send: Callable[[Live, httpx.AsyncClient], Any]


def raw(body: bytes, user: str = LYON_AGENT) -> Callable[[Live, httpx.AsyncClient], Any]:
    return lambda live, client: client.post("/graphql", content=body, headers={
        **_auth(live, user), "content-type": "application/json"})


def gql(query: str, variables: Callable[[Live], dict[str, Any]] | None = None,
        user: str = LYON_AGENT) -> Callable[[Live, httpx.AsyncClient], Any]:
    # json.dumps escapes what UTF-8 cannot carry (a lone surrogate becomes \\ud800), as clients do.
    return lambda live, client: client.post("/graphql", content=json.dumps({
        "query": query, "variables": variables(live) if variables else None}).encode(),
        headers={**_auth(live, user), "content-type": "application/json"})


def opening(**changes: Any) -> Callable[[Live], dict[str, Any]]:
    def variables(live: Live) -> dict[str, Any]:
        return {"input": {"subServiceId": live.sub_service, "title": "Bad input",
                          "requestData": ACCOUNT_REQUEST, **changes}}
    return variables


def with_sub_service(make: Callable[[str], str]) -> Callable[[Live, httpx.AsyncClient], Any]:
    return lambda live, client: gql(OPEN, lambda _: opening(subServiceId=make(live.sub_service))(live))(
        live, client)


def deep_body(query: str, where: str) -> bytes:
    return json.dumps({"query": query, "variables": {"input": {
        "subServiceId": "SUB", "title": "t", where: "DEEP"}}}).replace('"DEEP"', deep(5000)).encode()


def forged_token(live: Live, **claims: Any) -> str:
    """A token signed by the trusted development key, with claims a real issuer would not write."""
    now = int(time.time())
    body = {"iss": live.issuer.issuer, "aud": live.issuer.audience, "sub": LYON_AGENT,
            "preferred_username": LYON_AGENT, "typ": "Bearer", "iat": now, "exp": now + 600, **claims}
    token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": live.issuer.kid},
                    claims=json.dumps(body))
    token.make_signed_token(live.issuer._key)
    return str(token.serialize())


def with_token(**claims: Any) -> Callable[[Live, httpx.AsyncClient], Any]:
    return lambda live, client: client.post("/graphql", json={"query": "{ viewer { roles } }"},
                                            headers={"Authorization": "Bearer "
                                                     + forged_token(live, **claims)})


VIEWER = "{ viewer { user { username } } }"
SURROGATE = "\ud800"

CASES = [
    Case("body is null", raw(b"null")),
    Case("body is a string", raw(b'"{ viewer { roles } }"')),
    Case("body is an array", raw(json.dumps([{"query": VIEWER}]).encode())),
    Case("body is not UTF-8", raw(b'{"query": "{ viewer { roles } }", "variables": {"a": "\xff\xfe"}}')),
    Case("body is not JSON", raw(b'{"query": ')),
    Case("variables nested 5,000 deep", raw(
        ('{"query": "{ viewer { roles } }", "variables": {"a": ' + deep(5000) + "}}").encode())),
    Case("requestData nested 5,000 deep", lambda live, client: raw(
        deep_body(OPEN, "requestData").replace(b'"SUB"', json.dumps(live.sub_service).encode()))(
        live, client)),
    Case("requestData nested 100 deep", gql(OPEN, lambda live: opening(
        requestData=json.loads(deep(100)))(live))),
    Case("variables nested 5,000 deep over GET", lambda live, client: client.get(
        "/graphql", headers=_auth(live, LYON_AGENT),
        params={"query": VIEWER, "variables": '{"a": ' + deep(5000) + "}"})),
    Case("unknown fragment", gql("{ ...Missing }")),
    Case("fragment spreading itself", gql("query { ...A } fragment A on Query { ...A }")),
    Case("several operations, no operationName", gql(
        "query Read { viewer { roles } } " + OPEN.replace("mutation(", "mutation Open("),
        opening())),
    *(Case(f"lone surrogate in {field}", gql(OPEN, opening(**{field: f"a{SURROGATE}b"})))
      for field in ("title", "description", "requesterName", "localRef")),
    Case("lone surrogate in a requestData value",
         gql(OPEN, opening(requestData={**ACCOUNT_REQUEST, "role": SURROGATE}))),
    Case("lone surrogate in a requestData key",
         gql(OPEN, opening(requestData={**ACCOUNT_REQUEST, SURROGATE: "x"}))),
    Case("NUL in a requestData key", gql(OPEN, opening(requestData={**ACCOUNT_REQUEST, "a\x00": "x"}))),
    Case("lone surrogate in a comment", lambda live, client: gql(COMMENT, lambda _: {"input": {
        "ticketId": live.ticket, "body": f"x{SURROGATE}"}})(live, client)),
    Case("lone surrogate in a solution", lambda live, client: gql(RESOLVE, lambda _: {"input": {
        "id": live.ticket, "version": live.version, "solution": SURROGATE}}, user=ADMIN)(live, client)),
    Case("NUL in a comment", lambda live, client: gql(COMMENT, lambda _: {"input": {
        "ticketId": live.ticket, "body": "a\x00b"}})(live, client)),
    Case("lone surrogate in search text", gql(TICKETS, lambda _: {"f": {"text": SURROGATE}})),
    Case("NUL in search text", gql(TICKETS, lambda _: {"f": {"text": "account\x00"}})),
    Case("NUL in search text, as a literal", gql('{ tickets(filter: {text: "a\\u0000"}) { edges { cursor } } }')),
    Case("NUL in a ref", gql("query($r: String!) { ticketByRef(ref: $r) { id } }", lambda _: {"r": "GRP\x00"})),
    Case("NUL in a brick code", gql('query($c: String!) { brick(code: $c) { name } }', lambda _: {"c": "s\x00"})),
    Case("id SubService:abc", with_sub_service(lambda _: gid("SubService", "abc"))),
    Case("id SubService:99999999999999999999",
         with_sub_service(lambda _: gid("SubService", "99999999999999999999"))),
    Case("valid id followed by NUL", with_sub_service(lambda sub: sub + "\x00")),
    Case("id of the wrong type", lambda live, client: gql(
        OPEN, lambda _: opening(subServiceId=live.ticket)(live))(live, client)),
    Case("id that is garbage", with_sub_service(lambda _: "garbage")),
    Case("missing id", with_sub_service(lambda _: gid("SubService", 999_999))),
    Case("node with a huge id", gql('query($id: ID!) { node(id: $id) { id } }',
                                    lambda _: {"id": gid("Ticket", "99999999999999999999")})),
    Case("node of an unknown type", gql('query($id: ID!) { node(id: $id) { id } }',
                                        lambda _: {"id": gid("Nope", 1)})),
    Case("ticket by a garbage id", gql('{ ticket(id: "garbage") { id } }')),
    Case("40,000 school ids", gql(TICKETS, lambda _: {"f": {"schoolIds": [
        gid("Tenant", i) for i in range(1, 40_001)]}})),
    Case("40,000 states", gql(TICKETS, lambda _: {"f": {"states": ["NEW"] * 40_000}})),
    Case("mirrors after a made-up cursor", gql('{ mirrors(after: "x") { edges { cursor } } }', user=ADMIN)),
    Case("mirrors after a huge id", gql('query($a: String) { mirrors(after: $a) { edges { cursor } } }',
                                        lambda _: {"a": "bWlycm9yOjk5OTk5OTk5OTk5OTk5OTk5OTk5"},
                                        user=ADMIN)),
    Case("mirrors first -5", gql("{ mirrors(first: -5) { edges { cursor } } }", user=ADMIN)),
    Case("token whose exp is null", with_token(exp=None)),
    Case("token whose exp is a string", with_token(exp="tomorrow")),
    Case("token whose exp is infinite", with_token(exp=float("inf"))),
    Case("token whose payload nests 5,000 deep", lambda live, client: client.post(
        "/graphql", json={"query": "{ viewer { roles } }"}, headers={"Authorization": "Bearer e30."
                          + base64.urlsafe_b64encode(deep(5000).encode()).decode() + ".c2ln"})),
]


PROBLEMS = {"NotFound", "PermissionDenied", "ValidationFailed", "Conflict", "ActionNotAllowed"}


def refused(response: httpx.Response) -> bool:
    """A 4xx, a GraphQL error, a typed problem in a mutation's payload, or null (not found)."""
    if response.status_code >= 400:
        return True
    body = response.json()
    if body.get("errors"):
        return True
    return all(v is None or (isinstance(v, dict) and v.get("__typename") in PROBLEMS)
               for v in (body.get("data") or {}).values())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_bad_input_is_refused_cleanly_and_changes_nothing(live: Live, case: Case) -> None:
    before = await digest(live.database_url)
    async with httpx.AsyncClient(headers=ENGLISH, base_url=live.url, timeout=60) as client:
        response = await case.send(live, client)

    assert response.status_code < 500, response.text[:2000]
    for word in LEAKS:
        assert word not in response.text, f"{word!r} in {response.text[:2000]}"
    assert refused(response), response.text[:2000]
    assert await digest(live.database_url) == before


async def test_the_sweep_sees_a_change_when_there_is_one(live: Live) -> None:
    """The digest is not blind: a good comment changes it."""
    before = await digest(live.database_url)
    async with httpx.AsyncClient(headers=ENGLISH, base_url=live.url, timeout=60) as client:
        response = await gql(COMMENT, lambda _: {"input": {"ticketId": live.ticket, "body": "ok"}})(
            live, client)
    assert response.json()["data"]["addComment"]["__typename"] == "CommentAdded"
    assert await digest(live.database_url) != before
    engine = create_engine(live.database_url)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(select(Ticket.id).where(Ticket.title == "Bad input")) is None
    finally:
        await engine.dispose()
