"""A fresh benchmark database: migrations, the demo federation, and N tickets bulk-inserted.

Tickets are written with multi-row INSERTs (not through the service or GraphQL): loading 100,000
tickets one opening at a time would measure the loader, not the lists. The full-text triggers
still run for every row, as they do in production. The text is French, with accents, drawn
from small vocabularies with a fixed seed, so that searches hit a known share of the tickets.
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


def _ticket(rng: random.Random, cat: Catalogue, n: int, total: int) -> dict[str, Any]:
    sub, service, brick = rng.choice(cat.sub_services)
    school = rng.choice(list(cat.agents))
    state = _pick(rng, STATES)
    created = START + SPAN * (n / total)
    updated = created + dt.timedelta(hours=rng.randint(0, 24 * 20))
    assigned = state in OPEN_STATES or state in (TicketState.RESOLVED, TicketState.CLOSED)
    words = [rng.choice(SENTENCES) for _ in range(rng.randint(1, 3))]
    if n % RARE_EVERY == 0:
        words.append("Référence interne : tomographie.")
    return dict(
        ref=f"GRP-{created.year}-{n + 1:06d}", tenant_id=school,
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
    """Insert `count` tickets with their comments, then set the ref counters past them."""
    rng = random.Random(seed)
    cat = await catalogue(engine)
    first_id = 1
    async with writer_session(session_factory(engine)) as session:
        for start in range(0, count, BATCH):
            rows = [_ticket(rng, cat, n, count) for n in range(start, min(start + BATCH, count))]
            for offset, row in enumerate(rows):
                row["id"] = first_id + start + offset
            await session.execute(insert(Ticket), rows)
            comments = [c for row in rows for c in _comments(rng, row["id"], row)]
            if comments:
                await session.execute(insert(TicketComment), comments)
        last: dict[int, int] = {}
        for year, number in (await session.execute(text(
                "SELECT substr(ref, 5, 4), max(substr(ref, 10)) FROM ticket GROUP BY 1"))).all():
            last[int(year)] = int(number)
        for year, number in last.items():
            session.add(TicketCounter(scope="GRP", year=year, last=number))
    if engine.dialect.name == "postgresql":
        # Explicit ids leave the sequence behind; openings after the load need fresh ones.
        async with engine.begin() as conn:
            await conn.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                                    "(SELECT max(id) FROM ticket))"))
    async with engine.connect() as conn:
        # Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would keep.
        await conn.execute(text("ANALYZE"))
        await conn.commit()
