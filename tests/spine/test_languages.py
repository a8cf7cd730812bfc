"""Messages read through the API follow the reader: Accept-Language, then their own language, then their
school's, then French. Codes, field names and states never change with the language. HTTP and a real
WebSocket, both databases."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from groupdesk.app import create_app
from server import migrations
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.identity.models import Tenant, User
from server.importing import import_federation
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.support.live_server import LiveServer
from tests.tickets.helpers import ADMIN

AGENT = "amandine.roclerc"  # support agent at INSA Lyon, a French school
DEADLINE = 30
PAGE = "{ tickets(first: 0) { totalCount } }"
CATALOGUE = ('mutation { createBrick(input: {code: "nope", name: "Nope"}) '
             "{ __typename ... on Problem { message } } }")
FRENCH_PAGE = "saisie invalide : first : doit être compris entre 1 et 100 (la plus grande page)"
ENGLISH_PAGE = "invalid input: first: must be between 1 and 100 (the largest page)"
FRENCH_CATALOGUE = "seuls les administrateurs du groupe gèrent le catalogue"
ENGLISH_CATALOGUE = "only group administrators manage the catalogue"


@pytest.fixture
async def bare(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client that names no language, as a browser set to nothing would."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as c:
        yield c


async def ask(client: httpx.AsyncClient, token: str, query: str, language: str | None = None,
              variables: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    if language is not None:
        headers["Accept-Language"] = language
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def error_shape(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a machine reads of the errors: codes and field names, never the words."""
    return [(e["extensions"]["code"], [f["field"] for f in e["extensions"].get("fields", [])])
            for e in body["errors"]]


async def test_a_demo_school_reads_french_by_default_and_english_when_it_asks(
        bare: httpx.AsyncClient, token_for: Any) -> None:
    token = token_for(AGENT)
    french, english = await ask(bare, token, PAGE), await ask(bare, token, PAGE, "en-GB,en;q=0.9")
    assert french["errors"][0]["message"] == FRENCH_PAGE
    assert french["errors"][0]["extensions"]["fields"][0]["message"] == (
        "doit être compris entre 1 et 100 (la plus grande page)")
    assert english["errors"][0]["message"] == ENGLISH_PAGE
    assert error_shape(french) == error_shape(english) == [("BAD_USER_INPUT", ["first"])]

    refused = {lang: (await ask(bare, token, CATALOGUE, lang))["data"]["createBrick"] for lang in (None, "en")}
    assert refused[None] == {"__typename": "PermissionDenied", "message": FRENCH_CATALOGUE}
    assert refused["en"] == {"__typename": "PermissionDenied", "message": ENGLISH_CATALOGUE}


async def test_a_language_groupdesk_does_not_speak_falls_back_to_the_readers_own(
        bare: httpx.AsyncClient, token_for: Any) -> None:
    body = await ask(bare, token_for(AGENT), PAGE, "de-DE, *;q=0.5")
    assert body["errors"][0]["message"] == FRENCH_PAGE


async def test_a_person_who_chose_english_reads_english_until_a_request_asks_otherwise(
        bare: httpx.AsyncClient, token_for: Any) -> None:
    token = token_for(AGENT)
    chosen = await ask(bare, token, 'mutation { setMyLanguage(language: "en") { __typename '
                                    "... on Viewer { language user { language } } } }")
    # The choice applies from the next request on; this one was still read in French.
    assert chosen["data"]["setMyLanguage"] == {"__typename": "Viewer", "language": "fr",
                                               "user": {"language": "en"}}
    assert (await ask(bare, token, PAGE))["errors"][0]["message"] == ENGLISH_PAGE
    assert (await ask(bare, token, "{ viewer { language user { language } } }"))["data"]["viewer"] == {
        "language": "en", "user": {"language": "en"}}
    # An explicit header still wins for its request.
    assert (await ask(bare, token, PAGE, "fr"))["errors"][0]["message"] == FRENCH_PAGE
    # Back to the school's language.
    await ask(bare, token, "mutation { setMyLanguage(language: null) { __typename } }")
    assert (await ask(bare, token, PAGE))["errors"][0]["message"] == FRENCH_PAGE


