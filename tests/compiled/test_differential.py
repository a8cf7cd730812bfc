"""Compiled execution answers exactly what graphql-core answers, for every role, on both databases.

Each generated document (tests/compiled/documents.py) runs twice through the real schema with the
same caller and data: once compiled, once with compiled execution off; the two responses (data,
errors, key order included) must be identical, and a document the planner supports must have
been compiled.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import schema
from schema.compiled import fallback
from schema.context import Context
from server.config import Settings
from tests.compiled.documents import document
from tests.compiled.tickets import Scene, build_scene
from tests.policy.world import ROLES, matrix_username, OWN, OTHER
from tests.support.principals import principal

# Every role at its own school and at the other one (group-level roles have one user).
CALLERS = sorted({name for role in ROLES if role != "anonymous"
                  for column in (OWN, OTHER) if (name := matrix_username(role, column))})


async def answer(sessions: async_sessionmaker[AsyncSession], settings: Settings, caller: Any,
                 query: str, variables: dict[str, Any], *, compiled: bool,
                 exact_count_limit: int) -> str:
    context = Context(settings=settings.model_copy(update={"compiled_execution": compiled,
                                                           "exact_count_limit": exact_count_limit}),
                      sessions=sessions, principal=caller)
    try:
        result = await schema.build_schema().execute(query, variable_values=variables,
                                                     context_value=context)
    finally:
        await context.finish(success=False)
    return json.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]})


def compiled_count() -> float:
    return fallback.REGISTRY.get_sample_value("groupdesk_graphql_compiled_operations_total") or 0.0


@pytest.fixture
async def scene(session: AsyncSession) -> Scene:
    return await build_scene(session)


@pytest.mark.parametrize("username", CALLERS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
async def test_compiled_answers_equal_graphql_core(username: str, scene: Scene, session: AsyncSession,
                                                   sessions: async_sessionmaker[AsyncSession],
                                                   settings: Settings, data: st.DataObject) -> None:
    caller = await principal(session, username)
    drawn = document(data, scene.ids, scene.cursors)
    # A limit below the lists' lengths makes totals estimates (flagged), one above keeps them exact.
    limit = data.draw(st.sampled_from([2, 1_000]), label="exact_count_limit")
    before = compiled_count()
    compiled = await answer(sessions, settings, caller, drawn.query, drawn.variables, compiled=True,
                            exact_count_limit=limit)
    ran_compiled = compiled_count() > before
    core = await answer(sessions, settings, caller, drawn.query, drawn.variables, compiled=False,
                        exact_count_limit=limit)
    assert compiled == core, drawn.query
    if drawn.compilable and '"errors": []' in core:
        assert ran_compiled, f"not compiled: {drawn.query}"


# People joined to the page and people named by its lists, and their schools: every level read.
PEOPLE = """{ tickets(first: 30) { edges { node {
  assignee { username tenant { slug } } openedBy { displayName }
  lastComments(count: 5) { body author { username tenant { slug } } }
  history { totalCount edges { node { kind actor { username tenant { name } } } } }
} } } }"""


@pytest.mark.parametrize("username", CALLERS)
async def test_every_level_of_people_is_read(username: str, scene: Scene, session: AsyncSession,
                                             sessions: async_sessionmaker[AsyncSession],
                                             settings: Settings) -> None:
    caller = await principal(session, username)
    before = compiled_count()
    compiled = await answer(sessions, settings, caller, PEOPLE, {}, compiled=True,
                            exact_count_limit=1_000)
    assert compiled_count() == before + 1
    core = await answer(sessions, settings, caller, PEOPLE, {}, compiled=False,
                        exact_count_limit=1_000)
    assert compiled == core
    assert '"errors": []' in core
