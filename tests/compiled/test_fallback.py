"""What the planner compiles, what it leaves to graphql-core, and how it says so."""

from __future__ import annotations

import logging

import pytest
from graphql import parse
from graphql.execution import Executor

import schema
from schema.compiled import fallback
from schema.compiled.planner import DocumentPlan, PlanCache
from schema.compiled.rows import Fetched, Listing
from schema.compiled.serializer import Response
from server.tickets.relatives import Kind
from tests.policy.operations import OPERATIONS
from tests.tickets.helpers import ADMIN
from tests.tickets.test_statement_count import hundred_tickets  # noqa: F401 - fixture


def fallbacks(reason: str) -> float:
    return fallback.REGISTRY.get_sample_value(
        "groupdesk_graphql_fallback_operations_total", {"reason": reason}) or 0.0


def compiled_count() -> float:
    return fallback.REGISTRY.get_sample_value("groupdesk_graphql_compiled_operations_total") or 0.0


@pytest.mark.parametrize("name", ["tickets", "myQueue", "ticket", "ticketByRef", "node"])
def test_the_policy_matrix_documents_of_ticket_reads_are_compiled(name: str) -> None:
    """The matrix (tests/policy) sends these through the view: they run on the compiled path."""
    built = schema.build_schema()._schema
    document = parse(OPERATIONS[name].document)
    executor = Executor.build(built, document, raw_variable_values={"id": "VGlja2V0OjE=",
                                                                    "ref": "GRP-2026-000001"})
    assert not isinstance(executor, list)
    plan = PlanCache().get(OPERATIONS[name].document, None, document, executor.operation)
    assert [root.name for root in plan.shape(executor).roots] == [name]


@pytest.mark.parametrize(("document", "reason"), [
    ("{ tickets { edges { node { comments { totalCountIsEstimate } } } } }",
     "TicketCommentConnection.totalCountIsEstimate"),
    ("{ tickets { edges { node { subService { service { name } } } } } }", "SubService.service"),
    ("{ tickets { edges { node { lastComments(count: 1) { apiToken { id } } } } } }",
     "TicketComment.apiToken"),
    ("{ viewer { roles } }", "Query.viewer"),
    ("mutation { revokeApiToken(id: \"x\") { __typename } }", "mutation"),
])
def test_what_is_not_compiled_is_named(document: str, reason: str) -> None:
    built = schema.build_schema()._schema
    parsed = parse(document)
    executor = Executor.build(built, parsed)
    assert not isinstance(executor, list)
    with pytest.raises(fallback.NotCompiled) as refused:
        PlanCache().get(document, None, parsed, executor.operation).shape(executor)
    assert refused.value.reason == reason


async def test_a_fallback_is_counted_each_time_and_logged_once(gql, caplog, backend) -> None:
    # A document of its own per database: the process logs each document's reason once.
    query = f"query Fallback_{backend} {{ tickets(first: 2) {{ edges {{ node {{ sla {{ __typename }} }} }} }} }}"
    before = fallbacks("Ticket.sla")
    with caplog.at_level(logging.INFO, logger="groupdesk.graphql.planner"):
        first = await gql(query, as_user=ADMIN)
        second = await gql(query, as_user=ADMIN)
    assert first == second
    assert fallbacks("Ticket.sla") == before + 2
    said = [r for r in caplog.records if r.name == "groupdesk.graphql.planner"]
    assert len(said) == 1
    assert said[0].fields == {"reason": "Ticket.sla",  # type: ignore[attr-defined]
                              "operation": f"Fallback_{backend}"}


async def test_metrics_show_compiled_and_fallback_operations(gql, client) -> None:
    await gql("{ tickets(first: 1) { totalCount } }", as_user=ADMIN)
    await gql("{ tickets(first: 1) { edges { node { mirror { status } } } } }", as_user=ADMIN)
    text = (await client.get("/metrics")).text
    assert "groupdesk_graphql_compiled_operations_total" in text
    assert 'groupdesk_graphql_fallback_operations_total{reason="Ticket.mirror"}' in text


async def test_compiled_execution_can_be_turned_off(gql, settings) -> None:
    before = compiled_count()
    settings.compiled_execution = False
    try:
        await gql("{ tickets(first: 1) { totalCount } }", as_user=ADMIN)
    finally:
        settings.compiled_execution = True
    assert compiled_count() == before
    await gql("{ tickets(first: 1) { totalCount } }", as_user=ADMIN)
    assert compiled_count() == before + 1


class _Page:
    def __init__(self, rows: list[object]) -> None:
        self.rows, self.cursors = rows, [f"c{i}" for i in range(len(rows))]
        self.has_next_page = self.has_previous_page = False


class _Ticket:
    id, tenant_id, ref = 7, 99, "GRP-2026-000007"


def _run(document: str) -> tuple[DocumentPlan, Executor]:
    built = schema.build_schema()._schema
    parsed = parse(document)
    executor = Executor.build(built, parsed)
    assert not isinstance(executor, list)
    return PlanCache().get(document, None, parsed, executor.operation), executor


def test_a_missing_non_null_relation_nulls_the_nearest_nullable_parent() -> None:
    """graphql-core's rule: the error at the field's path, null up to a nullable position."""
    plan, executor = _run('{ ticket(id: "VGlja2V0Ojc=") { ref school { slug } } }')
    shape = plan.shape(executor)
    response = Response(Fetched(viewer=None, rows={Kind.TENANT: {}}))
    assert response.data(shape, [_Ticket()]) == {"ticket": None}
    assert [e.formatted for e in response.errors] == [{
        "message": "Cannot return null for non-nullable field Ticket.school.",
        "locations": [{"line": 1, "column": 36}], "path": ["ticket", "school"]}]


def test_an_error_under_a_non_null_root_nulls_the_data() -> None:
    plan, executor = _run("{ tickets { edges { node { ref school { slug } } } } }")
    shape = plan.shape(executor)
    response = Response(Fetched(viewer=None, rows={Kind.TENANT: {}}))
    assert response.data(shape, [Listing(_Page([_Ticket()]), [_Ticket()], None)]) is None  # type: ignore[arg-type]
    assert response.errors[0].path == ["tickets", "edges", 0, "node", "school"]


async def test_variables_graphql_core_refuses_are_left_to_it(gql) -> None:
    before = fallbacks("variables refused")
    body = await gql("query($n: Int!) { tickets(first: $n) { totalCount } }", {"n": "many"},
                     as_user=ADMIN, expect_errors=True)
    assert body["errors"][0]["message"].startswith("Variable '$n' has invalid value")
    assert fallbacks("variables refused") == before + 1


async def test_refused_arguments_are_counted_but_not_logged(gql, caplog) -> None:
    before = fallbacks("arguments refused")
    with caplog.at_level(logging.INFO, logger="groupdesk.graphql.planner"):
        body = await gql("{ tickets(first: 0) { totalCount } }", as_user=ADMIN, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert fallbacks("arguments refused") == before + 1
    assert not [r for r in caplog.records if r.name == "groupdesk.graphql.planner"]


async def test_a_ticket_list_after_a_cursor_is_left_to_graphql_core(gql, hundred_tickets) -> None:  # noqa: F811
    """A comments cursor belongs to one ticket: graphql-core answers it, for every ticket."""
    before = fallbacks("Ticket.comments after a cursor")
    body = await gql('{ tickets(first: 2) { edges { node { comments(after: "x") { totalCount } } } } }',
                     as_user=ADMIN, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert fallbacks("Ticket.comments after a cursor") == before + 1
