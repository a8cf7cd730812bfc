"""The catalogue through GraphQL: reading for everyone signed in, administration for group admins."""

from __future__ import annotations

import pytest

ADMIN = "valentine.orsembaud"       # group-admin at groupe-insa
LYON_AGENT = "amandine.roclerc"     # school-agent at INSA Lyon
RENNES_EXPERT = "fanny.lestrehan"   # school-agent + expert at INSA Rennes

BRICKS = "{ bricks { id code name services { name subServices { id name requiresApproval defaultPriority form } } } }"


async def test_viewer_shows_the_calling_user_tenant_and_roles(gql) -> None:
    data = await gql("{ viewer { user { username displayName } tenant { slug kind } roles } }",
                     as_user=LYON_AGENT)
    assert data["viewer"]["user"]["username"] == LYON_AGENT
    assert data["viewer"]["tenant"] == {"slug": "insa-lyon", "kind": "SCHOOL"}
    assert data["viewer"]["roles"] == ["SCHOOL_AGENT"]


async def test_anonymous_request_is_refused_with_unauthenticated(gql) -> None:
    body = await gql("{ bricks { code } }", expect_errors=True)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_garbage_token_is_a_401_with_the_reason(client) -> None:
    response = await client.post("/graphql", json={"query": "{ bricks { code } }"},
                                 headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert "malformed" in response.json()["errors"][0]["message"]
    assert response.headers["www-authenticate"].startswith("Bearer error=\"invalid_token\"")


async def test_catalogue_tree_lists_scenari_account_creation_with_its_form(gql) -> None:
    data = await gql(BRICKS, as_user=LYON_AGENT)
    scenari = next(b for b in data["bricks"] if b["code"] == "scenari")
    accounts = next(s for s in scenari["services"] if s["name"] == "Account management")
    creation = next(ss for ss in accounts["subServices"] if ss["name"] == "Account creation")
    assert creation["form"]["type"] == "object"
    assert creation["defaultPriority"] in {"LOW", "NORMAL", "HIGH", "CRITICAL"}


async def test_brick_by_code_and_sub_service_by_id_and_node_agree(gql) -> None:
    data = await gql(BRICKS, as_user=LYON_AGENT)
    sub_id = data["bricks"][0]["services"][0]["subServices"][0]["id"]
    one = await gql("query($id: ID!) { subService(id: $id) { id name service { brick { code } } } "
                    "node(id: $id) { ... on SubService { name } } }", {"id": sub_id},
                    as_user=LYON_AGENT)
    assert one["subService"]["id"] == sub_id
    assert one["node"]["name"] == one["subService"]["name"]
    code = one["subService"]["service"]["brick"]["code"]
    assert (await gql("query($c: String!) { brick(code: $c) { code } }", {"c": code},
                      as_user=LYON_AGENT))["brick"]["code"] == code


async def test_experts_lists_designations_across_schools(gql) -> None:
    data = await gql("{ experts { level user { username tenant { slug } } brick { code } } }",
                     as_user=LYON_AGENT)
    schools = {d["user"]["tenant"]["slug"] for d in data["experts"]}
    assert len(schools) >= 3
    assert {d["level"] for d in data["experts"]} == {"BRICK", "SERVICE", "SUB_SERVICE"}


CREATE_BRICK = """mutation($input: CreateBrickInput!) { createBrick(input: $input) {
  __typename ... on Brick { id code name active }
  ... on Problem { message } ... on ValidationFailed { fields { field message } } } }"""


async def test_group_admin_creates_a_brick_with_a_service_and_sub_service(gql) -> None:
    brick = (await gql(CREATE_BRICK, {"input": {"code": "peertube", "name": "PeerTube"}},
                       as_user=ADMIN))["createBrick"]
    assert brick["__typename"] == "Brick" and brick["active"] is True
    service = (await gql("""mutation($b: ID!) { createService(input: {brickId: $b, name: "Channels"})
        { __typename ... on Service { id name brick { code } } } }""", {"b": brick["id"]},
                         as_user=ADMIN))["createService"]
    assert service["brick"]["code"] == "peertube"
    sub = (await gql("""mutation($s: ID!) { createSubService(input: {serviceId: $s,
        name: "Channel creation", requiresApproval: true, defaultPriority: LOW,
        form: {type: "object", required: ["channel"], properties: {channel: {type: "string"}}}})
        { __typename ... on SubService { name requiresApproval defaultPriority form } } }""",
                   {"s": service["id"]}, as_user=ADMIN))["createSubService"]
    assert sub == {"__typename": "SubService", "name": "Channel creation", "requiresApproval": True,
                   "defaultPriority": "LOW",
                   "form": {"type": "object", "required": ["channel"],
                            "properties": {"channel": {"type": "string"}}}}


async def test_school_agent_cannot_create_a_brick_and_nothing_is_created(gql) -> None:
    result = (await gql(CREATE_BRICK, {"input": {"code": "sneaky", "name": "Sneaky"}},
                        as_user=LYON_AGENT))["createBrick"]
    assert result["__typename"] == "PermissionDenied"
    assert (await gql('{ brick(code: "sneaky") { code } }', as_user=ADMIN))["brick"] is None


@pytest.mark.parametrize("user", [RENNES_EXPERT, "xaviere.lamboulin", "bastien.fauvrelle"])
async def test_only_group_admins_manage_the_catalogue(gql, user: str) -> None:
    bricks = (await gql("{ bricks { id } }", as_user=user))["bricks"]
    result = (await gql('mutation($id: ID!) { deactivateBrick(id: $id) { __typename } }',
                        {"id": bricks[0]["id"]}, as_user=user))["deactivateBrick"]
    assert result["__typename"] == "PermissionDenied"


async def test_bad_input_names_every_field_and_creates_nothing(gql) -> None:
    result = (await gql(CREATE_BRICK, {"input": {"code": "Bad Code!", "name": "  "}},
                        as_user=ADMIN))["createBrick"]
    assert result["__typename"] == "ValidationFailed"
    assert {f["field"] for f in result["fields"]} == {"code", "name"}


async def test_invalid_json_schema_form_is_a_field_error(gql) -> None:
    result = (await gql("""mutation($s: ID!) { createSubService(input: {serviceId: $s, name: "X",
        form: {type: "nonsense"}}) { __typename ... on ValidationFailed { fields { field message } } } }""",
                        {"s": await _a_service_id(gql)}, as_user=ADMIN))["createSubService"]
    assert result["__typename"] == "ValidationFailed"
    assert result["fields"][0]["field"] == "form"
    assert "JSON Schema" in result["fields"][0]["message"]


async def _a_service_id(gql) -> str:
    data = await gql('{ brick(code: "scenari") { services { id name } } }', as_user=ADMIN)
    return data["brick"]["services"][0]["id"]


async def test_duplicate_names_are_a_conflict_whatever_the_case(gql) -> None:
    data = await gql('{ brick(code: "scenari") { id services { name } } }', as_user=ADMIN)
    name = data["brick"]["services"][0]["name"].upper()
    result = (await gql("""mutation($b: ID!, $n: String!) { createService(input: {brickId: $b, name: $n})
        { __typename ... on Conflict { message } } }""", {"b": data["brick"]["id"], "n": name},
                        as_user=ADMIN))["createService"]
    assert result["__typename"] == "Conflict"
    dup = (await gql(CREATE_BRICK, {"input": {"code": "scenari", "name": "Again"}},
                     as_user=ADMIN))["createBrick"]
    assert dup["__typename"] == "Conflict"


async def test_deactivated_brick_is_hidden_from_schools_but_kept_for_admins(gql) -> None:
    brick = (await gql('{ brick(code: "scenari") { id } }', as_user=ADMIN))["brick"]
    result = (await gql('mutation($id: ID!) { deactivateBrick(id: $id) { __typename ... on Brick { active } } }',
                        {"id": brick["id"]}, as_user=ADMIN))["deactivateBrick"]
    assert result == {"__typename": "Brick", "active": False}
    assert (await gql('{ brick(code: "scenari") { code } }', as_user=LYON_AGENT))["brick"] is None
    assert "scenari" not in {b["code"] for b in (await gql("{ bricks { code } }", as_user=LYON_AGENT))["bricks"]}
    admin_view = await gql("{ bricks(includeInactive: true) { code active } }", as_user=ADMIN)
    assert {"code": "scenari", "active": False} in admin_view["bricks"]
    assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": brick["id"]},
                      as_user=LYON_AGENT))["node"] is None