async def test_choosing_a_language_groupdesk_does_not_speak_names_the_argument_and_changes_nothing(
        bare: httpx.AsyncClient, token_for: Any) -> None:
    token = token_for(AGENT)
    query = ('mutation { setMyLanguage(language: "de") { __typename ... on ValidationFailed '
             "{ message fields { field message } } } }")
    french = (await ask(bare, token, query))["data"]["setMyLanguage"]
    english = (await ask(bare, token, query, "en"))["data"]["setMyLanguage"]
    assert french["fields"] == [{"field": "language", "message":
                                 "doit être l'une des valeurs fr, en, ou null pour lire celle de l'école"}]
    assert english["fields"] == [{"field": "language",
                                  "message": "must be one of fr, en, or null to read the school's"}]
    assert (await ask(bare, token, "{ viewer { user { language } } }"))["data"]["viewer"]["user"] == {
        "language": None}


async def test_another_persons_language_is_theirs_and_group_administrators(
        bare: httpx.AsyncClient, token_for: Any) -> None:
    await ask(bare, token_for(AGENT), 'mutation { setMyLanguage(language: "en") { __typename } }')
    admin = await ask(bare, token_for(ADMIN), "query($id: ID!) { node(id: $id) { ... on User { language } } }",
                      variables={"id": await _user_id(bare, token_for(AGENT))})
    assert admin["data"]["node"] == {"language": "en"}
    other = await ask(bare, token_for("bastien.fauvrelle"),
                      "query($id: ID!) { node(id: $id) { ... on User { language } } }",
                      variables={"id": await _user_id(bare, token_for(AGENT))})
    # A colleague (the school's manager) sees the person, not their choice.
    assert other["data"]["node"] == {"language": None}


async def _user_id(client: httpx.AsyncClient, token: str) -> str:
    return str((await ask(client, token, "{ viewer { user { id } } }"))["data"]["viewer"]["user"]["id"])


async def test_a_school_that_reads_english_gets_english_for_its_people(
        bare: httpx.AsyncClient, token_for: Any, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        lyon = await session.scalar(select(Tenant).where(Tenant.slug == "insa-lyon"))
        assert lyon is not None
        lyon.language = "en"
        await session.commit()
    assert (await ask(bare, token_for(AGENT), PAGE))["errors"][0]["message"] == ENGLISH_PAGE


async def test_an_anonymous_request_is_refused_in_the_language_it_asks(bare: httpx.AsyncClient) -> None:
    french = (await bare.post("/graphql", json={"query": "{ viewer { language } }"})).json()
    english = (await bare.post("/graphql", json={"query": "{ viewer { language } }"},
                               headers={"Accept-Language": "en"})).json()
    assert french["errors"][0]["message"] == "authentification requise : envoyez Authorization: Bearer <token>"
    assert english["errors"][0]["message"] == "authentication required: send Authorization: Bearer <token>"
    assert error_shape(french) == error_shape(english) == [("UNAUTHENTICATED", [])]


@pytest.fixture
async def served(backend: str, tmp_path: Path) -> AsyncIterator[tuple[LiveServer, Any, Any]]:
    """A live server on a database of the test's own (WebSockets need a real socket)."""
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    server: LiveServer | None = None
    try:
        await migrations.upgrade(engine)
        async with writer_session(session_factory(engine)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        settings = Settings(_env_file=None, database_url=url, demo_federation=False, migrate_on_start=False,
                            embedded_relay=False, tick_seconds=0, dev_issuer_key_file=tmp_path / "key.json")
        app = create_app(settings)
        server = LiveServer(app, ws="websockets-sansio", lifespan="on")
        server.start()
        yield server, app.state.runtime.local_issuer, engine
    finally:
        if server is not None:
            server.stop()
        await engine.dispose()
        await drop_database(url)


async def _socket(server: LiveServer, payload: dict[str, Any], headers: dict[str, str] | None = None
                  ) -> ClientConnection:
    socket = await connect(f"{server.ws_url}/graphql", subprotocols=["graphql-transport-ws"],
                           additional_headers=headers)
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE)) == {"type": "connection_ack"}
    return socket


