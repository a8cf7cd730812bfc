"""A school's identity provider cannot make group experts: its expert pools open no other school's tickets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import ExpertDesignation, User
from server.tickets.models import Visibility
from tests.scim.conftest import ScimClient, scim_token_for
from tests.tickets.helpers import LYON_EXPERT
from tests.tickets.listing_helpers import insert_comment, insert_ticket

RENNES_AGENT = "dorian.kerhoual"   # school-agent at INSA Rennes, no expert role

READ = """query($ref: String!) {
  ticketByRef(ref: $ref) { ref comments { edges { node { body visibility } } } }
  tickets(first: 100) { edges { node { ref } } } }"""


async def test_a_school_scim_token_putting_its_user_in_an_expert_pool_opens_no_other_school_ticket(
        client, gql, session: AsyncSession) -> None:
    lyon_ticket = await insert_ticket(session, title="Scenari account at Lyon")
    await insert_comment(session, lyon_ticket, "Lyon's internal note", author=LYON_EXPERT,
                         visibility=Visibility.INTERNAL)
    rennes = ScimClient(client, await scim_token_for(session, "insa-rennes"))
    await session.commit()
    found = (await rennes.get("Users", filter=f'userName eq "{RENNES_AGENT}"')).json()["Resources"]
    assert len(found) == 1

    pool = await rennes.create_group("groupdesk-expert-scenari", found[0]["id"])

    # Kept as an ordinary group with its member, granting the bare expert role only.
    assert [m["value"] for m in pool["members"]] == [found[0]["id"]]
    user = await session.scalar(select(User).where(User.username == RENNES_AGENT)
                                .execution_options(populate_existing=True))
    assert user is not None and "expert" in user.role_names
    assert await session.scalar(select(ExpertDesignation).where(ExpertDesignation.user_id == user.id)) is None
    data = await gql(READ, {"ref": lyon_ticket.ref}, as_user=RENNES_AGENT)
    assert data["ticketByRef"] is None
    assert lyon_ticket.ref not in {edge["node"]["ref"] for edge in data["tickets"]["edges"]}
