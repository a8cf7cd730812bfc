"""GraphQL over HTTP: clients that accept application/graphql-response+json get meaningful statuses,
request errors have no `data` entry, and mutations never run over GET."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from server.identity.models import User

MEDIA = "application/graphql-response+json"


async def _post(client, body: dict, *, accept: str, token: str | None = None):
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post("/graphql", json=body, headers=headers)


async def test_parse_and_validation_errors_are_400_with_the_graphql_media_type(client, token_for) -> None:
    token = token_for("amandine.roclerc")
    for query in ("{ bricks { code ", "{ bricks { nosuchfield } }"):
        response = await _post(client, {"query": query}, accept=MEDIA, token=token)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith(MEDIA)
        assert response.json()["errors"]


async def test_a_successful_query_is_200_with_the_graphql_media_type(client, token_for) -> None:
    response = await _post(client, {"query": "{ bricks { code } }"}, accept=MEDIA,
                           token=token_for("amandine.roclerc"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MEDIA)
    assert response.json()["data"]["bricks"]


async def test_an_anonymous_query_is_401_with_the_graphql_media_type(client) -> None:
    response = await _post(client, {"query": "{ bricks { code } }"}, accept=MEDIA)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_plain_json_clients_keep_200_for_a_validation_error(client, token_for) -> None:
    response = await _post(client, {"query": "{ bricks { nosuchfield } }"}, accept="application/json",
                           token=token_for("amandine.roclerc"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"]


@pytest.mark.parametrize("request_error", [
    {"query": "{ bricks { code "},
    {"query": "{ bricks { nosuchfield } }"},
    {"query": "query($n: Int!) { tickets(first: $n) { totalCount } }", "variables": {"n": "many"}},
])
async def test_a_request_error_has_no_data_entry_with_the_graphql_media_type(
        client, token_for, request_error) -> None:
    token = token_for("amandine.roclerc")
    response = await _post(client, request_error, accept=MEDIA, token=token)
    assert response.status_code == 400, response.text
    assert "data" not in response.json()
    assert response.json()["errors"]

    legacy = await _post(client, request_error, accept="application/json", token=token)
    assert legacy.status_code == 200
    assert legacy.json()["data"] is None and legacy.json()["errors"]


async def test_an_executed_operation_whose_data_is_null_is_200(client, token_for) -> None:
    # `tickets` is non-null: its refusal of the page size nulls `data`, but the operation did run.
    response = await _post(client, {"query": "{ tickets(first: -1) { totalCount } }"}, accept=MEDIA,
                           token=token_for("amandine.roclerc"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["tickets"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_anonymous_query_has_no_data_entry_with_the_graphql_media_type(client) -> None:
    response = await _post(client, {"query": "{ bricks { code } }"}, accept=MEDIA)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(MEDIA)
    assert "data" not in response.json()


async def test_a_mutation_over_get_is_405_with_allow_post_and_nothing_changes(client, token_for) -> None:
    token = token_for("valentine.orsembaud")
    mutation = 'mutation { createBrick(input: {code: "viaget", name: "Via GET"}) { __typename } }'
    for accept in (MEDIA, "application/json"):
        response = await client.get("/graphql", params={"query": mutation},
                                    headers={"Accept": accept, "Authorization": f"Bearer {token}"})
        assert response.status_code == 405, response.text
        assert response.headers["allow"] == "POST"
        assert response.headers["content-type"].startswith(accept)
        assert "data" not in response.json()
        assert "POST" in response.json()["errors"][0]["message"]
    bricks = await _post(client, {"query": "{ bricks { code } }"}, accept=MEDIA, token=token)
    assert "viaget" not in {b["code"] for b in bricks.json()["data"]["bricks"]}


async def test_a_query_over_get_still_runs(client, token_for) -> None:
    response = await client.get("/graphql", params={"query": "{ bricks { code } }"},
                                headers={"Accept": MEDIA,
                                         "Authorization": f"Bearer {token_for('amandine.roclerc')}"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["bricks"]


async def test_a_refused_token_is_401_in_the_media_type_the_client_accepts(client) -> None:
    for accept in (MEDIA, "application/json"):
        response = await client.post("/graphql", json={"query": "{ bricks { code } }"},
                                     headers={"Accept": accept, "Authorization": "Bearer not-a-token"})
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith(accept)
        assert response.headers["www-authenticate"].startswith("Bearer ")
        assert "data" not in response.json()
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_deactivated_caller_is_403_in_the_graphql_media_type(client, token_for, session) -> None:
    await session.execute(update(User).where(User.username == "amandine.roclerc").values(active=False))
    await session.commit()
    response = await _post(client, {"query": "{ bricks { code } }"}, accept=MEDIA,
                           token=token_for("amandine.roclerc"))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(MEDIA)
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