async def _result(socket: ClientConnection, query: str) -> dict[str, Any]:
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    message = json.loads(await asyncio.wait_for(socket.recv(), DEADLINE))
    assert (message["type"], message["id"]) == ("next", "1"), message
    assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE)) == {"id": "1", "type": "complete"}
    return dict(message["payload"])


async def test_a_websocket_reads_the_language_of_its_connection(served: tuple[LiveServer, Any, Any]) -> None:
    server, issuer, _ = served
    token = issuer.sign(AGENT, username=AGENT)
    french = await _socket(server, {"token": token})
    by_payload = await _socket(server, {"token": token, "Accept-Language": "en"})
    by_header = await _socket(server, {"token": token}, {"Accept-Language": "en"})
    try:
        answers = {name: await _result(socket, PAGE) for name, socket in
                   (("fr", french), ("payload", by_payload), ("header", by_header))}
        assert answers["fr"]["errors"][0]["message"] == FRENCH_PAGE
        assert answers["payload"]["errors"][0]["message"] == ENGLISH_PAGE
        assert answers["header"]["errors"][0]["message"] == ENGLISH_PAGE
        assert {name: error_shape(a) for name, a in answers.items()} == {
            name: [("BAD_USER_INPUT", ["first"])] for name in answers}
        refused = await _result(french, CATALOGUE)
        assert refused["data"]["createBrick"] == {"__typename": "PermissionDenied", "message": FRENCH_CATALOGUE}
        refused = await _result(by_payload, CATALOGUE)
        assert refused["data"]["createBrick"] == {"__typename": "PermissionDenied", "message": ENGLISH_CATALOGUE}
    finally:
        for socket in (french, by_payload, by_header):
            await socket.close()


async def test_a_websocket_refused_at_connection_init_says_why_in_the_asked_language(
        served: tuple[LiveServer, Any, Any]) -> None:
    server, _, _ = served
    reasons = {}
    for language in ("fr", "en"):
        socket = await connect(f"{server.ws_url}/graphql", subprotocols=["graphql-transport-ws"])
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Accept-Language": language}}))
        await socket.wait_closed()
        assert socket.close_code == 4401
        reasons[language] = socket.close_reason
    assert reasons["fr"] == 'authentification requise : envoyez {"Authorization": "Bearer <token>"} dans connection_init'
    assert reasons["en"] == 'authentication required: send {"Authorization": "Bearer <token>"} in connection_init'


async def test_a_body_that_is_not_a_graphql_request_is_refused_in_the_asked_language(
        bare: httpx.AsyncClient) -> None:
    answers = {}
    for language in ("fr", "en"):
        response = await bare.post("/graphql", content=b"[]", headers={
            "content-type": "application/json", "Accept-Language": language})
        assert response.status_code == 400
        answers[language] = response.json()
    assert answers["fr"]["errors"][0]["message"] == (
        "le corps de la requête doit être un objet JSON avec une `query` (reçu un tableau)")
    assert answers["en"]["errors"][0]["message"] == (
        "the request body must be a JSON object with a `query` (got an array)")
    assert error_shape(answers["fr"]) == error_shape(answers["en"]) == [("BAD_REQUEST", [])]


async def test_a_websocket_closed_for_a_deactivated_user_says_why_in_its_language(
        served: tuple[LiveServer, Any, Any]) -> None:
    server, issuer, engine = served
    token = issuer.sign(AGENT, username=AGENT)
    french = await _socket(server, {"token": token})
    english = await _socket(server, {"token": token, "Accept-Language": "en"})
    async with writer_session(session_factory(engine)) as session:
        user = await session.scalar(select(User).where(User.username == AGENT))
        assert user is not None
        user.active = False
    reasons = {}
    for name, socket in (("fr", french), ("en", english)):
        # Each operation re-checks the holder first: this one closes the socket instead of running
        # (unless the server's watch closed it already: then it cannot even be sent).
        with contextlib.suppress(ConnectionClosed):
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": PAGE}}))
        await asyncio.wait_for(socket.wait_closed(), DEADLINE)
        assert socket.close_code == 4403
        reasons[name] = socket.close_reason
    assert reasons == {"fr": f"l'utilisateur {AGENT} est désactivé", "en": f"user {AGENT} is deactivated"}
