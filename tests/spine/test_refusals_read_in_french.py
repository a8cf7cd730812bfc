"""Refusals of user administration, service levels and notifications follow the reader's language.

The demo schools and the group read French unless a request asks for English; field names, codes and
typenames stay as they are in both languages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.sla.test_escalation import BOOKING_CONFLICT
from tests.tickets.helpers import ADMIN, LYON_AGENT, gid, sub_service_id

DEACTIVATE = """mutation($id: ID!) { deactivateUser(id: $id) { __typename
  ... on ValidationFailed { message fields { field message } } } }"""
TARGETS = """mutation($input: SetServiceLevelTargetInput!) { setServiceLevelTarget(input: $input) {
  __typename ... on ValidationFailed { fields { field message } } ... on Problem { message } } }"""
MARK = """mutation { markNotificationsRead(input: {ids: [], all: true}) { __typename
  ... on ValidationFailed { fields { field message } } } }"""


@pytest.fixture
async def bare(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client that names no language."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as c:
        yield c


async def _ask(client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None,
               language: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", **({"Accept-Language": language} if language else {})}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


async def test_an_administrator_deactivating_themself_reads_why_in_french_or_english(
        bare: httpx.AsyncClient, token_for: Any) -> None:
    token = token_for(ADMIN)
    me = (await _ask(bare, token, "{ viewer { user { id } } }"))["viewer"]["user"]["id"]
    french = (await _ask(bare, token, DEACTIVATE, {"id": me}))["deactivateUser"]
    english = (await _ask(bare, token, DEACTIVATE, {"id": me}, "en"))["deactivateUser"]
    assert french == {"__typename": "ValidationFailed",
                      "message": "saisie invalide : id : vous ne pouvez pas vous désactiver vous-même",
                      "fields": [{"field": "id", "message": "vous ne pouvez pas vous désactiver vous-même"}]}
    assert english == {"__typename": "ValidationFailed", "message": "invalid input: id: you cannot deactivate yourself",
                       "fields": [{"field": "id", "message": "you cannot deactivate yourself"}]}


async def test_service_level_refusals_read_in_french_with_their_numbers_and_field_names(
        bare: httpx.AsyncClient, token_for: Any, session: AsyncSession) -> None:
    booking = gid("SubService", await sub_service_id(session, BOOKING_CONFLICT))
    refused = (await _ask(bare, token_for(LYON_AGENT), TARGETS, {"input": {
        "subServiceId": booking, "priority": "NORMAL", "takeMinutes": 30}}))["setServiceLevelTarget"]
    assert refused == {"__typename": "PermissionDenied", "message": "les objectifs de niveau de service sont "
                                                                    "fixés par les administrateurs du groupe"}
    bad = {"input": {"subServiceId": booking, "priority": "NORMAL", "takeMinutes": 0}}
    french = (await _ask(bare, token_for(ADMIN), TARGETS, bad))["setServiceLevelTarget"]
    english = (await _ask(bare, token_for(ADMIN), TARGETS, bad, "en"))["setServiceLevelTarget"]
    assert french["fields"] == [{"field": "takeMinutes", "message": "doit être compris entre 1 et 527040 minutes "
                                                                    "de temps ouvré, ou null"}]
    assert english["fields"] == [{"field": "takeMinutes", "message": "must be between 1 and 527040 minutes of "
                                                                     "business time, or null"}]


async def test_marking_notifications_both_ways_is_refused_in_french_naming_ids(
        bare: httpx.AsyncClient, token_for: Any) -> None:
    french = (await _ask(bare, token_for(LYON_AGENT), MARK))["markNotificationsRead"]
    english = (await _ask(bare, token_for(LYON_AGENT), MARK, None, "en"))["markNotificationsRead"]
    assert french["fields"] == [{"field": "ids", "message": "donnez les identifiants à marquer, ou all: true "
                                                            "(pas les deux)"}]
    assert english["fields"] == [{"field": "ids", "message": "give the ids to mark, or all: true (not both)"}]
