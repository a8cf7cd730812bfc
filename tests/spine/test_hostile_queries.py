"""Hostile requests cross a limit and get its documented error, before they cost anything.

Each test sends what an attacker (or a careless client) would, through the app, on both
databases, and checks the error code and that nothing ran or changed. Linearity of the document
checks is proven by counting fragment visits, never by timing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from graphql import parse
from sqlalchemy import func, select, text

from groupdesk.app import create_app
from server.catalog.models import Brick
from server import migrations
from server.db import WRITER, create_engine, session_factory, writer_session
from server.importing import import_federation
from tenants.federation import demo_federation_path, load_federation
from tests.support.log_events import logged
from tests.conftest import drop_database, new_database
from schema.document_checks import DocumentLimits, measure
from tests.tickets.helpers import ADMIN, LYON_AGENT
from tests.support.live_server import ENGLISH

LIMITS = DocumentLimits(max_operations=20, max_aliases=30, max_depth=12, max_directives_per_field=5)
THIRTY_ALIASES = "{ " + " ".join(
    f"a{i}: tickets(first: 100) {{ edges {{ node {{ comments {{ edges {{ node {{ author {{ tenant {{ name }} }} }} }} }} "
    f"history {{ edges {{ node {{ actor {{ username }} }} }} }} }} }} }}" for i in range(30)) + " }"


def fragment_chain(levels: int, leaf: str = "bricks { code }") -> str:
    """Each fragment spreads the next one twice: 2**levels copies of the leaf once expanded."""
    return ("query { ...F0 } " + " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
        + f" fragment F{levels} on Query {{ {leaf} }}")


async def post(client: httpx.AsyncClient, query: str, *, token: str | None = None,
               variables: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json={"query": query, "variables": variables},
                             headers=headers)


def refused(response: httpx.Response, code: str) -> dict[str, Any]:
    body = response.json()
    assert body.get("data") is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    return body["errors"][0]


@pytest.fixture
def app_with(settings, engine, sessions):
    """An app on the test's database with some settings changed."""
    def make(**changes: Any) -> Any:
        return create_app(settings.model_copy(update=changes), engine=engine, sessions=sessions)
    return make


@pytest.mark.parametrize("levels", [20, 40])
def test_a_fragment_chain_is_measured_visiting_each_fragment_once(levels: int) -> None:
    figures = measure(parse(fragment_chain(levels, leaf="a: bricks { code }")),
                      DocumentLimits(max_operations=1, max_aliases=2**levels, max_depth=12,
                                     max_directives_per_field=5))
    assert figures.fragment_visits == levels + 1
    assert figures.aliases == {"": 2**levels}  # what expanding every spread would execute
    assert figures.depths == {"": 1}


@pytest.mark.parametrize("levels", [20, 40])
async def test_a_fragment_chain_is_refused_for_its_expanded_aliases(client, token_for, levels) -> None:
    response = await post(client, fragment_chain(levels, leaf="a: bricks { code }"),
                          token=token_for(LYON_AGENT))
    error = refused(response, "TOO_MANY_ALIASES")
    assert str(2**levels) in error["message"]


@pytest.mark.parametrize("levels", [20, 40])
async def test_a_fragment_chain_is_refused_for_its_cost(client, token_for, levels) -> None:
    # Validation and costing get through 2**40 expanded copies only by visiting each fragment once.
    response = await post(client, fragment_chain(levels), token=token_for(LYON_AGENT))
    error = refused(response, "QUERY_TOO_COSTLY")
    assert error["extensions"]["cost"] == 2**levels * 11  # bricks 1 + 10 x code 1, per copy
    assert error["extensions"]["maxCost"] == 50_000


async def test_an_anonymous_fragment_chain_is_unauthenticated(client) -> None:
    response = await client.post("/graphql", json={"query": fragment_chain(20)},
                                 headers={"Accept": "application/graphql-response+json"})
    assert response.status_code == 401
    refused(response, "UNAUTHENTICATED")


