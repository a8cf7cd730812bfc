"""GraphQL over HTTP: clients that accept application/graphql-response+json get meaningful statuses."""

from __future__ import annotations

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
