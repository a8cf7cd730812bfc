"""The compiled page costs a fixed number of statements, whatever its size, and is compiled."""

from __future__ import annotations

import pytest

from schema.compiled import fallback
from tests.tickets.helpers import ADMIN, LYON_AGENT, ROUEN_EXPERT
from tests.tickets.test_statement_count import compiled_anew, counting, hundred_tickets  # noqa: F401 - fixture

# The page the consoles send: a page of tickets with every to-one relation.
PAGE = """query($n: Int!) { tickets(first: $n) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id ref title state priority requesterName escalationLevel allowedActions createdAt
    brick { code } service { name } subService { name } school { slug }
    openedBy { username tenant { slug } } assignee { username }
  } } } }"""


def compiled_count() -> float:
    return fallback.REGISTRY.get_sample_value("groupdesk_graphql_compiled_operations_total") or 0.0


@pytest.mark.parametrize("viewer", [ADMIN, ROUEN_EXPERT, LYON_AGENT])
async def test_compiled_page_statements_do_not_grow_with_the_page(gql, engine, hundred_tickets,  # noqa: F811
                                                                  viewer) -> None:
    counts = {}
    for size in (10, 100):
        before = compiled_count()
        with counting(engine) as statements:
            data = await gql(PAGE, {"n": size}, as_user=viewer)
        assert compiled_count() == before + 1, "the page was not compiled"
        edges = data["tickets"]["edges"]
        assert len(edges) == min(size, data["tickets"]["totalCount"])
        counts[size] = len(statements)
    assert counts[10] == counts[100], counts
    # Authentication 2, the page (its six to-one relations joined to it) and its count 2, then
    # the openers' schools the page's did not already read, in one statement: at most 5.
    assert counts[100] <= 5, counts


# A ticket's lists: its comments, latest comments and history with their authors and actors.
MANY = """query($n: Int!) { tickets(first: $n) { edges { node {
  id comments(first: 2) { totalCount pageInfo { hasNextPage } edges { cursor node {
    body visibility author { username tenant { slug } } } } }
  lastComments(count: 2) { body author { displayName } }
  history(last: 3) { edges { node { kind data actor { username } } } }
} } } }"""


@pytest.mark.parametrize("viewer", [ADMIN, LYON_AGENT])
async def test_compiled_lists_of_tickets_do_not_grow_with_the_page(gql, engine, hundred_tickets,  # noqa: F811
                                                                   viewer) -> None:
    counts = {}
    for size in (10, 100):
        before = compiled_count()
        with counting(engine) as statements:
            await gql(MANY, {"n": size}, as_user=viewer)
        assert compiled_count() == before + 1, "the page was not compiled"
        counts[size] = len(statements)
    assert counts[10] == counts[100], counts
    # Authentication 2, the page 1, the comments' page and count 2, the latest comments 1, the
    # history 1, the authors and actors 1, their schools 1: at most 9.
    assert counts[100] <= 9, counts


@pytest.mark.parametrize("viewer", [ADMIN, LYON_AGENT])
async def test_a_page_served_again_compiles_no_statement(gql, engine, hundred_tickets,  # noqa: F811
                                                        viewer) -> None:
    """The second request of a page (served by the known path) takes every statement from
    SQLAlchemy's compiled cache: nothing is compiled per request."""
    await gql(PAGE, {"n": 20}, as_user=viewer)
    await gql(MANY, {"n": 20}, as_user=viewer)
    with compiled_anew(engine) as anew:
        await gql(PAGE, {"n": 20}, as_user=viewer)
        await gql(MANY, {"n": 20}, as_user=viewer)
    assert anew == [], "\n".join(anew)
