"""The whole path of a group ticket through GraphQL, as a school and an expert live it."""

from __future__ import annotations

import re

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    ANSWER,
    COMMENT,
    HOLD,
    LYON_AGENT,
    READ,
    nodes,
    RENNES_AGENT,
    RESOLVE,
    ROUEN_EXPERT,
    START,
    open_via_api,
)


async def test_school_opens_expert_elsewhere_works_it_and_the_history_tells_the_story(gql) -> None:
    # A Lyon agent asks for a Scenari account; the expert designated on the service is at Rouen.
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST,
                                localRef="R-000042")
    assert ticket["__typename"] == "Ticket"
    assert re.fullmatch(r"GRP-\d{4}-\d{6}", ticket["ref"])
    assert ticket["state"] == "ASSIGNED" and ticket["version"] == 1
    assert ticket["assignee"] == {"username": ROUEN_EXPERT}
    assert ticket["school"] == {"slug": "insa-lyon"} and ticket["localRef"] == "R-000042"
    assert ticket["priority"] == "NORMAL"  # the sub-service's default
    tid = ticket["id"]

    started = (await gql(START, {"input": {"id": tid, "version": 1}}, as_user=ROUEN_EXPERT))
    assert started["startTicket"]["state"] == "IN_PROGRESS"
    asked = (await gql(HOLD, {"input": {"id": tid, "version": 2,
                                        "reason": "Which workshop should the account open?"}},
                       as_user=ROUEN_EXPERT))["holdTicket"]
    assert asked["state"] == "PENDING"
    assert asked["allowedActions"] == ["RESOLVE", "RESUME"]

    # The school sees the question is for it, and answers.
    school_view = (await gql(READ, {"id": tid}, as_user=LYON_AGENT))["ticket"]
    assert school_view["allowedActions"] == ["RESUME"]
    answered = (await gql(ANSWER, {"input": {"id": tid, "version": 3,
                                             "message": "The 'Mechanics 101' workshop."}},
                          as_user=LYON_AGENT))["answerTicket"]
    assert answered["state"] == "IN_PROGRESS" and answered["version"] == 4

    internal = (await gql(COMMENT, {"input": {"ticketId": tid, "visibility": "INTERNAL",
                                              "body": "Account made by hand, LDAP sync is late."}},
                          as_user=ROUEN_EXPERT))["addComment"]
    assert internal["__typename"] == "CommentAdded" and internal["ticket"]["version"] == 5

    # A write from a stale page is refused and changes nothing.
    stale = (await gql(RESOLVE, {"input": {"id": tid, "version": 4, "solution": "Done."}},
                       as_user=ROUEN_EXPERT))["resolveTicket"]
    assert stale["__typename"] == "Conflict" and stale["currentVersion"] == 5

    resolved = (await gql(RESOLVE, {"input": {"id": tid, "version": 5,
                                              "solution": "Account created as author."}},
                          as_user=ROUEN_EXPERT))["resolveTicket"]
    assert resolved["state"] == "RESOLVED" and resolved["solution"] == "Account created as author."

    # The school reads the public conversation, not the experts' internal note.
    school_view = (await gql(READ, {"id": tid}, as_user=LYON_AGENT))["ticket"]
    assert [c["body"] for c in nodes(school_view["comments"])] == ["The 'Mechanics 101' workshop."]
    assert "INTERNAL" not in {e["visibility"] for e in nodes(school_view["history"])}
    assert school_view["allowedActions"] == ["CLOSE", "REOPEN"]

    # Another school sees nothing at all.
    assert (await gql(READ, {"id": tid}, as_user=RENNES_AGENT))["ticket"] is None

    # The expert's and the admin's history tells the whole story, in order, with authors.
    story = nodes((await gql(READ, {"id": tid}, as_user=ADMIN))["ticket"]["history"])
    assert [(e["kind"], e["actor"] and e["actor"]["username"]) for e in story] == [
        ("OPENED", LYON_AGENT),
        ("ROUTED", None),
        ("STATE_CHANGED", ROUEN_EXPERT),
        ("PUT_ON_HOLD", ROUEN_EXPERT),
        ("COMMENTED", LYON_AGENT),
        ("ANSWERED", LYON_AGENT),
        ("COMMENTED", ROUEN_EXPERT),
        ("RESOLVED", ROUEN_EXPERT),
    ]
    routed = story[1]["data"]
    assert routed["assignee"] == ROUEN_EXPERT
    assert routed["reason"].startswith("designated on service; most specific designation")
    assert story[3]["data"]["reason"] == "Which workshop should the account open?"
    assert story[6]["visibility"] == "INTERNAL"
    assert [e["data"].get("to") for e in story if e["kind"] != "COMMENTED"][1:] == [
        "ASSIGNED", "IN_PROGRESS", "PENDING", "IN_PROGRESS", "RESOLVED"]
    assert all(e["createdAt"] for e in story)


async def test_expert_sees_internal_comments_and_the_school_does_not(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    for body, visibility, user in (("Thanks for looking", "PUBLIC", LYON_AGENT),
                                   ("Check the quota first", "INTERNAL", ROUEN_EXPERT),
                                   ("On it", "PUBLIC", ROUEN_EXPERT)):
        added = (await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": body,
                                               "visibility": visibility}}, as_user=user))
        assert added["addComment"]["__typename"] == "CommentAdded"

    def bodies(view: dict) -> list[str]:
        return [c["body"] for c in nodes(view["ticket"]["comments"])]

    expert = await gql(READ, {"id": ticket["id"]}, as_user=ROUEN_EXPERT)
    assert bodies(expert) == ["Thanks for looking", "Check the quota first", "On it"]
    school = await gql(READ, {"id": ticket["id"]}, as_user=LYON_AGENT)
    assert bodies(school) == ["Thanks for looking", "On it"]
    ops = await gql(READ, {"id": ticket["id"]}, as_user="xaviere.lamboulin")
    assert bodies(ops) == ["Thanks for looking", "On it"]


async def test_school_user_cannot_write_an_internal_comment(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    refused = (await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": "psst",
                                             "visibility": "INTERNAL"}},
                         as_user=LYON_AGENT))["addComment"]
    assert refused["__typename"] == "PermissionDenied"
    view = (await gql(READ, {"id": ticket["id"]}, as_user=ADMIN))["ticket"]
    assert nodes(view["comments"]) == [] and view["version"] == 1


async def test_comment_with_a_stale_version_is_refused(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    await gql(START, {"input": {"id": ticket["id"], "version": 1}}, as_user=ROUEN_EXPERT)
    stale = (await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": "late",
                                           "version": 1}}, as_user=LYON_AGENT))["addComment"]
    assert stale["__typename"] == "Conflict" and stale["currentVersion"] == 2
    view = (await gql(READ, {"id": ticket["id"]}, as_user=ADMIN))["ticket"]
    assert nodes(view["comments"]) == []
