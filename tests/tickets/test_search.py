"""Free-text search: French without accents, comments as far as the reader may read them, refs."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update

from server.tickets import comments, listing
from server.tickets.listing import PageArgs, TicketFilter
from server.tickets.models import Ticket, TicketComment, Visibility
from server.tickets.search import Fts5Query, fts5_query
from tests.tickets.helpers import (
    ADMIN,
    LYON_AGENT,
    LYON_EXPERT,
    PROJECT_FOLDER,
    RENNES_AGENT,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    principal,
)
from tests.tickets.listing_helpers import insert_comment, insert_ticket


@pytest.fixture
async def tickets(session) -> dict[str, Ticket]:
    team = await insert_ticket(session, title="Créer une équipe pédagogique",
                               description="Pour le cours de thermodynamique.")
    slow = await insert_ticket(session, title="Publication", description="La sauvegarde échoue.")
    await insert_comment(session, slow, "Le serveur répond lentement depuis lundi.",
                         author=LYON_AGENT)
    await insert_comment(session, slow, "Mot de passe LDAP réinitialisé côté serveur.",
                         author=ROUEN_EXPERT, visibility=Visibility.INTERNAL)
    # On Partage: Lyon's scenari expert reads it only as an agent of the school.
    folder = await insert_ticket(session, title="Dossier de projet", path=PROJECT_FOLDER,
                                 description=f"Voir aussi {team.ref} pour la création.")
    await insert_comment(session, folder, "Quota LDAP à vérifier.", author=STRASBOURG_EXPERT,
                         visibility=Visibility.INTERNAL)
    created = await insert_ticket(session, title="Comptes créés hier",
                                  description="Création de comptes en masse.")
    return {"team": team, "slow": slow, "folder": folder, "created": created}


async def _found(session, text: str, as_user: str = ADMIN) -> set[str]:
    viewer = await principal(session, as_user)
    page = await listing.list_tickets(session, viewer=viewer, filter=TicketFilter(text=text),
                                      page=PageArgs(first=50))
    assert await listing.count(session, page) == len(page.tickets)
    return {t.title for t in page.tickets}


async def test_accents_and_case_are_ignored_both_ways(session, tickets) -> None:
    for words in ("equipe", "EQUIPE", "équipe", "Équipe pédagogique", "pedagogique"):
        assert await _found(session, words) == {"Créer une équipe pédagogique"}, words
    assert await _found(session, "thermodynamique") == {"Créer une équipe pédagogique"}


async def test_title_description_and_public_comments_are_searched(session, tickets) -> None:
    assert await _found(session, "sauvegarde") == {"Publication"}
    assert await _found(session, "repond lentement", as_user=LYON_AGENT) == {"Publication"}
    # All words must match, wherever in the ticket they are.
    assert await _found(session, "publication lundi") == {"Publication"}
    assert await _found(session, "publication thermodynamique") == set()


async def test_internal_comments_are_searched_only_by_those_who_read_them(session,
                                                                         tickets) -> None:
    assert await _found(session, "ldap", as_user=LYON_AGENT) == set()
    assert await _found(session, "ldap", as_user=ROUEN_EXPERT) == {"Publication"}
    assert await _found(session, "ldap", as_user=ADMIN) == {"Publication", "Dossier de projet"}
    # Lyon's scenari expert reads the Partage ticket as a school agent: no internal comments.
    assert await _found(session, "ldap", as_user=LYON_EXPERT) == {"Publication"}
    assert await _found(session, "quota", as_user=LYON_EXPERT) == set()
    assert await _found(session, "quota", as_user=STRASBOURG_EXPERT) == {"Dossier de projet"}


async def test_an_exact_ref_finds_its_ticket_only(session, tickets) -> None:
    ref = tickets["team"].ref
    # The folder ticket mentions the ref in its description: a ref is not searched as words.
    for words in (ref, ref.lower(), f"  {ref} "):
        assert await _found(session, words) == {"Créer une équipe pédagogique"}
    assert await _found(session, "GRP-2000-999999") == set()
    assert await _found(session, ref, as_user=RENNES_AGENT) == set()


async def test_phrases_exclusions_and_or(session, tickets) -> None:
    assert await _found(session, '"répond lentement"') == {"Publication"}
    assert await _found(session, '"lentement répond"') == set()
    assert await _found(session, "serveur -ldap", as_user=LYON_AGENT) == {"Publication"}
    assert await _found(session, "serveur -lentement") == set()
    assert await _found(session, "thermodynamique or sauvegarde") == {
        "Créer une équipe pédagogique", "Publication"}
    assert await _found(session, "-thermodynamique") == {"Publication", "Dossier de projet",
                                                         "Comptes créés hier"}


async def test_what_stemming_gives_and_does_not(session, tickets, backend) -> None:
    if backend == "postgres":
        # French stems: plurals and some verb forms meet, "créer" and "création" do not.
        assert await _found(session, "équipes") == {"Créer une équipe pédagogique"}
        assert await _found(session, "créer") == {"Créer une équipe pédagogique",
                                                  "Comptes créés hier"}
        assert "Comptes créés hier" in await _found(session, "creation")
    else:
        # FTS5 has no French stemmer: a bare word matches as a word prefix.
        assert await _found(session, "equip") == {"Créer une équipe pédagogique"}
        assert await _found(session, "équipes") == set()
        assert await _found(session, "créer") == {"Créer une équipe pédagogique"}
        assert await _found(session, '"crea"') == set()
    assert "Dossier de projet" not in await _found(session, "créer")


async def test_text_without_words_does_not_filter(session, tickets) -> None:
    assert len(await _found(session, " !?- ")) == 4


@pytest.mark.parametrize("text", [
    'title:ldap', '"unbalanced', 'NEAR(a b)', 'a AND', 'OR', '*', '^serveur', 'a + b',
    "{title} : x", "l'équipe", '""', "- -", "NOT serveur", "serveur)", "(serveur", "le la",
])
async def test_query_syntax_in_user_text_is_never_an_error(session, tickets, text) -> None:
    await _found(session, text)


async def test_the_index_follows_comments_and_title_changes(session, tickets) -> None:
    agent = await principal(session, LYON_AGENT)
    team = tickets["team"]
    await comments.add_comment(session, actor=agent, ticket_id=team.id,
                               body="Les étudiants attendent depuis jeudi.")
    assert await _found(session, "etudiants jeudi", as_user=LYON_AGENT) == {
        "Créer une équipe pédagogique"}
    await session.execute(update(TicketComment).where(TicketComment.ticket_id == team.id)
                          .values(visibility=Visibility.INTERNAL))
    assert await _found(session, "etudiants", as_user=LYON_AGENT) == set()
    assert await _found(session, "etudiants", as_user=ADMIN) == {"Créer une équipe pédagogique"}
    await session.execute(delete(TicketComment).where(TicketComment.ticket_id == team.id))
    assert await _found(session, "etudiants", as_user=ADMIN) == set()
    await session.execute(update(Ticket).where(Ticket.id == team.id)
                          .values(title="Salle de visioconférence"))
    assert await _found(session, "visioconference") == {"Salle de visioconférence"}
    assert await _found(session, "equipe") == set()


def test_user_terms_are_quoted_before_match() -> None:
    assert fts5_query("équipe pédagogique") == Fts5Query('"équipe"* "pédagogique"*', None)
    assert fts5_query('"mot de passe" -ldap or quota') == Fts5Query(
        '"mot de passe" OR "quota"*', '"ldap"*')
    assert fts5_query('title:x NEAR(a) "b*" ^c') == Fts5Query(
        '"title x"* "NEAR a"* "b" "c"*', None)
    assert fts5_query("or or a or or") == Fts5Query('"a"*', None)
    assert fts5_query("l'équipe") == Fts5Query('"l équipe"*', None)
    assert fts5_query("-- ! ?") == Fts5Query(None, None)


@pytest.mark.postgres
async def test_a_search_plans_with_the_searched_words_on_postgres(session, tickets) -> None:
    # A generic plan cannot see how rare the words are (see search.plan_for_each_search).
    await _found(session, "sauvegarde")
    assert await session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
