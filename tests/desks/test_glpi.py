"""The GLPI connector against a fake of GLPI's legacy REST API."""

from __future__ import annotations

import pytest

from tenants.desks import DeskConnector, DeskError, EventKind, RemoteTicket, build_connector
from tenants.desks.glpi import plan
from tests.desks.conftest import glpi_config
from tests.support.desk_payloads import event, full_life, ticket
from tests.support.fake_glpi import FakeGlpi


async def test_create_fills_the_ticket(glpi: DeskConnector, fake_glpi: FakeGlpi) -> None:
    group = ticket(priority="CRITICAL")
    remote = await glpi.create(group)
    assert remote.id == remote.ref and remote.id.isdigit()
    created = fake_glpi.ticket(remote.id)
    assert created["name"] == f"[{group.group_ref}] {group.title}"
    assert (created["status"], created["urgency"], created["priority"], created["itilcategories_id"]) == (1, 5, 5, 7)
    assert group.group_ref in created["content"] and created["content"].startswith("<p>")


async def test_full_life_is_mirrored(glpi: DeskConnector, fake_glpi: FakeGlpi) -> None:
    group = ticket()
    remote = await glpi.create(group)
    for step in full_life(group):
        await glpi.apply(remote, step)
    tid = int(remote.id)
    assert fake_glpi.statuses[tid] == [1, 2, 4, 2, 5, 2, 5, 6]
    assert fake_glpi.ticket(tid)["assigned_users"] == [5]
    followups = fake_glpi.followups_of(tid)
    # One followup per event except the two resolutions, which are solutions.
    assert len(followups) == 7
    assert "Which quota does the form show" in followups[2]
    solutions = fake_glpi.solutions_of(tid)
    assert [s["status"] for s in solutions] == [4, 3]  # first refused by the reopening, then accepted
    assert "Quota raised to 400" in solutions[0]["content"]
    assert "quota cache is flushed" in solutions[1]["content"]


async def test_retried_create_and_redelivered_events_make_no_duplicates(
    glpi: DeskConnector, fake_glpi: FakeGlpi
) -> None:
    group = ticket()
    first = await glpi.create(group)
    assert await glpi.create(group) == first
    assert await glpi.find(group.group_ref) == first
    assert len(fake_glpi.tickets_named(f"[{group.group_ref}]")) == 1
    assert await glpi.find("GRP-2026-999997") is None
    comment = event(EventKind.COMMENTED, group, "Checking the logs.")
    resolved = event(EventKind.RESOLVED, group, "Fixed.")
    for delivery in (comment, comment, resolved, resolved):
        await glpi.apply(first, delivery)
    assert len(fake_glpi.followups_of(first.id)) == 1
    assert len(fake_glpi.solutions_of(first.id)) == 1


async def test_expired_session_logs_in_again(glpi: DeskConnector, fake_glpi: FakeGlpi) -> None:
    remote = await glpi.create(group := ticket())
    before = fake_glpi.init_count
    fake_glpi.expire_sessions()
    await glpi.apply(remote, event(EventKind.COMMENTED, group, "Still there?"))
    assert fake_glpi.init_count == before + 1
    assert len(fake_glpi.followups_of(remote.id)) == 1


async def test_close_ends_the_session(fake_glpi: FakeGlpi) -> None:
    connector = build_connector(glpi_config(fake_glpi))
    await connector.find("GRP-2026-999996")
    kills = fake_glpi.kill_count
    await connector.aclose()
    assert fake_glpi.kill_count == kills + 1


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        ({"user_token": "wrong"}, "GLPI login failed: the user token is invalid (check the API user's "
                                  "remote access key) (ERROR_GLPI_LOGIN_USER_TOKEN)"),
        ({"app_token": "wrong"}, "GLPI login failed: the App-Token is wrong (Setup > General > API > "
                                 "API clients) (ERROR_WRONG_APP_TOKEN_PARAMETER)"),
    ],
)
async def test_bad_tokens_are_reported_in_words(fake_glpi: FakeGlpi, credentials: dict[str, str], message: str) -> None:
    connector = build_connector(glpi_config(fake_glpi, **credentials))
    try:
        with pytest.raises(DeskError) as caught:
            await connector.create(ticket())
        assert caught.value.message == message and not caught.value.retryable
        result = await connector.check()
        assert not result.ok and result.detail == message
    finally:
        await connector.aclose()


async def test_check_names_the_account(glpi: DeskConnector) -> None:
    result = await glpi.check()
    assert result.ok and "logged in as groupdesk-api with profile Technician" in result.detail


async def test_check_names_each_mapped_item_glpi_does_not_have(fake_glpi: FakeGlpi) -> None:
    from dataclasses import replace

    config = glpi_config(fake_glpi)
    connector = build_connector(replace(config, mappings={
        **config.mappings, "entities_id": 12, "itilcategories_id": {"Scenari": 7, "Moodle": 99}}))
    try:
        result = await connector.check()
    finally:
        await connector.aclose()
    assert not result.ok
    assert result.detail.split("; ") == ["mapping entities_id = 12: no such Entity",
                                         "mapping itilcategories_id[Moodle] = 99: no such ITILCategory"]


@pytest.mark.parametrize("how", ["refused", "503"])
async def test_desk_down_is_retryable(glpi: DeskConnector, fake_glpi: FakeGlpi, how: str) -> None:
    fake_glpi.down(how)
    with pytest.raises(DeskError) as caught:
        await glpi.find("GRP-2026-999995")
    assert caught.value.retryable
    expected = ("connection refused" if how == "refused" else "answered HTTP 503 Service Unavailable")
    assert expected in caught.value.message and fake_glpi.url in caught.value.message


async def test_unknown_or_closed_tickets_are_reported(glpi: DeskConnector) -> None:
    group = ticket()
    with pytest.raises(DeskError) as missing:
        await glpi.apply(RemoteTicket("999999", "999999"), event(EventKind.COMMENTED, group, "hi"))
    assert missing.value.message.startswith("GLPI has no Ticket/999999") and not missing.value.retryable
    remote = await glpi.create(group)
    with pytest.raises(DeskError) as unsolved:
        await glpi.apply(remote, event(EventKind.RESOLVED, group, None))
    assert "needs a solution text" in unsolved.value.message
    await glpi.apply(remote, event(EventKind.CLOSED, group))
    with pytest.raises(DeskError) as closed:
        await glpi.apply(remote, event(EventKind.REOPENED, group, "Again"))
    assert closed.value.message == f"GLPI ticket {remote.id} is closed: ticket.reopened cannot be mirrored"


def test_plan_follows_glpi_statuses() -> None:
    assert plan(EventKind.ASSIGNED, 1) == ["status:2"]
    assert plan(EventKind.TAKEN, 3) == []
    assert plan(EventKind.PENDING, 2) == ["status:4"]
    assert plan(EventKind.ANSWERED, 2) == []
    assert plan(EventKind.CLOSED, 2) == ["solution", "status:6"]
    assert plan(EventKind.COMMENTED, 6) == []


async def test_check_names_each_profile_right_the_account_lacks(fake_glpi: FakeGlpi) -> None:
    # A profile that reads its own tickets only and may not add followups to others'.
    fake_glpi.profile_rights = {"ticket": 1 | 2 | 4, "followup": 1 | 4, "user": 1}
    connector = build_connector(glpi_config(fake_glpi))
    try:
        result = await connector.check()
    finally:
        await connector.aclose()
    assert not result.ok
    assert result.detail == ("profile Technician of groupdesk-api may not: see all tickets of the entity "
                             "(the poll reads them) (ticket right 1024), add followups to any ticket "
                             "(followup right 4096)")
