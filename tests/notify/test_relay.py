"""Inside the app without a broker: the commit that wrote mails wakes the relay, which sends them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import select

from groupdesk.app import create_app
from server.config import Settings
from server.db import session_factory
from server.identity.models import User
from server.notify.models import MailOutbox
from tests.mirror.conftest import shared  # noqa: F401  (a database of its own, for the relay's sessions)
from tests.notify.conftest import SENDER
from tests.support.smtp_sink import SmtpSink
from tests.tickets.helpers import ACCOUNT_REQUEST, LYON_AGENT, ROUEN_EXPERT, gid, sub_service_id

OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { ref } } }"""


async def test_a_ticket_opened_over_graphql_mails_the_assigned_expert_through_the_embedded_relay(
        shared: Any, sink: SmtpSink, tmp_path: Any) -> None:  # noqa: F811
    url, engine = shared
    settings = Settings(database_url=url, dev_issuer_key_file=tmp_path / "key.json", demo_federation=False,
                        migrate_on_start=False, embedded_relay=True, relay_interval_seconds=3600,
                        tick_seconds=0, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="none",
                        mail_from=SENDER, _env_file=None)
    app = create_app(settings, engine=engine)
    sessions = session_factory(engine)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as client:
        async with sessions() as session:
            sub = await sub_service_id(session, ("scenari", "Account management", "Account creation"))
            expert = await session.scalar(select(User.email).where(User.username == ROUEN_EXPERT))
        token = app.state.runtime.local_issuer.sign(LYON_AGENT, username=LYON_AGENT)
        response = await client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
            "query": OPEN, "variables": {"input": {"subServiceId": gid("SubService", sub), "title": "Compte",
                                                   "requestData": ACCOUNT_REQUEST}}})
        ref = response.json()["data"]["openTicket"]["ref"]

        # The sweep runs only hourly: the after-commit wake-up alone sends it.
        arrived = await asyncio.to_thread(
            sink.wait_for, lambda ms: any(m["To"] == expert and m["X-Groupdesk-Ref"] == ref for m in ms), 60)
        assert arrived
        mail = sink.to(expert)[0]
        assert mail["Content-Language"] == "fr" and mail["In-Reply-To"] == f"<{ref}@groupdesk.example.org>"

        async with sessions() as session:
            addresses = sorted(r.address for r in await session.scalars(select(MailOutbox)))
        # Every mail the opening wrote arrives, each once.
        assert await asyncio.to_thread(
            sink.wait_for, lambda ms: sorted(m["To"] for m in ms) == addresses, 60), addresses
