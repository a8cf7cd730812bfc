"""The identity issue's "done": Lyon opens a ticket with a realm token; broken tokens are refused;
Rennes can neither read nor change Lyon's ticket; roles a token claims outside their tenant do not count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from keycloak import KeycloakOpenID
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets.models import Ticket
from tests.identity.test_sso_login import call, person
from tests.identity.test_sso_refusals import BROKEN
from tests.support.realm import Realm, RealmServer
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, OPEN, READ, sub_service_gid

CHANGES = {
    "startTicket": ("TicketChangeInput", {}),
    "escalateTicket": ("TicketReasonInput", {"reason": "urgent"}),
    "setPriority": ("SetPriorityInput", {"priority": "CRITICAL"}),
    "closeTicket": ("TicketChangeInput", {}),
}


@pytest.fixture
async def insa(sso_client_for: Callable[..., Any], insa_realm: Realm) -> httpx.AsyncClient:
    return await sso_client_for(insa_realm.name)


async def password_token(realm_server: RealmServer, realm: Realm, username: str, password: str) -> str:
    portal = KeycloakOpenID(server_url=realm_server.url, realm_name=realm.name, client_id="groupdesk-portal")
    try:
        return (await portal.a_token(username, password))["access_token"]
    finally:
        await portal.connection.aclose()


async def open_input(gql: Any) -> dict[str, Any]:
    sub_service = await sub_service_gid(gql, ACCOUNT_CREATION)
    return {"input": {"subServiceId": sub_service, "title": "Scenari account for a new teacher",
                      "requestData": ACCOUNT_REQUEST}}


async def tickets_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Ticket)) or 0


async def test_lyon_agent_with_a_realm_token_opens_a_ticket(
        insa: httpx.AsyncClient, insa_realm: Realm, realm_server: RealmServer, gql: Any) -> None:
    token = await password_token(realm_server, insa_realm, "agent.lyon", "lyon-password")

    opened = (await call(insa, token, OPEN, await open_input(gql)))["openTicket"]

    assert opened["__typename"] == "Ticket", opened
    assert opened["school"] == {"slug": "insa-lyon"}
    assert opened["openedBy"] == {"username": "agent.lyon"}
    assert opened["ref"].startswith("GRP-")


@pytest.mark.parametrize("kind", list(BROKEN))
async def test_the_same_opening_with_a_broken_token_is_refused_and_opens_nothing(
        insa: httpx.AsyncClient, insa_realm: Realm, gql: Any, session: AsyncSession, kind: str) -> None:
    make, status, message = BROKEN[kind]
    variables = await open_input(gql)
    before = await tickets_count(session)

    response = await insa.post("/graphql", json={"query": OPEN, "variables": variables},
                               headers={"Authorization": f"Bearer {make(insa_realm)}"})

    assert (response.status_code, response.json()["errors"][0]["message"]) == (status, message)
    assert await tickets_count(session) == before


async def test_rennes_agent_can_neither_read_nor_change_lyon_ticket(
        insa: httpx.AsyncClient, insa_realm: Realm, gql: Any) -> None:
    lyon = person(insa_realm, "lyon.sso", organization="insa-lyon")
    rennes = person(insa_realm, "rennes.sso", organization="insa-rennes")
    ticket = (await call(insa, lyon, OPEN, await open_input(gql)))["openTicket"]
    seen_by_lyon = (await call(insa, lyon, READ, {"id": ticket["id"]}))["ticket"]

    reads = await call(insa, rennes, """query($id: ID!, $ref: String!) { ticket(id: $id) { id }
        ticketByRef(ref: $ref) { id } node(id: $id) { id } tickets(first: 100) { edges { node { id } } } }""",
                       {"id": ticket["id"], "ref": ticket["ref"]})
    assert (reads["ticket"], reads["ticketByRef"], reads["node"]) == (None, None, None)
    assert ticket["id"] not in {edge["node"]["id"] for edge in reads["tickets"]["edges"]}
    for name, (input_type, extra) in CHANGES.items():
        document = (f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename "
                    "... on Problem { message } } }")
        result = (await call(insa, rennes, document,
                             {"input": {"id": ticket["id"], "version": ticket["version"], **extra}}))[name]
        assert result["__typename"] == "NotFound" and ticket["ref"] not in result["message"], (name, result)
    comment = (await call(insa, rennes, """mutation($id: ID!) { addComment(input: {ticketId: $id,
        body: "hello"}) { __typename } }""", {"id": ticket["id"]}))["addComment"]
    assert comment["__typename"] == "NotFound"
    assert (await call(insa, lyon, READ, {"id": ticket["id"]}))["ticket"] == seen_by_lyon


async def test_group_roles_claimed_by_a_school_user_do_not_count(
        insa: httpx.AsyncClient, insa_realm: Realm, gql: Any) -> None:
    lyon = person(insa_realm, "lyon.owner", organization="insa-lyon")
    ticket = (await call(insa, lyon, OPEN, await open_input(gql)))["openTicket"]
    pretender = person(insa_realm, "rennes.pretender", organization="insa-rennes",
                       roles=("school-agent", "group-admin", "operations"))

    data = await call(insa, pretender, """query($id: ID!) { viewer { roles } ticket(id: $id) { id }
        apiTokens { id } }""", {"id": ticket["id"]})
    brick = (await call(insa, pretender, 'mutation { createBrick(input: {code: "nope", name: "Nope"}) '
                                         '{ __typename } }'))["createBrick"]

    assert data == {"viewer": {"roles": ["SCHOOL_AGENT"]}, "ticket": None, "apiTokens": []}
    assert brick == {"__typename": "PermissionDenied"}


async def test_people_of_another_school_are_hidden_but_experts_are_known(
        insa: httpx.AsyncClient, insa_realm: Realm, gql: Any) -> None:
    users = {d["user"]["username"]: d["user"]["id"]
             for d in (await gql("{ experts { user { id username } } }", as_user="valentine.orsembaud"))["experts"]}
    agent_id = (await gql("{ viewer { user { id } } }", as_user="amandine.roclerc"))["viewer"]["user"]["id"]
    query = "query($a: ID!, $e: ID!) { agent: node(id: $a) { id } expert: node(id: $e) { id } }"
    variables = {"a": agent_id, "e": users["celeste.morvandieu"]}

    rennes = await call(insa, person(insa_realm, "rennes.curious", organization="insa-rennes"), query, variables)
    lyon = await call(insa, person(insa_realm, "lyon.colleague"), query, variables)

    assert rennes == {"agent": None, "expert": {"id": users["celeste.morvandieu"]}}
    assert lyon == {"agent": {"id": agent_id}, "expert": {"id": users["celeste.morvandieu"]}}
