"""The known path (schema.known_path): a query already answered by its plan is served again
without strawberry's pipeline, and answers exactly what the whole way answers, every check kept.

Two apps share the test's data: `known` has served the document once (it knows it), `fresh`
has never seen it and answers every request the whole way. Each request is sent to both; the
status, the media type and the body must be the same.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from groupdesk.app import create_app
from schema import request_body
from schema.compiled.fallback import REGISTRY
from server.config import Settings
from server.instruments import REGISTRY as INSTRUMENTS
from tests.compiled.documents import document
from tests.compiled.tickets import Scene, build_scene
from tests.spine.test_hostile_queries import own_database  # noqa: F401 - fixture
from tests.support.live_server import ENGLISH
from tests.tickets.helpers import ADMIN, LYON_AGENT

PAGE = """query Page($n: Int!, $after: String, $filter: TicketFilter) {
  tickets(first: $n, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id ref title state priority createdAt brick { code } school { slug }
                          assignee { username } } } } }"""
LIST = "{ tickets(first: 5) { edges { node { ref title school { slug } } } } }"


def served() -> float:
    return REGISTRY.get_sample_value("groupdesk_graphql_known_path_operations_total",
                                     {"outcome": "served"}) or 0.0


def handed(reason: str) -> float:
    return REGISTRY.get_sample_value("groupdesk_graphql_known_path_operations_total",
                                     {"outcome": reason}) or 0.0


def login_failures() -> float:
    return sum(sample.value for metric in INSTRUMENTS.collect() if metric.name == "groupdesk_login_failures"
               for sample in metric.samples if sample.name.endswith("_total"))


class Apps:
    """A `known` app and a `fresh` one on the same data and settings."""

    def __init__(self, settings: Settings, make: Callable[[Settings], Any]) -> None:
        # Both apps read these settings: a test may change them once the known app knows a document.
        self.settings = settings
        self.known_app, self.fresh_app = make(settings), make(settings)
        # The fresh app keeps no document: it answers every request the whole way.
        self.fresh_app.state.known_documents.max_entries = 0
        self.issuer = self.known_app.state.runtime.local_issuer
        self.known = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.known_app),
                                       base_url="http://groupdesk.test", headers=ENGLISH)
        self.fresh = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.fresh_app),
                                       base_url="http://groupdesk.test", headers=ENGLISH)

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.sign(username, username=username)}"}

    async def learn(self, body: dict[str, Any], username: str = ADMIN) -> None:
        """The known app serves the document once, the whole way, without error: it knows it."""
        response = await self.known.post("/graphql", json=body, headers=self.auth(username))
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        assert self.known_app.state.known_documents.get(body["query"], body.get("operationName")), \
            "the document was not learnt"

    async def both(self, body: Any = None, *, headers: dict[str, str] | None = None,
                   content: bytes | None = None) -> tuple[httpx.Response, httpx.Response]:
        """The same request to both apps; their answers must be the same."""
        answers = []
        for client in (self.known, self.fresh):
            if content is not None:
                answers.append(await client.post("/graphql", content=content, headers=headers or {}))
            else:
                answers.append(await client.post("/graphql", json=body, headers=headers or {}))
        known, fresh = answers
        assert (known.status_code, known.headers.get("content-type"), known.content) == \
            (fresh.status_code, fresh.headers.get("content-type"), fresh.content)
        return known, fresh

    async def aclose(self) -> None:
        await self.known.aclose()
        await self.fresh.aclose()


@pytest.fixture
async def apps_with(settings: Settings, engine: Any,
                    sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Callable[..., Apps]]:
    made: list[Apps] = []

    def make(**overrides: Any) -> Apps:
        apps = Apps(settings.model_copy(update=overrides),
                    lambda own: create_app(own, engine=engine, sessions=sessions))
        made.append(apps)
        return apps

    yield make
    for apps in made:
        await apps.aclose()


@pytest.fixture
async def scene(session: AsyncSession) -> Scene:
    return await build_scene(session)


async def test_a_known_query_is_served_by_the_known_path_as_the_whole_way_serves_it(apps_with, scene) -> None:
    apps = apps_with()
    body = {"query": PAGE, "variables": {"n": 3}, "operationName": "Page"}
    await apps.learn(body)
    before = served()
    first, _ = await apps.both(body, headers=apps.auth(ADMIN))
    assert served() == before + 1
    assert first.json()["extensions"]["cost"]["requested"] > 0
    # New variables: the next page, a filter, another size; another caller sees their own school.
    cursor = first.json()["data"]["tickets"]["pageInfo"]["endCursor"]
    for variables, who in [({"n": 2, "after": cursor}, ADMIN),
                           ({"n": 10, "filter": {"states": ["NEW", "ASSIGNED"]}}, ADMIN),
                           ({"n": 50}, LYON_AGENT)]:
        await apps.both({**body, "variables": variables}, headers=apps.auth(who))
    assert served() == before + 4
    # application/graphql-response+json is answered alike.
    await apps.both(body, headers={**apps.auth(ADMIN), "Accept": "application/graphql-response+json"})
    assert served() == before + 5


async def test_the_operation_is_noted_for_the_logs_and_metrics(apps_with, scene) -> None:
    apps = apps_with()
    body = {"query": PAGE, "variables": {"n": 1}, "operationName": "Page"}
    await apps.learn(body)
    metrics = await apps.known.get("/metrics")
    counted = 'groupdesk_requests_total{operation="Page",outcome="ok"}'
    was = next(float(line.split()[-1]) for line in metrics.text.splitlines() if line.startswith(counted))
    await apps.known.post("/graphql", json=body, headers=apps.auth(ADMIN))
    metrics = await apps.known.get("/metrics")
    now = next(float(line.split()[-1]) for line in metrics.text.splitlines() if line.startswith(counted))
    assert now == was + 1


@pytest.mark.parametrize(("variables", "reason"), [
    # An id that is not this API's, and text the database cannot store: BAD_USER_INPUT naming it.
    ({"n": 2, "filter": {"schoolIds": ["not-an-id"]}}, "arguments"),
    ({"n": 2, "filter": {"text": "a\u0000b"}}, "arguments"),
    # Variables graphql-core refuses (a string for an Int, a missing required one).
    ({"n": "ten"}, "not compiled"),
    ({}, "not compiled"),
    # A cursor that is not one of this list's, a page over the largest: the planner leaves these
    # refusals to graphql-core.
    ({"n": 2, "after": "bm90IGEgY3Vyc29y"}, "not compiled"),
    ({"n": 5000}, "not compiled"),
])
async def test_refused_variables_are_refused_as_the_whole_way_refuses_them(apps_with, scene, variables,
                                                                           reason) -> None:
    apps = apps_with()
    body = {"query": PAGE, "variables": {"n": 1}, "operationName": "Page"}
    await apps.learn(body)
    before, was_served = handed(reason), served()
    known, _ = await apps.both({**body, "variables": variables}, headers=apps.auth(ADMIN))
    assert known.json()["errors"]
    assert handed(reason) == before + 1
    assert served() == was_served


async def test_the_cost_budget_is_checked_with_each_requests_variables(apps_with, scene) -> None:
    apps = apps_with()
    body = {"query": PAGE, "variables": {"n": 1}, "operationName": "Page"}
    await apps.learn(body)
    cheap = (await apps.known.post("/graphql", json=body, headers=apps.auth(ADMIN))).json()
    apps.settings.max_query_cost = cheap["extensions"]["cost"]["requested"] + 1
    before = handed("cost")
    known, _ = await apps.both({**body, "variables": {"n": 100}}, headers=apps.auth(ADMIN))
    assert known.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert handed("cost") == before + 1


async def test_the_time_limit_bounds_the_known_path(settings, own_database) -> None:  # noqa: F811
    # A database of its own: a statement cut off by the limit ends its connection's transaction.
    apps = Apps(settings.model_copy(), lambda own: create_app(own, engine=own_database))
    body = {"query": LIST}
    await apps.learn(body)
    # Over before its first statement has answered.
    apps.settings.max_execution_seconds = 1e-9
    known, _ = await apps.both(body, headers=apps.auth(ADMIN))
    assert [e["extensions"]["code"] for e in known.json()["errors"]] == ["TIMEOUT"]
    assert known.json()["data"] is None
    await apps.both(body, headers={**apps.auth(ADMIN), "Accept": "application/graphql-response+json"})
    await apps.aclose()


async def test_a_run_with_errors_is_answered_the_whole_way(settings, own_database) -> None:  # noqa: F811
    apps = Apps(settings, lambda own: create_app(own, engine=own_database))
    body = {"query": LIST}
    await apps.learn(body)
    # The plan's statement now fails (its root field errs): the known path hands the request
    # over, the whole way meets the same failure and answers it as it always does.
    async with own_database.begin() as connection:
        await connection.execute(text("ALTER TABLE ticket RENAME COLUMN title TO title_gone"))
    before, was_served = handed("errors"), served()
    known, _ = await apps.both(body, headers=apps.auth(ADMIN))
    assert known.json()["errors"] and known.json()["data"] is None
    assert handed("errors") == before + 1 and served() == was_served
    await apps.aclose()


async def test_callers_are_refused_as_the_whole_way_refuses_them(apps_with, scene) -> None:
    apps = apps_with()
    body = {"query": LIST}
    await apps.learn(body)
    before = login_failures()
    bad, _ = await apps.both(body, headers={"Authorization": "Bearer gdk_" + "x" * 43})
    assert bad.status_code == 401
    # Counted once per request, on each app: the known path admits a caller once.
    assert login_failures() == before + 2
    anonymous, _ = await apps.both(body)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_per_caller_rate_limit_counts_each_request_once(apps_with, scene) -> None:
    apps = apps_with(rate_limit_principal="4/minute")
    body = {"query": PAGE, "variables": {"n": 1}, "operationName": "Page"}
    await apps.learn(body)  # 1
    statuses = [(await apps.known.post("/graphql", json=b, headers=apps.auth(ADMIN))).status_code
                for b in (body,  # 2: served by the known path
                          {**body, "variables": {"n": "ten"}},  # 3: handed to the whole way
                          body,  # 4
                          body)]  # 5: over the limit
    assert statuses == [200, 200, 200, 429]


async def test_bodies_that_are_not_plain_are_answered_the_whole_way(apps_with, scene) -> None:
    apps = apps_with()
    await apps.learn({"query": LIST})
    auth = {**apps.auth(ADMIN), "Content-Type": "application/json"}
    before = served()
    # `extensions`, a body the envelope refuses, JSON that is not JSON.
    await apps.both({"query": LIST, "extensions": {"persistedQuery": {"version": 1}}}, headers=apps.auth(ADMIN))
    await apps.both(content=json.dumps({"query": LIST, "variables": []}).encode(), headers=auth)
    await apps.both(content=b'{"query": ', headers=auth)
    assert served() == before
    # A body in several chunks is read whole.

    async def chunks() -> AsyncIterator[bytes]:
        text = json.dumps({"query": LIST}).encode()
        for start in range(0, len(text), 7):
            yield text[start:start + 7]

    response = await apps.known.post("/graphql", content=chunks(), headers=auth)
    assert response.status_code == 200 and served() == before + 1
    assert response.json() == (await apps.fresh.post("/graphql", json={"query": LIST},
                                                     headers=apps.auth(ADMIN))).json()


async def test_mutations_and_unknown_documents_are_never_served_by_it(apps_with, scene) -> None:
    apps = apps_with()
    mutation = {"query": 'mutation { markNotificationsRead(input: {all: true}) { __typename } }'}
    for _ in range(2):
        await apps.known.post("/graphql", json=mutation, headers=apps.auth(ADMIN))
    assert len(apps.known_app.state.known_documents) == 0
    # A query graphql-core answers (not compiled) is not known either.
    not_compiled = {"query": "{ viewer { roles } }"}
    for _ in range(2):
        await apps.known.post("/graphql", json=not_compiled, headers=apps.auth(ADMIN))
    assert len(apps.known_app.state.known_documents) == 0


CALLERS = [ADMIN, LYON_AGENT]


@pytest.mark.parametrize("username", CALLERS)
@hypothesis_settings(max_examples=15, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_generated_documents_answer_the_same_by_either_way(username: str, apps_with, scene: Scene,
                                                                 data: st.DataObject) -> None:
    """Documents over the real schema (aliases, fragments, directives, variables, every connection
    argument): the second request of each, served by the known path when the first was compiled,
    answers byte for byte what the whole way answers."""
    apps = apps_with()
    try:
        drawn = document(data, scene.ids, scene.cursors)
        body = {"query": drawn.query, "variables": drawn.variables}
        first = await apps.known.post("/graphql", json=body, headers=apps.auth(username))
        before = served()
        await apps.both(body, headers=apps.auth(username))
        learnt = apps.known_app.state.known_documents.get(drawn.query, None) is not None
        if drawn.compilable and first.status_code == 200 and "errors" not in first.json():
            assert learnt and served() == before + 1, drawn.query
    finally:
        await apps.aclose()


# Any JSON a client could send, hostile included: text with NUL and lone surrogates, integers
# beyond 64 bits, nesting, and the plausible values of each variable.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
FILTER_KEYS = ["states", "schoolIds", "brickIds", "assigneeIds", "unassigned", "priorities", "escalated",
               "createdAfter", "text", "slaStates", "dueBefore", "fulfilmentStatuses", "nope"]


@hypothesis_settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_any_variables_are_answered_as_the_whole_way_answers_them(apps_with, scene: Scene,
                                                                       data: st.DataObject) -> None:
    """A known document with whatever variables a client sends, valid or hostile: the same answer
    by either way (the known path re-checks them or hands them over)."""
    apps = apps_with()
    body = {"query": PAGE, "variables": {"n": 1}, "operationName": "Page"}
    if not apps.known_app.state.known_documents.get(PAGE, "Page"):
        await apps.learn(body)
    n = data.draw(st.one_of(st.integers(min_value=-2, max_value=120), JSON), label="n")
    after = data.draw(st.one_of(st.none(), st.sampled_from(scene.cursors), JSON), label="after")
    filter_ = data.draw(st.one_of(
        st.none(), JSON,
        st.dictionaries(st.sampled_from(FILTER_KEYS),
                        st.one_of(JSON, st.lists(st.sampled_from(list(scene.ids.values())), max_size=3),
                                  st.sampled_from(["NEW", "ASSIGNED", "CLOSED", "2026-01-01T00:00:00Z"])),
                        max_size=3)), label="filter")
    variables = {"n": n, "after": after, "filter": filter_}
    who = data.draw(st.sampled_from(CALLERS), label="caller")
    await apps.both({**body, "variables": variables}, headers=apps.auth(who))


async def test_a_body_is_parsed_once_and_a_refused_callers_never(apps_with, scene, monkeypatch) -> None:
    """With the known path on, every JSON POST still has its body parsed once (the whole way takes
    the known path's envelope), and a caller the gate refuses has its body never parsed."""
    apps = apps_with()
    await apps.learn({"query": LIST})
    parsed: list[int] = []
    real = request_body.loads

    def counted(data: Any, **options: Any) -> Any:
        parsed.append(len(data))
        return real(data, **options)

    monkeypatch.setattr(request_body, "loads", counted)
    bodies = [{"query": "mutation { markNotificationsRead(input: {all: true}) { __typename } }"},
              {"query": "{ viewer { roles } }"}, {"query": LIST}]
    for body in bodies:
        parsed.clear()
        response = await apps.known.post("/graphql", json=body, headers=apps.auth(ADMIN))
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        assert len(parsed) == 1, body
    parsed.clear()
    refused = await apps.known.post("/graphql", json={"query": LIST, "padding": "x" * 100_000},
                                    headers={"Authorization": "Bearer gdk_" + "x" * 43})
    assert refused.status_code == 401 and parsed == []
    # A body the envelope refuses: parsed once, refused as the whole way refuses it.
    await apps.both(content=b'{"query": 1}', headers={**apps.auth(ADMIN), "Content-Type": "application/json"})
    assert len(parsed) == 2  # once by each app
