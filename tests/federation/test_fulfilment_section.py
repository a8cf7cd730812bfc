"""The federation file's `fulfilment:` section: the statuses automation reports, stored on import."""

from __future__ import annotations

from sqlalchemy import select

from server.importing import import_federation
from server.tickets import fulfilment
from server.tickets.models import FulfilmentStatus
from tenants.federation import parse_federation
from tenants.federation.fulfilment import DEFAULT_STATUSES
from tests.federation.test_federation_file import VALID, issues_in

SECTION = """fulfilment:
  statuses:
    - {code: QUEUED, name: En file}
    - {code: FAILED, name: Échec, error: true}
    - {code: DONE, name: Terminé}
"""


def test_without_the_section_the_default_list_applies() -> None:
    statuses = parse_federation(VALID).fulfilment_statuses
    assert statuses == DEFAULT_STATUSES
    assert [s.code for s in statuses if s.error] == ["INTEGRATION_ERROR", "DEPLOYMENT_ERROR"]


def test_the_section_names_the_federations_own_statuses_in_order() -> None:
    statuses = parse_federation(VALID + SECTION).fulfilment_statuses
    assert [(s.code, s.name, s.error) for s in statuses] == [
        ("QUEUED", "En file", False), ("FAILED", "Échec", True), ("DONE", "Terminé", False)]


def test_bad_codes_repeats_and_unknown_fields_are_reported_with_their_line() -> None:
    bad = VALID + """fulfilment:
  statuses:
    - {code: queued, name: En file}
    - {code: DONE, name: Terminé}
    - {code: done, name: Fini, colour: green}
"""
    found = issues_in(bad)
    first = len(VALID.splitlines()) + 3
    assert (first, "fulfilment.statuses[0].code",
            "must be upper-case letters, digits and '_', starting with a letter (at most 32)") in found
    assert any(line == first + 2 and field == "fulfilment.statuses[2].code" and "duplicate" in message
               for line, field, message in found)
    assert any(field == "fulfilment.statuses[2].colour" for _, field, _ in found)


async def test_import_stores_the_list_and_a_second_import_changes_nothing(session) -> None:
    federation = parse_federation(VALID + SECTION)
    await import_federation(session, federation)
    assert [s.code for s in await fulfilment.statuses(session)] == ["QUEUED", "FAILED", "DONE"]
    again = await import_federation(session, federation)
    assert again.unchanged["fulfilment statuses"] == 3 and not again.updated["fulfilment statuses"]
    assert not again.notes


async def test_statuses_the_file_drops_leave_the_list_and_are_named(session) -> None:
    report = await import_federation(session, parse_federation(VALID + SECTION))
    # The demo federation (loaded for every test) had the default list.
    assert ("fulfilment status DEPLOYMENT_ERROR left the list (tickets carrying it keep it)"
            in report.notes)
    assert await session.get(FulfilmentStatus, "DEPLOYMENT_ERROR") is None
    rows = list(await session.scalars(select(FulfilmentStatus.code).order_by(FulfilmentStatus.position)))
    assert rows == ["QUEUED", "FAILED", "DONE"]


async def test_every_caller_reads_the_list_over_graphql(gql) -> None:
    data = await gql("{ fulfilmentStatuses { code name error } }", as_user="amandine.roclerc")
    assert [s["code"] for s in data["fulfilmentStatuses"]] == [s.code for s in DEFAULT_STATUSES]
