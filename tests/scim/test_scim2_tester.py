"""scim2-tester's checks (discovery, CRUD, PATCH add/replace/remove on every attribute) on a live server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from scim2_tester import Status, check_server

from server import migrations
from groupdesk.app import create_app
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.identity.api_tokens import create_api_token
from server.identity.models import Tenant
from tenants.context import OPERATOR, TenantKind
from tests.conftest import drop_database, new_database
from tests.support.live_server import LiveServer
from tests.support.scim_sync_client import HttpxSyncSCIMClient


@pytest.fixture
async def live_scim(backend: str, tmp_path: Path, settings: Settings) -> AsyncIterator[tuple[str, str]]:
    """A server on a loopback port over its own database, and a SCIM token of a fresh school."""
    url = await new_database(backend, tmp_path)
    try:
        engine = create_engine(url)
        try:
            await migrations.upgrade(engine)
            async with writer_session(session_factory(engine)) as session:
                school = Tenant(slug="ecole-test", name="École test", kind=TenantKind.SCHOOL)
                session.add(school)
                await session.flush()
                _, raw = await create_api_token(session, actor=OPERATOR, tenant_id=school.id,
                                                name="scim2-tester", purpose="SCIM")
        finally:
            await engine.dispose()
        # The app owns its engine: pooled on the server thread's event loop, disposed there.
        app = create_app(settings.model_copy(update={"database_url": url}))
        with LiveServer(app, lifespan="on") as server:
            yield server.url + "/scim/v2", raw
    finally:
        await drop_database(url)


def _run_checks(base_url: str, token: str) -> list:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as http:
        return check_server(HttpxSyncSCIMClient(http))


@pytest.mark.long
async def test_scim2_tester_finds_no_error(live_scim: tuple[str, str]) -> None:
    results = await asyncio.to_thread(_run_checks, *live_scim)

    failures = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    report = "\n".join(f"{r.status.name} {r.title} [{r.resource_type}]: {r.reason}" for r in failures)
    assert not failures, f"{len(failures)} of {len(results)} checks failed:\n{report}"
    assert sum(r.status == Status.SUCCESS for r in results) > 50
