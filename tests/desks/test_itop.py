"""The iTop connector against a protocol-faithful fake iTop."""

from __future__ import annotations

import pytest

from tenants.desks import CheckOutcome, DeskConnector, DeskError, EventKind, RemoteTicket, build_connector
from tenants.desks.itop_client import ItopClient
from tests.desks.conftest import itop_config
from tests.support import fake_itop as itop_fake
from tests.support.desk_payloads import event, full_life, ticket
from tests.support.fake_itop import FakeItop


async def test_create_fills_the_user_request(itop: DeskConnector, fake_itop: FakeItop) -> None:
    group = ticket()
    remote = await itop.create(group)
    obj = fake_itop.ticket(remote.ref)
    assert remote == RemoteTicket(id=str(obj["id"]), ref=obj["ref"])
    assert obj["ref"].startswith("R-") and obj["status"] == "new"
    assert obj["title"] == f"[{group.group_ref}] {group.title}"
    assert (obj["org_id"], obj["caller_id"], obj["service_id"], obj["servicesubcategory_id"]) == (3, 11, 31, 41)
    assert (obj["urgency"], obj["impact"], obj["priority"], obj["origin"]) == ("2", "2", "2", "portal")
    assert group.group_ref in obj["description"] and "O&#x27;Brien" in obj["description"]


async def test_full_life_is_mirrored(itop: DeskConnector, fake_itop: FakeItop) -> None:
    group = ticket()
    remote = await itop.create(group)
    expected = ["assigned", "assigned", "pending", "assigned", "assigned", "resolved", "assigned",
                "resolved", "closed"]
    for step, want in zip(full_life(group), expected, strict=True):
        await itop.apply(remote, step)
        assert fake_itop.ticket(remote.ref)["status"] == want, step.kind
    obj = fake_itop.ticket(remote.ref)
    assert (obj["team_id"], obj["agent_id"]) == (21, 12)
    assert obj["pending_reason"] == "Which quota does the form show: disk or accounts?"
    assert obj["solution"] == "The quota cache is flushed; account created."
    assert obj["resolution_code"] == "assistance"
    # TAKEN keeps the same team and agent, so no ev_reassign; pending resolves via ev_assign back.
    assert fake_itop.stimuli(remote.ref) == [
        "ev_assign", "ev_pending", "ev_assign", "ev_resolve", "ev_reopen", "ev_resolve", "ev_close"]
    log = fake_itop.public_log(remote.ref)
    assert len(log) == 9
    assert log[0].startswith("Assigned to Noé Lambert in groupdesk")
    assert "Which quota does the form show" in log[2]
    assert log[5].startswith("Resolved by Noé Lambert.") and "Quota raised to 400" in log[5]
    assert all("[groupdesk event evt-" in entry for entry in log)


async def test_retried_create_finds_the_existing_ticket(itop: DeskConnector, fake_itop: FakeItop) -> None:
    group = ticket(title="It's broken: quotes ' and \\ in the title")
    first = await itop.create(group)
    again = await itop.create(group)
    assert again == first
    assert await itop.find(group.group_ref) == first
    assert len(fake_itop.tickets_titled(f"[{group.group_ref}]")) == 1
    assert await itop.find("GRP-2026-999998") is None


async def test_dedicated_ref_field_is_used_when_mapped(fake_itop: FakeItop) -> None:
    connector = build_connector(itop_config(fake_itop, ref_field="group_ref"))
    try:
        group = ticket()
        remote = await connector.create(group)
        assert fake_itop.ticket(remote.ref)["group_ref"] == group.group_ref
        assert await connector.find(group.group_ref) == remote
    finally:
        await connector.aclose()


async def test_a_redelivered_event_is_applied_once(itop: DeskConnector, fake_itop: FakeItop) -> None:
    group = ticket()
    remote = await itop.create(group)
    assigned = event(EventKind.ASSIGNED, group, assignee="Noé Lambert")
    comment = event(EventKind.COMMENTED, group, "Looking at the quota tables.")
    for delivery in (assigned, assigned, comment, comment):
        await itop.apply(remote, delivery)
    assert fake_itop.stimuli(remote.ref) == ["ev_assign"]
    assert len(fake_itop.public_log(remote.ref)) == 2


