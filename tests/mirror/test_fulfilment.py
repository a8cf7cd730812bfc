"""Fulfilment status from automation: reported by the school desk's account or its signed hook,
shown on the ticket and in filters, an error told to the assignee, a public note on the desk."""

from __future__ import annotations

from sqlalchemy import select

from server.mirror.delivery import MirrorDelivery
from server.mirror.models import Mirror, OutboxEvent
from server.notify.models import Notification
from server.tickets.models import EventKind, TicketEvent
from tests.conftest import GraphQLClient
from tests.mirror.conftest import ADMIN, AGENT, DESK_ACCOUNT, EXPERT, SCHOOL, Life, itop_desk, set_desk
from tests.mirror.test_inbound import post
from tests.support.slow_itop import SlowItop
from tests.tickets.helpers import gid, user_id

RENNES_DESK = "glpi.insa-rennes"
SET = """mutation($input: SetFulfilmentInput!) { setFulfilment(input: $input) {
  __typename ... on Ticket { version fulfilment { system status error message updatedAt } }
  ... on Problem { message } ... on ValidationFailed { fields { field message } } } }"""
LIST = """query($filter: TicketFilter) { tickets(filter: $filter, first: 50) { edges { node { ref } } } }"""


async def report(gql: GraphQLClient, ticket_id: int, status: str, *, user: str = DESK_ACCOUNT,
                 message: str | None = None, system: str = "SCCM") -> dict:
    data = await gql(SET, {"input": {"ticketId": gid("Ticket", ticket_id), "system": system,
                                     "status": status, "message": message}}, as_user=user)
    return data["setFulfilment"]


async def in_progress(life: Life) -> None:
    await life.open()
    await life.act(EXPERT, "START")


async def refs(gql: GraphQLClient, **filter: object) -> list[str]:
    data = await gql(LIST, {"filter": filter}, as_user=ADMIN)
    return [e["node"]["ref"] for e in data["tickets"]["edges"]]


async def test_the_desk_account_reports_a_status_shown_on_the_ticket_and_in_its_history(
        session, life: Life, gql: GraphQLClient) -> None:
    await in_progress(life)
    before = (await life.ticket()).version
    got = await report(gql, life.ticket_id, "in_progress", message="Package queued")
    assert got["__typename"] == "Ticket"
    assert got["fulfilment"]["system"] == "SCCM" and got["fulfilment"]["status"] == "IN_PROGRESS"
    assert got["fulfilment"]["error"] is False and got["fulfilment"]["message"] == "Package queued"
    assert got["version"] == before + 1
    [event] = list(await session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == life.ticket_id, TicketEvent.kind == EventKind.FULFILMENT)))
    assert event.data["to"] == "IN_PROGRESS" and event.data["from"] is None
    # The same report again changes nothing: no new version, no second event.
    again = await report(gql, life.ticket_id, "IN_PROGRESS", message="Package queued")
    assert again["version"] == got["version"]


async def test_an_unknown_status_is_refused_naming_the_field_and_changes_nothing(
        session, life: Life, gql: GraphQLClient) -> None:
    await in_progress(life)
    before = (await life.ticket()).version
    got = await report(gql, life.ticket_id, "SHIPPED")
    assert got["__typename"] == "ValidationFailed"
    [field] = got["fields"]
    assert field["field"] == "status" and "DEPLOYMENT_ERROR" in field["message"]
    ticket = await life.ticket()
    assert ticket.version == before and ticket.fulfilment_status is None


async def test_people_of_the_school_and_another_schools_desk_cannot_report(
        session, life: Life, gql: GraphQLClient) -> None:
    await in_progress(life)
    assert (await report(gql, life.ticket_id, "DONE", user=AGENT))["__typename"] == "PermissionDenied"
    assert (await report(gql, life.ticket_id, "DONE", user=RENNES_DESK))["__typename"] == "NotFound"
    assert (await life.ticket()).fulfilment_status is None
    assert (await report(gql, life.ticket_id, "DONE", user=ADMIN))["__typename"] == "Ticket"


