"""totalCount is exact up to the exact-count limit, and a flagged estimate beyond, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from groupdesk.app import create_app
from tests.conftest import GraphQLClient
from tests.tickets.helpers import ADMIN, LYON_AGENT
from tests.tickets.test_statement_count import counting, hundred_tickets  # noqa: F401

LIST = """query($f: TicketFilter) { tickets(first: 5, filter: $f) {
  totalCount totalCountIsEstimate edges { node { ref } } } }"""


@pytest.fixture
def limited(settings, engine, sessions) -> Any:
    async def make(limit: int) -> tuple[GraphQLClient, httpx.AsyncClient]:
        app = create_app(settings.model_copy(update={"exact_count_limit": limit}), engine=engine,
                         sessions=sessions)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://groupdesk.test")
        issuer = app.state.runtime.local_issuer
        return GraphQLClient(client, lambda u: issuer.sign(u, username=u)), client
    return make


async def test_a_list_within_the_limit_is_counted_exactly(limited, hundred_tickets) -> None:  # noqa: F811
    gql, client = await limited(1000)
    async with client:
        admin = (await gql(LIST, as_user=ADMIN))["tickets"]
        lyon = (await gql(LIST, as_user=LYON_AGENT))["tickets"]
    assert admin["totalCount"] >= 100 and admin["totalCountIsEstimate"] is False
    # Visibility is counted too: Lyon sees its own half, exactly.
    assert lyon["totalCountIsEstimate"] is False and lyon["totalCount"] < admin["totalCount"]


async def test_a_list_past_the_limit_is_an_estimate_flagged_as_such(limited, engine,
                                                                     hundred_tickets) -> None:  # noqa: F811
    gql, client = await limited(10)
    async with client:
        with counting(engine) as statements:
            found = (await gql(LIST, as_user=ADMIN))["tickets"]
        lyon = (await gql(LIST, {"f": {"text": "nothing like this anywhere"}},
                          as_user=LYON_AGENT))["tickets"]
    assert found["totalCountIsEstimate"] is True
    assert found["totalCount"] >= 11  # never below what was seen: the limit + 1
    if engine.dialect.name == "sqlite":
        assert found["totalCount"] == 11
    # The count read at most limit + 1 rows, and was made once for both fields.
    counts = [s for s in statements if "count(" in s.lower()]
    assert len(counts) == 1 and "LIMIT" in counts[0].upper(), counts
    # A short list is still exact under the same limit.
    assert lyon == {"totalCount": 0, "totalCountIsEstimate": False, "edges": []}
