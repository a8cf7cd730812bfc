"""Logs through the app: client mistakes at INFO without traceback, bugs at ERROR with one, and every
line of a request carrying its request_id; the access line names caller, operation and outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import pytest
import strawberry

from schema.reporting import ReportingSchema
from server import logs
from server.jobs.scheduler import build_scheduler
from tests.support.log_events import logged
from tests.tickets.helpers import ACCOUNT_CREATION, LYON_AGENT, OPEN, RENNES_AGENT, sub_service_gid


def _access(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    [line] = [r for r in caplog.records if r.name == "groupdesk.access"]
    return line


async def test_a_bad_user_input_is_one_info_line_and_the_access_line_names_everything(
        gql, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await gql("query Lookup { tickets(first: 100000) { totalCount } }", as_user=LYON_AGENT,
              expect_errors=True)

    graphql = [r for r in caplog.records if r.name.startswith(("groupdesk.graphql", "strawberry"))]
    assert [(r.levelno, r.exc_info) for r in graphql] == [(logging.INFO, None)]
    access = _access(caplog)
    assert graphql[0].request_id == access.fields["request_id"]
    assert {k: access.fields.get(k) for k in ("user", "tenant", "operation", "operation_type", "outcome")} == {
        "user": LYON_AGENT, "tenant": "insa-lyon", "operation": "Lookup", "operation_type": "query",
        "outcome": "error:BAD_USER_INPUT"}


async def test_a_refused_mutation_is_not_just_200(gql, caplog: pytest.LogCaptureFixture) -> None:
    input = {"subServiceId": await sub_service_gid(gql, ACCOUNT_CREATION), "title": "x",
             "onBehalfOf": "VGVuYW50OjE="}  # another tenant than the caller's
    caplog.clear()
    caplog.set_level(logging.INFO)

    result = await gql(OPEN, {"input": input}, as_user=RENNES_AGENT)

    assert result["openTicket"]["__typename"] in {"PermissionDenied", "ValidationFailed", "NotFound"}
    access = _access(caplog)
    assert access.fields["status"] == 200
    assert access.fields["outcome"] == f"refused:{result['openTicket']['__typename']}"
    assert access.fields["operation_type"] == "mutation"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_good_request_is_ok(gql, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await gql("{ bricks { code } }", as_user=LYON_AGENT)
    assert _access(caplog).fields["outcome"] == "ok"


@strawberry.type
class Broken:
    @strawberry.field
    def boom(self) -> int:
        raise RuntimeError("a bug")

    @strawberry.field
    def fine(self) -> int:
        return 1


async def test_an_unexpected_error_is_an_error_with_its_traceback_and_the_request_id(
        caplog: pytest.LogCaptureFixture) -> None:
    logs.install_request_ids()
    token = logs.current_request.set(logs.RequestFacts("req-123"))
    try:
        caplog.set_level(logging.INFO)
        await ReportingSchema(query=Broken).execute("query Q { boom }")
        await ReportingSchema(query=Broken).execute("query Q { nope }")
        facts = logs.current_request.get()
    finally:
        logs.current_request.reset(token)

    [bug, mistake] = [r for r in caplog.records if r.name == "groupdesk.graphql"]
    assert bug.levelno == logging.ERROR and bug.exc_info is not None and bug.request_id == "req-123"
    assert mistake.levelno == logging.INFO and mistake.exc_info is None and mistake.request_id == "req-123"
    assert facts is not None and facts.outcomes == ["error:INTERNAL", "error:BAD_REQUEST"]


async def test_the_schedulers_routine_lines_are_debug(settings: Any, sessions: Any,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    scheduler = build_scheduler(settings.model_copy(update={"tick_seconds": 3600}), sessions)
    assert scheduler is not None
    ran = asyncio.Event()
    scheduler.add_job(ran.set, "date", run_date=dt.datetime.now(dt.UTC), id="probe", name="probe",
                      misfire_grace_time=None)  # however late a busy machine wakes it, it runs
    # "executed successfully" is logged just after the job returns.
    with logged("apscheduler", lambda message: '"probe' in message
                and "executed successfully" in message) as executed:
        scheduler.start()
        try:
            await asyncio.wait_for(ran.wait(), 30)
            await asyncio.wait_for(executed.wait(), 30)
        finally:
            scheduler.shutdown(wait=False)

    # Other schedulers of the test process (a live server's) may warn meanwhile: a warning is news,
    # not routine, and stays a warning. What must never show at INFO is the routine itself.
    scheduler_lines = [r for r in caplog.records if r.name.startswith("apscheduler")]
    probe = [r for r in scheduler_lines if '"probe' in r.getMessage()]
    assert any("executed successfully" in r.getMessage() for r in probe)
    assert {r.levelname for r in probe} == {"DEBUG"}
    assert not [r.getMessage() for r in scheduler_lines if r.levelno == logging.INFO]
