"""Who gets what: the pure rule table, and the README's copy of it."""

from __future__ import annotations

from pathlib import Path

from server.notify.recipients import (
    Audience,
    NotificationKind,
    Person,
    TicketSide,
    audiences_of,
    deliveries,
    describe_rules,
)

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_readme_lists_every_notification_rule() -> None:
    missing = [row for row in describe_rules() if row not in README]
    assert missing == [], "README.md's Notifications table is out of date"


def test_an_internal_event_never_reaches_the_schools_side() -> None:
    for rule_event, data in (("COMMENTED", {}), ("PUT_ON_HOLD", {}), ("RESOLVED", {}),
                             ("OPENED", {"state": "WAITING_FOR_APPROVAL"})):
        for by_school in (True, False):
            for d in deliveries(rule_event, data, public=False, by_school=by_school):
                assert not d.audiences & {Audience.REQUESTER, Audience.SCHOOL_AGENTS,
                                          Audience.SCHOOL_MANAGERS}


def test_routing_tells_the_school_and_the_assignee_or_else_the_queue_and_the_admins() -> None:
    routed = deliveries("ROUTED", {"assignee_id": 7}, public=True, by_school=False)
    assert [(d.kind, d.audiences) for d in routed] == [
        (NotificationKind.ASSIGNED, {Audience.REQUESTER, Audience.SCHOOL_AGENTS, Audience.ASSIGNEE})]
    queued = deliveries("ROUTED", {"assignee_id": None}, public=True, by_school=False)
    assert [(d.kind, d.audiences) for d in queued] == [
        (NotificationKind.QUEUED, {Audience.BRICK_EXPERTS, Audience.GROUP_ADMINS})]
    assert deliveries("OPENED", {"state": "NEW"}, public=True, by_school=True) == ()
    assert deliveries("PRIORITY_CHANGED", {}, public=True, by_school=True) == ()


def test_roles_count_only_where_they_mean_something() -> None:
    side = TicketSide(tenant_id=1, opened_by_id=10, assignee_id=20)
    agent_elsewhere = Person(user_id=11, tenant_id=2, tenant_kind="SCHOOL", roles=frozenset({"school-agent"}))
    assert audiences_of(agent_elsewhere, side) == frozenset()
    admin_in_a_school = Person(user_id=12, tenant_id=1, tenant_kind="SCHOOL",
                               roles=frozenset({"group-admin", "school-manager"}))
    assert audiences_of(admin_in_a_school, side) == {Audience.SCHOOL_MANAGERS}
    expert_without_cover = Person(user_id=13, tenant_id=3, tenant_kind="SCHOOL", roles=frozenset({"expert"}))
    assert audiences_of(expert_without_cover, side) == frozenset()
    assignee = Person(user_id=20, tenant_id=3, tenant_kind="SCHOOL", roles=frozenset({"expert"}), covers=True)
    assert audiences_of(assignee, side) == {Audience.ASSIGNEE, Audience.BRICK_EXPERTS}
