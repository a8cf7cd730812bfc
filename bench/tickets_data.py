"""A fresh benchmark database: migrations, the demo federation, and N tickets bulk-inserted.

Tickets are written with multi-row INSERTs (not through the service or GraphQL): loading 100,000
tickets one opening at a time would measure the loader, not the lists. The full-text index is
built set-based: its triggers are off during the load, and one INSERT ... SELECT fills it from
the tickets and their grouped comments afterwards (PostgreSQL builds its GIN indexes once, at the
end), so 1,000,000 tickets load in minutes. Refs are numbered per year (GRP-2025-000001 follows
GRP-2024-...), and each year's counter is set from the numeric maximum of its refs. The text is
French, with accents, drawn from small vocabularies with a fixed seed, so that searches hit a
known share of the tickets.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from server import migrations
from server.catalog.models import Priority, Service, SubService
from server.db import session_factory, writer_session
from server.identity.models import ExpertDesignation, Tenant, User
from server.importing import import_federation
from server.tickets.models import Ticket, TicketComment, TicketCounter, Visibility
from server.tickets.workflow import OPEN_STATES, TicketState
from tenants.context import Role, TenantKind
from tenants.federation import demo_federation_path, load_federation

BATCH = 2_000
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=730)

PROBLEMS = ["Impossible de créer le compte", "Échec de la publication", "Quota dépassé",
            "Erreur de synchronisation", "Restauration du cours demandée", "Accès refusé",
            "Lenteur de l'équipe pédagogique", "Problème de connexion", "Modèle à mettre à jour",
            "Salle de visioconférence indisponible"]
CONTEXTS = ["pour la rentrée", "depuis lundi", "après la mise à jour", "pour un enseignant",
            "sur l'atelier de chimie", "pour les étudiants de première année", "en urgence",
            "sur le serveur de recherche"]
SENTENCES = ["Le message d'erreur apparaît à chaque tentative.",
             "Les étudiants ne voient plus leurs documents.",
             "Nous avons déjà vidé le cache du navigateur.",
             "La sauvegarde de la semaine dernière devrait suffire.",
             "Le problème touche plusieurs départements.",
             "Merci de prévenir l'enseignant quand c'est réglé.",
             "Le fichier exporté est vide.", "La connexion échoue avec le compte fédéré."]
REPLIES = ["Pouvez-vous préciser l'adresse du compte ?", "C'est corrigé, merci de vérifier.",
           "Nous regardons la configuration du serveur.", "Le quota a été augmenté."]
NOTES = ["Voir le journal LDAP côté serveur.", "Relancé le service de synchronisation.",
         "Ticket lié à l'incident de stockage."]
# Weights of the states over a two-year history: most tickets are done.
STATES = [(TicketState.CLOSED, 55), (TicketState.RESOLVED, 10), (TicketState.ASSIGNED, 8),
          (TicketState.IN_PROGRESS, 8), (TicketState.PENDING, 5), (TicketState.NEW, 5),
          (TicketState.WAITING_FOR_APPROVAL, 3), (TicketState.APPROVED, 2),
          (TicketState.REJECTED, 4)]
PRIORITIES = [(Priority.LOW, 20), (Priority.NORMAL, 55), (Priority.HIGH, 20),
              (Priority.CRITICAL, 5)]
# One ticket in RARE_EVERY carries a rare word: "rare" searches find about N / RARE_EVERY.
RARE_EVERY = 1_000


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The ids the generator draws from."""

    sub_services: list[tuple[int, int, int]]   # (sub-service, service, brick)
    schools: list[int]
    agents: dict[int, list[int]]               # school -> its support users
    experts: dict[int, list[int]]              # brick -> designated experts


async def prepare(engine: AsyncEngine) -> None:
    """Migrate an empty database and load the demo federation."""
    await migrations.upgrade(engine)
    async with writer_session(session_factory(engine)) as session:
        await import_federation(session, load_federation(demo_federation_path()))