async def test_an_anonymous_document_beyond_a_small_size_is_unauthenticated(client) -> None:
    padding = "# " + "x" * 9000 + "\n"
    response = await post(client, padding + "{ __schema { queryType { name } } }")
    refused(response, "UNAUTHENTICATED")


async def test_anonymous_introspection_works_in_development(client) -> None:
    from graphql import get_introspection_query

    response = await post(client, get_introspection_query(descriptions=True))
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_is_off_in_production_settings(app_with, token_for) -> None:
    app = app_with(introspection=False)
    token = app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN)
    async with httpx.AsyncClient(headers=ENGLISH,
                                 transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        anonymous = await post(c, "{ __schema { queryType { name } } }")
        refused(anonymous, "UNAUTHENTICATED")
        signed_in = (await post(c, "{ __schema { queryType { name } } }", token=token)).json()
        assert signed_in.get("data") is None
        assert "introspection" in signed_in["errors"][0]["message"].lower()
        assert (await post(c, "{ __typename }", token=token)).json()["data"] == {"__typename": "Query"}


async def test_a_query_over_the_byte_limit_is_refused(client, token_for) -> None:
    query = "{ viewer { username } }" + " " * 100_000
    refused(await post(client, query, token=token_for(LYON_AGENT)), "QUERY_TOO_LARGE")


async def test_a_query_over_the_token_limit_is_refused(client, token_for) -> None:
    query = "{ viewer { " + "roles " * 12_000 + "} }"
    error = refused(await post(client, query, token=token_for(LYON_AGENT)), "QUERY_TOO_LARGE")
    assert "10000 tokens" in error["message"]


async def test_too_many_operations_are_refused(client, token_for) -> None:
    query = " ".join(f"query Q{i} {{ __typename }}" for i in range(21))
    refused(await post(client, query, token=token_for(LYON_AGENT)), "TOO_MANY_OPERATIONS")


async def test_too_many_aliases_are_refused(client, token_for) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    refused(await post(client, query, token=token_for(LYON_AGENT)), "TOO_MANY_ALIASES")


async def test_a_query_too_deep_is_refused_before_validation(client, token_for) -> None:
    # The fields do not exist: the depth is refused before validation would say so.
    query = "{ " + "a { " * 13 + "b" + " }" * 13 + " }"
    refused(await post(client, query, token=token_for(LYON_AGENT)), "QUERY_TOO_DEEP")


async def test_a_query_nested_beyond_what_the_parser_reads_is_refused(client, token_for) -> None:
    query = "{ " + "a { " * 3000 + "b" + " }" * 3000 + " }"
    refused(await post(client, query, token=token_for(LYON_AGENT)), "QUERY_TOO_DEEP")


async def test_repeated_directives_on_a_field_are_refused(client, token_for) -> None:
    token = token_for(LYON_AGENT)
    six = "{ viewer " + "@include(if: true) " * 6 + "{ username } }"
    error = refused(await post(client, six, token=token), "TOO_MANY_DIRECTIVES")
    assert "'viewer'" in error["message"]
    # Ten thousand of them do not even get that far.
    flood = "{ viewer " + "@include(if: true) " * 10_000 + "{ username } }"
    refused(await post(client, flood, token=token), "QUERY_TOO_LARGE")


async def test_thirty_aliases_of_a_deep_ticket_page_are_over_the_budget(client, token_for) -> None:
    error = refused(await post(client, THIRTY_ALIASES, token=token_for(ADMIN)), "QUERY_TOO_COSTLY")
    # Per ticket, comments and history being connections of the default page (20): node 1 +
    # comments (1 + edges (1 + 20 x 4)) + history (1 + edges (1 + 20 x 3)) = 145; per alias
    # tickets 1 + edges (1 + 100 x 145); 30 aliases.
    assert error["extensions"]["cost"] == 30 * (1 + 1 + 100 * 145)
    assert error["extensions"]["maxCost"] == 50_000


async def test_an_accepted_operation_reports_its_cost(client, token_for) -> None:
    body = (await post(client, "{ tickets(first: 5) { totalCount edges { node { ref } } } }",
                       token=token_for(ADMIN))).json()
    assert "errors" not in body, body
    # tickets 1 + totalCount 1 + edges (1 + 5 x (node 1 + ref 1))
    assert body["extensions"]["cost"] == {"requested": 13, "maximum": 50_000}


async def test_a_mutation_over_the_budget_changes_nothing(app_with, session) -> None:
    app = app_with(max_query_cost=5)
    token = app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN)
    query = """mutation { createBrick(input: {code: "costly", name: "Costly"}) {
      ... on Brick { code services { name subServices { name } } } } }"""
    async with httpx.AsyncClient(headers=ENGLISH,
                                 transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        error = refused(await post(c, query, token=token), "QUERY_TOO_COSTLY")
    assert error["extensions"]["cost"] > 5
    assert await session.scalar(select(func.count()).select_from(Brick)
                                .where(Brick.code == "costly")) == 0


# What the server logs when it stops an operation at its time limit (schema/limits.py).
STOPPING = "operation over its time limit: stopping it, nothing it did is kept"


@contextlib.asynccontextmanager
async def write_lock_held(engine) -> Any:
    """Another connection holds the brick table against writers until the block ends."""
    async with engine.connect() as other:
        if engine.dialect.name == "sqlite":
            await other.execution_options(**{WRITER: True})
            await other.begin()  # BEGIN IMMEDIATE
        else:
            await other.begin()
            await other.execute(text("LOCK TABLE brick IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await other.rollback()


@pytest.fixture
async def own_database(backend, tmp_path) -> Any:
    """A database of the test's own, committed to: the app takes its write lock as in production."""
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        async with writer_session(session_factory(engine)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        yield engine
    finally:
        await engine.dispose()
        await drop_database(url)


async def test_an_operation_over_its_time_limit_is_stopped_and_rolled_back(settings,
                                                                           own_database) -> None:
    app = create_app(settings.model_copy(update={"max_execution_seconds": 0.5}), engine=own_database)
    token = app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN)
    query = 'mutation { createBrick(input: {code: "too-slow", name: "Too slow"}) { __typename } }'
    async with httpx.AsyncClient(headers=ENGLISH,
                                 transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        with logged("groupdesk.graphql", lambda message: message == STOPPING) as stopping:
            async with write_lock_held(own_database):
                # The mutation waits on the lock for sure: only its time limit can end it. (On
                # SQLite a statement waiting for the lock returns only once the lock is released,
                # so the lock is released as soon as the server says it is stopping the operation.)
                request = asyncio.create_task(post(c, query, token=token))
                await asyncio.wait_for(stopping.wait(), timeout=120)
        response = await asyncio.wait_for(request, timeout=30)
    error = refused(response, "TIMEOUT")
    assert error["extensions"]["maxSeconds"] == 0.5
    async with session_factory(own_database)() as session:
        assert await session.scalar(select(func.count()).select_from(Brick)
                                    .where(Brick.code == "too-slow")) == 0


async def test_a_body_over_the_limit_is_refused_before_it_is_parsed(client, token_for) -> None:
    body = b'{"query": "{ __typename }", "padding": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post("/graphql", content=body,
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token_for(LYON_AGENT)}"})
    assert response.status_code == 413
    assert response.json() == {"errors": [{
        "message": "the request body is larger than 1048576 bytes",
        "extensions": {"code": "PAYLOAD_TOO_LARGE", "maxBytes": 1048576}}]}


@pytest.mark.parametrize("path", ["/graphql", "/scim/v2/Users", "/hooks/desks/insa-lyon"])
async def test_a_streamed_body_is_cut_off_once_over_the_limit(client, path) -> None:
    chunk, sent = b"x" * 65536, 0

    async def endless() -> Any:
        nonlocal sent
        for _ in range(10_000):  # 655 MB if it were all read
            sent += 1
            yield chunk

    response = await client.post(path, content=endless(),
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert sent <= 1024 * 1024 // len(chunk) + 2  # read no further than the limit