async def test_pending_from_new_assigns_first(itop: DeskConnector, fake_itop: FakeItop) -> None:
    group = ticket()
    remote = await itop.create(group)
    await itop.apply(remote, event(EventKind.PENDING, group, "Which browser?"))
    assert fake_itop.stimuli(remote.ref) == ["ev_assign", "ev_pending"]
    assert fake_itop.ticket(remote.ref)["status"] == "pending"


async def test_resolution_without_solution_is_refused_in_words(itop: DeskConnector, fake_itop: FakeItop) -> None:
    group = ticket()
    remote = await itop.create(group)
    await itop.apply(remote, event(EventKind.ASSIGNED, group))
    with pytest.raises(DeskError) as caught:
        await itop.apply(remote, event(EventKind.RESOLVED, group, None))
    assert caught.value.message == "iTop refused: Missing mandatory attribute(s) for applying the stimulus: solution."
    assert not caught.value.retryable
    assert fake_itop.ticket(remote.ref)["status"] == "assigned"
    assert len(fake_itop.public_log(remote.ref)) == 1  # the failed call changed nothing


async def test_closed_ticket_cannot_be_reopened(itop: DeskConnector) -> None:
    group = ticket()
    remote = await itop.create(group)
    await itop.apply(remote, event(EventKind.CLOSED, group, "Duplicate of another request."))
    with pytest.raises(DeskError) as caught:
        await itop.apply(remote, event(EventKind.REOPENED, group, "Not fixed"))
    assert f"iTop {remote.ref} is 'closed'" in caught.value.message and not caught.value.retryable


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        ({"user": itop_fake.REST_USER, "password": "wrong"}, "iTop login failed: Invalid login"),
        ({"token": "not-a-token"}, "iTop login failed: Invalid login"),
        (
            {"user": itop_fake.PORTAL_USER, "password": itop_fake.PORTAL_PASSWORD},
            "iTop account lacks rights: This user is not authorized to use the web services. (The profile "
            "REST Services User is required to access the REST web services)",
        ),
    ],
)
async def test_login_problems_are_reported_in_words(
    fake_itop: FakeItop, credentials: dict[str, str], message: str
) -> None:
    connector = build_connector(itop_config(fake_itop, credentials=credentials))
    try:
        with pytest.raises(DeskError) as caught:
            await connector.create(ticket())
        assert caught.value.message == message and not caught.value.retryable
        result = await connector.check()
        assert result.outcome is CheckOutcome.REFUSED and result.reached and result.detail == message
    finally:
        await connector.aclose()


async def test_token_login_works(fake_itop: FakeItop) -> None:
    connector = build_connector(itop_config(fake_itop, credentials={"token": itop_fake.REST_TOKEN}))
    try:
        remote = await connector.create(ticket())
        assert remote.ref.startswith("R-")
        assert (await connector.check()).ok
    finally:
        await connector.aclose()


async def test_unknown_ticket_is_reported(itop: DeskConnector, fake_itop: FakeItop) -> None:
    with pytest.raises(DeskError) as caught:
        await itop.apply(RemoteTicket("999999", "R-999999"), event(EventKind.COMMENTED, ticket(), "hi"))
    assert caught.value.message.startswith("iTop has no UserRequest R-999999") and not caught.value.retryable
    client = ItopClient(itop_config(fake_itop), None)
    try:
        with pytest.raises(DeskError) as raw:
            await client.call("core/update", **{"class": "UserRequest"}, key={"ref": "R-999999"},
                              fields={}, comment="test")
        assert raw.value.message == "iTop refused: No item found with criteria: ref: R-999999 (R-999999)"
    finally:
        await client.aclose()


