"""One catalogue of messages: every text the code marks for translation is in French, and used."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from tenants.desks import render
from tenants.desks.base import DeskEvent, DeskTicket, EventKind
from tenants.federation import FederationInvalid, load_federation
from tenants.i18n import catalogue_path

ROOT = Path(__file__).resolve().parents[2]
# Texts people read are marked `_(...)` (desk texts: `_ = gettext_for(language)`) or `Message(...)`
# (what the API answers: tenants.i18n.messages), anywhere in the code.
PACKAGES = ["server", "schema", "tenants", "groupdesk"]
KEYWORDS = {"_": None, "Message": None}
PLACEHOLDER = re.compile(r"\{(\w*)\}")
BRICKS = ("bricks:\n  - code: wiki\n    name: Wiki\n    description: The wiki.\n    services:\n"
          "      - name: Help\n        description: Help.\n        sub_services:\n"
          "          - {name: Question, description: A question.}\n")


def _marked() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            for _line, message, _comments, _context in extract_from_file("python", str(source),
                                                                         keywords=KEYWORDS):
                found.add(message if isinstance(message, str) else message[0])
    return found


def _french() -> dict[str, str]:
    with catalogue_path("fr").open("rb") as po:
        catalog = read_po(po)
    return {m.id: m.string for m in catalog if m.id}


def test_every_marked_text_has_a_french_translation_with_the_same_placeholders() -> None:
    marked, french = _marked(), _french()
    assert len(marked) > 150
    missing = sorted(m for m in marked if not french.get(m))
    assert missing == []
    for source, translated in french.items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated)), source


def test_the_catalogue_holds_no_text_the_code_no_longer_uses() -> None:
    # Strings built by other modules (iTop/GLPI closing text) go through render, so all are marked.
    assert sorted(set(_french()) - _marked()) == []


def _event(language: str, kind: EventKind = EventKind.RESOLVED) -> DeskEvent:
    ticket = DeskTicket(group_ref="GRP-2026-000007", title="Quota", description="Raise it.",
                        priority="HIGH", state="RESOLVED", school="INSA Rennes", brick="Partage",
                        service="Storage", sub_service="Quota", requester_name="Noé Lambert",
                        assignee="Lucien Haffenwald", language=language)
    return DeskEvent(event_id="grp-7", kind=kind, ticket=ticket, author="Lucien Haffenwald",
                     message="Quota raised.", occurred_at=datetime.now(UTC))


def test_a_french_school_reads_french_and_an_english_one_english() -> None:
    french, english = _event("fr"), _event("en")
    assert render.headline(french) == "Résolu par Lucien Haffenwald."
    assert render.headline(english) == "Resolved by Lucien Haffenwald."
    assert render.description(french.ticket).endswith(
        "Ticket groupe: GRP-2026-000007\nÉcole: INSA Rennes\nService: Partage > Storage > Quota\n"
        "Priorité: HIGH\nDemandeur: Noé Lambert")
    assert render.closed_without_solution(french.ticket) == (
        "Clos dans groupdesk (GRP-2026-000007) sans solution distincte.")
    # The marker a retried delivery looks for is the same whatever the language.
    assert render.marker(french) == render.marker(english) == "[groupdesk event grp-7]"


def test_a_tenant_language_must_be_one_groupdesk_speaks(tmp_path: Path) -> None:
    path = tmp_path / "fed.yaml"
    path.write_text("federation: X\ntenants:\n  - {slug: g, name: G, kind: GROUP}\n"
                    "  - {slug: lyon, name: Lyon, kind: SCHOOL, language: de}\n" + BRICKS)
    try:
        load_federation(path)
    except FederationInvalid as exc:
        assert "tenants[1].language: must be one of fr, en" in str(exc)
    else:
        raise AssertionError("a tenant in German was accepted")
    path.write_text("federation: X\ntenants:\n  - {slug: g, name: G, kind: GROUP}\n"
                    "  - {slug: lyon, name: Lyon, kind: SCHOOL}\n"
                    "  - {slug: rennes, name: Rennes, kind: SCHOOL, language: en}\n" + BRICKS)
    languages = {t.slug: t.language for t in load_federation(path).tenants}
    assert languages == {"g": "fr", "lyon": "fr", "rennes": "en"}


def test_no_marked_text_is_an_f_string() -> None:
    # The extractor skips `Message(f"...")`: its id would never reach the catalogue.
    marked_f_string = re.compile(r"\b(?:Message|_)\(\s*f[\"']")
    offenders = [str(path.relative_to(ROOT)) for package in PACKAGES
                 for path in (ROOT / package).rglob("*.py") if marked_f_string.search(path.read_text())]
    assert offenders == []