async def catalogue(engine: AsyncEngine) -> Catalogue:
    async with session_factory(engine)() as s:
        subs = [(sub, svc, brick) for sub, svc, brick in (await s.execute(
            select(SubService.id, Service.id, Service.brick_id)
            .join(Service, Service.id == SubService.service_id))).all()]
        schools = list(await s.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.SCHOOL)))
        agents: dict[int, list[int]] = {school: [] for school in schools}
        for user in await s.scalars(select(User).where(User.tenant_id.in_(schools))):
            if Role.SCHOOL_AGENT in user.roles:
                agents[user.tenant_id].append(user.id)
        experts: dict[int, list[int]] = {}
        for d in await s.scalars(select(ExpertDesignation)):
            experts.setdefault(d.brick_id, []).append(d.user_id)
    return Catalogue(sub_services=sorted(subs), schools=sorted(schools),
                     agents={k: v for k, v in agents.items() if v}, experts=experts)


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _ticket(rng: random.Random, cat: Catalogue, n: int, total: int,
            numbers: dict[int, int]) -> dict[str, Any]:
    sub, service, brick = rng.choice(cat.sub_services)
    school = rng.choice(list(cat.agents))
    state = _pick(rng, STATES)
    created = START + SPAN * (n / total)
    updated = created + dt.timedelta(hours=rng.randint(0, 24 * 20))
    assigned = state in OPEN_STATES or state in (TicketState.RESOLVED, TicketState.CLOSED)
    words = [rng.choice(SENTENCES) for _ in range(rng.randint(1, 3))]
    if n % RARE_EVERY == 0:
        words.append("Référence interne : tomographie.")
    numbers[created.year] = numbers.get(created.year, 0) + 1
    return dict(
        ref=f"GRP-{created.year}-{numbers[created.year]:06d}", tenant_id=school,
        opened_by_id=rng.choice(cat.agents[school]), sub_service_id=sub, service_id=service,
        brick_id=brick, title=f"{rng.choice(PROBLEMS)} {rng.choice(CONTEXTS)}",
        description=" ".join(words), priority=_pick(rng, PRIORITIES), state=state,
        request_data={}, assignee_id=rng.choice(cat.experts[brick])
        if assigned and brick in cat.experts else None,
        escalation_level=1 if rng.random() < 0.03 else 0, version=1, created_at=created,
        updated_at=updated)


def _comments(rng: random.Random, ticket_id: int, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        found.append(dict(ticket_id=ticket_id, author_id=ticket["opened_by_id"],
                          body=rng.choice(REPLIES), visibility=Visibility.PUBLIC,
                          created_at=ticket["updated_at"]))
    if ticket["assignee_id"] is not None and rng.random() < 0.3:
        found.append(dict(ticket_id=ticket_id, author_id=ticket["assignee_id"],
                          body=rng.choice(NOTES), visibility=Visibility.INTERNAL,
                          created_at=ticket["updated_at"]))
    return found


async def load_tickets(engine: AsyncEngine, count: int, *, seed: int = 2026) -> None:
    """Insert `count` tickets with their comments, index them for search, set the ref counters."""
    rng = random.Random(seed)
    cat = await catalogue(engine)
    numbers: dict[int, int] = {}
    dialect = engine.dialect.name
    async with writer_session(session_factory(engine)) as session:
        saved = await _search_index_off(session, dialect)
        for start in range(0, count, BATCH):
            rows = [_ticket(rng, cat, n, count, numbers)
                    for n in range(start, min(start + BATCH, count))]
            for offset, row in enumerate(rows):
                row["id"] = 1 + start + offset
            await session.execute(insert(Ticket), rows)
            comments = [c for row in rows for c in _comments(rng, row["id"], row)]
            if comments:
                await session.execute(insert(TicketComment), comments)
        await _search_index_on(session, dialect, saved)
        # The numeric maximum: a text maximum would put GRP-2024-999999 after GRP-2024-1000000.
        for year, number in (await session.execute(text(
                "SELECT substr(ref, 5, 4), max(CAST(substr(ref, 10) AS INTEGER)) FROM ticket "
                "GROUP BY 1"))).all():
            session.add(TicketCounter(scope="GRP", year=int(year), last=int(number)))
    if dialect == "postgresql":
        # Explicit ids leave the sequence behind; openings after the load need fresh ones.
        async with engine.begin() as conn:
            await conn.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                                    "(SELECT max(id) FROM ticket))"))
    # Fresh statistics and (PostgreSQL) a visibility map, as autovacuum would keep them: without
    # it, counts that an index could answer alone visit every row of the table.
    if dialect == "postgresql":
        async with engine.connect() as conn:
            raw = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await raw.execute(text("VACUUM (ANALYZE)"))
        return
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()