async def test_unknown_or_foreign_ids_are_not_found(gql) -> None:
    import base64

    tenant = (await gql("{ tenants { id } }", as_user=ADMIN))["tenants"][0]["id"]
    missing = base64.b64encode(b"Brick:999999").decode()
    for brick_id in (tenant, missing):
        result = await gql("""mutation($id: ID!) { createService(input: {brickId: $id, name: "X"})
            { __typename ... on NotFound { message } } }""", {"id": brick_id}, as_user=ADMIN)
        assert result["createService"]["__typename"] == "NotFound"


async def test_garbled_id_is_a_graphql_error(gql) -> None:
    body = await gql("""mutation { createService(input: {brickId: "%%%", name: "X"}) { __typename } }""",
                     as_user=ADMIN, expect_errors=True)
    assert "GlobalID" in body["errors"][0]["message"]


async def test_queries_work_over_get_but_mutations_do_not(client, token_for) -> None:
    headers = {"Authorization": f"Bearer {token_for(LYON_AGENT)}"}
    ok = await client.get("/graphql", params={"query": "{ bricks { code } }"}, headers=headers)
    assert ok.status_code == 200 and ok.json()["data"]["bricks"]
    refused = await client.get("/graphql", headers=headers, params={
        "query": 'mutation { createBrick(input: {code: "x", name: "X"}) { __typename } }'})
    assert refused.status_code in (400, 405)
