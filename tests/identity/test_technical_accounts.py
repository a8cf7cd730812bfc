"""API tokens act as a school's technical account only, and what they write says so."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import ApiToken, User
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    LYON_AGENT,
    LYON_EXPERT,
    gid,
    open_via_api,
    user_id,
)

CREATE = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename ... on ApiTokenCreated { secret apiToken { id user { username technical } } }
  ... on ValidationFailed { fields { field message } } ... on Problem { message } } }"""
COMMENT = """mutation($input: AddCommentInput!) { addComment(input: $input) { __typename
  ... on CommentAdded { comment { id } } ... on Problem { message } } }"""
READ = """query($id: ID!) { ticket(id: $id) {
  comments(first: 10) { edges { node { body viaApiToken apiToken { id name } author { username } } } }
  history(first: 20) { edges { node { kind viaApiToken apiToken { id } } } } } }"""


async def _lyon(gql: Any) -> str:
    tenants = (await gql("{ tenants { id slug } }", as_user=ADMIN))["tenants"]
    return next(t["id"] for t in tenants if t["slug"] == "insa-lyon")


async def test_a_token_acting_as_a_person_is_refused(gql: Any, session: AsyncSession) -> None:
    person = gid("User", await user_id(session, LYON_AGENT))

    refused = (await gql(CREATE, {"input": {"tenantId": await _lyon(gql), "name": "as Amandine",
                                            "userId": person}}, as_user=ADMIN))["createApiToken"]

    assert refused["__typename"] == "ValidationFailed"
    assert refused["fields"][0]["field"] == "userId"
    assert refused["fields"][0]["message"].startswith(
        f"{LYON_AGENT} is a person, not a technical account: API tokens act as a school's technical "
        "account only")
    assert await session.scalar(select(func.count()).select_from(ApiToken)) == 0


async def test_the_demo_desk_accounts_are_technical_and_take_tokens(gql: Any, session: AsyncSession) -> None:
    technical = set(await session.scalars(select(User.username).where(User.technical.is_(True))))
    assert {"itop.insa-lyon", "glpi.insa-rennes", "webhook.insa-toulouse"} <= technical
    desk = gid("User", await user_id(session, "itop.insa-lyon"))

    created = (await gql(CREATE, {"input": {"tenantId": await _lyon(gql), "name": "iTop",
                                            "userId": desk}}, as_user=ADMIN))["createApiToken"]

    assert created["apiToken"]["user"] == {"username": "itop.insa-lyon", "technical": True}


async def test_comments_and_events_record_the_token_they_came_through(
        gql: Any, client: httpx.AsyncClient) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    created = (await gql(CREATE, {"input": {"tenantId": await _lyon(gql), "name": "Lyon iTop"}},
                         as_user=ADMIN))["createApiToken"]
    response = await client.post("/graphql", headers={"Authorization": f"Bearer {created['secret']}"}, json={
        "query": COMMENT, "variables": {"input": {"ticketId": ticket["id"], "body": "From the desk"}}})
    assert response.json()["data"]["addComment"]["__typename"] == "CommentAdded", response.text
    await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": "From a person"}}, as_user=LYON_AGENT)

    as_admin = (await gql(READ, {"id": ticket["id"]}, as_user=ADMIN))["ticket"]
    comments = {e["node"]["body"]: e["node"] for e in as_admin["comments"]["edges"]}
    assert comments["From the desk"]["viaApiToken"] is True
    assert comments["From the desk"]["apiToken"] == {"id": created["apiToken"]["id"], "name": "Lyon iTop"}
    assert comments["From the desk"]["author"] == {"username": "desk.insa-lyon"}
    assert comments["From a person"]["viaApiToken"] is False and comments["From a person"]["apiToken"] is None
    events = [e["node"] for e in as_admin["history"]["edges"] if e["node"]["kind"] == "COMMENTED"]
    assert [(e["viaApiToken"], e["apiToken"] is not None) for e in events] == [(True, True), (False, False)]

    # Those who do not manage tokens see that a token was used, never which one.
    as_expert = (await gql(READ, {"id": ticket["id"]}, as_user=LYON_EXPERT))["ticket"]
    desk = next(e["node"] for e in as_expert["comments"]["edges"] if e["node"]["body"] == "From the desk")
    assert desk["viaApiToken"] is True and desk["apiToken"] is None