async def test_invalid_stimulus_is_reported(itop: DeskConnector, fake_itop: FakeItop) -> None:
    remote = await itop.create(group := ticket())
    await itop.apply(remote, event(EventKind.ASSIGNED, group))
    client = ItopClient(itop_config(fake_itop), None)
    try:
        with pytest.raises(DeskError) as caught:
            await client.call("core/apply_stimulus", **{"class": "UserRequest"}, key=int(remote.id),
                              stimulus="ev_assign", fields={}, comment="test")
        assert caught.value.message == (
            f"iTop refused: Invalid stimulus: 'ev_assign' on the object {remote.ref} in state 'assigned'")
        with pytest.raises(DeskError) as no_comment:
            await client.call("core/update", **{"class": "UserRequest"}, key=int(remote.id), fields={})
        assert no_comment.value.message == "iTop refused: Missing parameter 'comment'"
    finally:
        await client.aclose()


@pytest.mark.parametrize("how", ["refused", "503"])
async def test_desk_down_is_retryable(itop: DeskConnector, fake_itop: FakeItop, how: str) -> None:
    fake_itop.down(how)
    with pytest.raises(DeskError) as caught:
        await itop.create(ticket())
    assert caught.value.retryable
    if how == "refused":
        assert caught.value.message == f"iTop unreachable at {fake_itop.url}: connection refused"
    else:
        assert caught.value.message == f"iTop at {fake_itop.url} answered HTTP 503 Service Unavailable"
    assert (await itop.check()).outcome is CheckOutcome.UNREACHABLE


async def test_check_names_what_it_verified(itop: DeskConnector) -> None:
    result = await itop.check()
    assert result.ok, result.detail
    assert "logged in as groupdesk-rest" in result.detail and "'INSA Rennes'" in result.detail


async def test_check_reports_a_wrong_organization(fake_itop: FakeItop) -> None:
    connector = build_connector(itop_config(fake_itop, org_id=99))
    try:
        result = await connector.check()
        assert result.outcome is CheckOutcome.PROBLEMS
        assert result.detail == "mapping org_id = 99 matches 0 Organization objects, not exactly one"
    finally:
        await connector.aclose()


async def test_check_resolves_every_mapping_and_names_each_that_does_not_match_one_object(
        fake_itop: FakeItop) -> None:
    service = {"Scenari": {"service_id": 31, "servicesubcategory_id": 77},
               "Moodle": {"service_id": {"name": "Moodle"}}}
    connector = build_connector(itop_config(fake_itop, team_id={"name": "Support numérique"},
                                            agent_id={"org_id": 3}, service=service))
    try:
        result = await connector.check()
    finally:
        await connector.aclose()
    assert not result.ok
    problems = result.detail.split("; ")
    assert "mapping team_id = {'name': 'Support numérique'} matches 0 Team objects, not exactly one" in problems
    assert "mapping agent_id = {'org_id': 3} matches 2 Person objects, not exactly one" in problems
    assert ("mapping service[Scenari].servicesubcategory_id = 77 matches 0 ServiceSubcategory objects, "
            "not exactly one") in problems
    assert ("mapping service[Moodle].service_id = {'name': 'Moodle'} matches 0 Service objects, "
            "not exactly one") in problems
    assert len(problems) == 4


async def test_check_reports_missing_rights_as_missing_rights_not_as_a_failed_login(
        fake_itop: FakeItop) -> None:
    reader = {"user": itop_fake.READER_USER, "password": itop_fake.READER_PASSWORD}
    connector = build_connector(itop_config(fake_itop, credentials=reader))
    try:
        result = await connector.check()
    finally:
        await connector.aclose()
    assert not result.ok and "login failed" not in result.detail
    assert "the account may not create UserRequests (iTop account lacks rights: The current user does " \
           "not have enough permissions for creating data of class UserRequest)" in result.detail
    assert "may not update UserRequests" in result.detail and "may not apply stimuli to" in result.detail


async def test_unknown_requester_falls_back_to_the_mapped_caller(fake_itop: FakeItop) -> None:
    connector = build_connector(itop_config(fake_itop, caller_id=11))
    try:
        remote = await connector.create(ticket(requester_email="nobody@example.org"))
        assert fake_itop.ticket(remote.ref)["caller_id"] == 11
    finally:
        await connector.aclose()