async def test_tickets_are_filtered_by_fulfilment_status_and_by_error(
        session, life: Life, gql: GraphQLClient) -> None:
    await in_progress(life)
    failing = (await life.ticket()).ref
    await report(gql, life.ticket_id, "DEPLOYMENT_ERROR", message="Exit code 1603")
    await life.open(title="Another request")
    await life.act(EXPERT, "START")
    fine = (await life.ticket()).ref
    await report(gql, life.ticket_id, "DONE")
    assert await refs(gql, fulfilmentStatuses=["DEPLOYMENT_ERROR"]) == [failing]
    assert await refs(gql, fulfilmentError=True) == [failing]
    assert await refs(gql, fulfilmentError=False) == [fine]
    assert set(await refs(gql, fulfilmentStatuses=["DONE", "DEPLOYMENT_ERROR"])) == {failing, fine}


async def test_an_error_status_notifies_the_assignee_and_a_plain_one_nobody(
        session, life: Life, gql: GraphQLClient) -> None:
    await in_progress(life)
    expert = await user_id(session, EXPERT)

    async def told() -> list[str]:
        rows = await session.scalars(select(Notification.kind).where(
            Notification.ticket_id == life.ticket_id, Notification.user_id == expert)
            .order_by(Notification.id).execution_options(populate_existing=True))
        return list(rows)

    before = await told()
    await report(gql, life.ticket_id, "IN_PROGRESS")
    assert await told() == before
    await report(gql, life.ticket_id, "INTEGRATION_ERROR", message="MSI signature refused")
    assert await told() == [*before, "FULFILMENT_ERROR"]
    bell = await session.scalar(select(Notification.data).where(
        Notification.ticket_id == life.ticket_id, Notification.kind == "FULFILMENT_ERROR"))
    assert bell["fulfilment"] == "Integration error" and bell["system"] == "SCCM"
    assert bell["message"] == "MSI signature refused"


async def test_the_schools_desk_gets_a_public_note_in_the_schools_language(
        session, life: Life, gql: GraphQLClient, itop: SlowItop, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    await in_progress(life)
    await report(gql, life.ticket_id, "DEPLOYMENT_ERROR", message="Exit code 1603")
    await delivery.deliver(life.ticket_id)
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == life.ticket_id)
                                  .execution_options(populate_existing=True))
    log = "\n".join(itop.public_log(mirror.remote_ref))
    assert "État de mise à disposition transmis par SCCM : Deployment error (DEPLOYMENT_ERROR)." in log
    assert "Exit code 1603" in log


async def test_the_signed_hook_reports_fulfilment_once(session, life: Life, client, itop: SlowItop) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    await in_progress(life)
    ref = (await life.ticket()).ref
    event = {"type": "ticket.fulfilment",
             "data": {"group_ref": ref, "system": "SCCM", "status": "DONE", "message": "Deployed"}}
    status, answer = await post(client, event, msg_id="sccm-42")
    assert (status, answer["effect"]) == (200, "fulfilment recorded")
    status, answer = await post(client, event, msg_id="sccm-42")
    assert (status, answer["status"]) == (200, "duplicate")
    ticket = await life.ticket()
    assert (ticket.fulfilment_system, ticket.fulfilment_status, ticket.fulfilment_error) == (
        "SCCM", "DONE", False)
    # Reported by automation, not by the desk's agents: the desk is told too.
    kinds = list(await session.scalars(select(OutboxEvent.kind).where(
        OutboxEvent.ticket_id == life.ticket_id).order_by(OutboxEvent.id)))
    assert kinds[-1] == "ticket.commented"
    status, answer = await post(client, {"type": "ticket.fulfilment",
                                         "data": {"group_ref": ref, "system": "SCCM", "status": "LOST"}})
    assert status == 422 and "status" in answer["fields"]


def test_the_assignees_mail_says_which_status_and_system_in_their_language() -> None:
    from server.notify.mail import MailSettings, OutgoingMail, render

    payload = {"ref": "GRP-2026-000123", "title": "Logiciel", "event": "FULFILMENT", "state": "IN_PROGRESS",
               "actor": "iTop connector (INSA Lyon)", "assignee": None, "message": "Exit code 1603",
               "level": None, "target": None, "ticket_id": 1, "event_id": 2, "at": "2026-11-30T20:00:00+00:00",
               "fulfilment": "Deployment error", "system": "SCCM", "name": "Ismaël"}
    texts = {}
    for language in ("fr", "en"):
        mail = render(OutgoingMail(id=1, kind="FULFILMENT_ERROR", address="x@example.org", language=language,
                                   payload=payload), MailSettings(host=None))
        texts[language] = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Échec de la mise à disposition : Deployment error (SCCM)." in texts["fr"]
    assert "Fulfilment failed: Deployment error (SCCM)." in texts["en"]
    assert "Exit code 1603" in texts["fr"]
