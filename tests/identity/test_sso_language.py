"""An SSO login says which language the person reads (the token's `locale` claim); a choice made through
the API holds until the next login that says otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.languages import language_of_locale
from tests.identity.test_sso_login import person, stored
from tests.support.realm import Realm

# A language groupdesk does not speak: the request then reads the person's own language.
OWN = {"Accept-Language": "de"}
PAGE = "{ viewer { language } tickets(first: 0) { totalCount } }"


@pytest.fixture
async def insa(sso_client_for: Callable[..., Any], insa_realm: Realm) -> httpx.AsyncClient:
    return await sso_client_for(insa_realm.name)


async def read(client: httpx.AsyncClient, token: str, query: str = PAGE) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query},
                                 headers={"Authorization": f"Bearer {token}", **OWN})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_first_login_with_an_english_locale_reads_english(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    token = person(insa_realm, "visiting.scholar", sub="sub-visitor", locale="en-GB")
    assert (await read(insa, token, "{ viewer { language } }"))["data"] == {"viewer": {"language": "en"}}
    assert (await stored(session, insa_realm, "sub-visitor")).language == "en"
    body = await read(insa, token)
    assert body["errors"][0]["message"] == "invalid input: first: must be between 1 and 100 (the largest page)"
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_locale_groupdesk_does_not_speak_leaves_the_school_deciding(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    token = person(insa_realm, "gast", sub="sub-gast", locale="de-AT")
    assert (await read(insa, token, "{ viewer { language } }"))["data"] == {"viewer": {"language": "fr"}}
    assert (await stored(session, insa_realm, "sub-gast")).language is None
    body = await read(insa, token)
    assert body["errors"][0]["message"].startswith("saisie invalide : first : ")


async def test_a_choice_holds_for_the_login_and_the_next_login_sets_its_locale(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    signed_in = int(time.time()) - 120
    token = person(insa_realm, "chooser", sub="sub-chooser", locale="fr", auth_time=signed_in)
    assert (await read(insa, token, "{ viewer { language } }"))["data"] == {"viewer": {"language": "fr"}}
    chosen = await read(insa, token, 'mutation { setMyLanguage(language: "en") { __typename } }')
    assert chosen["data"] == {"setMyLanguage": {"__typename": "Viewer"}}
    # The same login's token, and a fresh token of that login: the choice holds.
    assert (await read(insa, token, "{ viewer { language } }"))["data"] == {"viewer": {"language": "en"}}
    again = person(insa_realm, "chooser", sub="sub-chooser", locale="fr", auth_time=signed_in)
    assert (await read(insa, again, "{ viewer { language } }"))["data"] == {"viewer": {"language": "en"}}
    # A new sign-in at the identity provider says French again.
    later = person(insa_realm, "chooser", sub="sub-chooser", locale="fr", auth_time=signed_in + 60)
    assert (await read(insa, later, "{ viewer { language } }"))["data"] == {"viewer": {"language": "fr"}}
    assert (await stored(session, insa_realm, "sub-chooser")).language == "fr"


def test_a_locale_names_the_language_by_its_primary_tag() -> None:
    assert [language_of_locale(v) for v in ("fr", "fr-FR", "fr_CA", "EN-us", "de", "", None, 3)] == [
        "fr", "fr", "fr", "en", None, None, None, None]