PG_GIN = {"ticket_fts_public_document": "public_document",
          "ticket_fts_staff_document": "staff_document"}
# Comments grouped once for every ticket (a hash aggregate), instead of two subqueries per row.
_GROUPED = """WITH c AS (
    SELECT ticket_id,
           string_agg(body, ' ' ORDER BY id) FILTER (WHERE visibility = 'PUBLIC') AS public,
           string_agg(body, ' ' ORDER BY id) FILTER (WHERE visibility <> 'PUBLIC') AS internal
    FROM ticket_comment GROUP BY ticket_id)"""
PG_FILL = _GROUPED + """
INSERT INTO ticket_fts (ticket_id, public_document, staff_document)
SELECT t.id, d.pub, d.pub || to_tsvector('fr', coalesce(c.internal, ''))
FROM ticket t LEFT JOIN c ON c.ticket_id = t.id
CROSS JOIN LATERAL (SELECT to_tsvector('fr', t.title || ' ' || t.description || ' '
                                       || coalesce(c.public, '')) AS pub) d"""
SQLITE_FILL = """INSERT INTO ticket_fts (rowid, title, description, comments, internal_comments)
SELECT t.id, t.title, t.description, coalesce(c.public, ''), coalesce(c.internal, '')
FROM ticket t LEFT JOIN (SELECT ticket_id,
        group_concat(CASE WHEN visibility = 'PUBLIC' THEN body END, ' ') AS public,
        group_concat(CASE WHEN visibility <> 'PUBLIC' THEN body END, ' ') AS internal
    FROM (SELECT * FROM ticket_comment ORDER BY id) GROUP BY ticket_id) c ON c.ticket_id = t.id"""


async def _search_index_off(session: Any, dialect: str) -> list[str]:
    """Stop the per-row search triggers for the load; what `_search_index_on` needs to restore."""
    if dialect == "postgresql":
        for statement in ("ALTER TABLE ticket DISABLE TRIGGER ticket_fts_ticket",
                          "ALTER TABLE ticket_comment DISABLE TRIGGER ticket_fts_comment",
                          *(f"DROP INDEX IF EXISTS {name}" for name in PG_GIN)):
            await session.execute(text(statement))
        return []
    triggers = list(await session.scalars(text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ticket_fts_%'")))
    for name in await session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ticket_fts_%'")):
        await session.execute(text(f"DROP TRIGGER {name}"))
    return triggers


async def _search_index_on(session: Any, dialect: str, saved: list[str]) -> None:
    """Fill the search index in one statement, then put its triggers (and indexes) back."""
    if dialect == "postgresql":
        await session.execute(text("DELETE FROM ticket_fts"))
        await session.execute(text(PG_FILL))
        for name, column in PG_GIN.items():
            await session.execute(text(f"CREATE INDEX {name} ON ticket_fts USING gin ({column})"))
        for statement in ("ALTER TABLE ticket ENABLE TRIGGER ticket_fts_ticket",
                          "ALTER TABLE ticket_comment ENABLE TRIGGER ticket_fts_comment"):
            await session.execute(text(statement))
        return
    await session.execute(text("DELETE FROM ticket_fts"))
    await session.execute(text(SQLITE_FILL))
    for statement in saved:
        await session.execute(text(statement))
