"""Stats roll-up: daily summary tables and the triggers that mark the days a change touches.

`stats_day` and `stats_day_histogram` hold per UTC day the figures of `stats`
(server.reports.rollup fills them); `stats_dirty_day` lists the days a change to `ticket` or
`ticket_escalation` touched, written by the triggers below in the changing transaction, so that
no writer (the service, the mirror, the sweep, a bulk load, a hand-written UPDATE) can leave a
rolled-up day wrong: the day is read from the live tables until the roll-up job rebuilds it.
A ticket's days are those of its instants: created, taken, resolved, closed, rejected (its last
update while REJECTED) and departed (the first of resolved, closed, rejected, never before
its creation); a move between
schools, places, priorities or assignees marks them all, and its escalations' days.
The triggers fire on INSERT, DELETE and on UPDATE of the columns stats read only; openTicket
sends no statement more. Only days before the current UTC day (the wall clock's, when the
trigger runs) are marked: today is never rolled up, so the openings and changes of the day
write nothing here and never wait on each other for it. On PostgreSQL a mark takes the day's
row lock (ON CONFLICT DO UPDATE) so that the roll-up job, which deletes the marks it rebuilds,
waits for a changing transaction that marked the day before it and then reads its change; the
job also rolls up no day on which a running transaction may still write (server.reports.rollup).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 22:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = ("tenant_id", "brick_id", "service_id", "sub_service_id", "priority", "assignee_id")
WATCHED = (*DIMENSIONS, "state", "created_at", "updated_at", "taken_at", "resolved_at", "closed_at",
           "take_business_seconds", "resolve_business_seconds", "take_target_seconds",
           "resolve_target_seconds")
FAR = "'9999-12-31 00:00:00'"


def _dimensions() -> list[sa.Column]:
    return [sa.Column('tenant_id', sa.Integer(), nullable=True),
            sa.Column('brick_id', sa.Integer(), nullable=True),
            sa.Column('service_id', sa.Integer(), nullable=True),
            sa.Column('sub_service_id', sa.Integer(), nullable=True),
            sa.Column('priority', sa.Enum('LOW', 'NORMAL', 'HIGH', 'CRITICAL', name='priority',
                                          native_enum=False, length=16, create_constraint=False),
                      nullable=True),
            sa.Column('assignee_id', sa.Integer(), nullable=True)]


class Dialect:
    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres

    def day(self, stamp: str) -> str:
        return f"(({stamp}) AT TIME ZONE 'UTC')::date" if self.postgres else f"date({stamp})"

    def differ(self, a: str, b: str) -> str:
        return f"({a} IS DISTINCT FROM {b})" if self.postgres else f"({a} IS NOT {b})"

    def rejected(self, row: str) -> str:
        return f"CASE WHEN {row}.state = 'REJECTED' THEN {row}.updated_at END"

    def departed(self, row: str) -> str:
        parts = (f"{row}.resolved_at", f"{row}.closed_at", self.rejected(row))
        if self.postgres:
            first = f"LEAST({', '.join(parts)})"
            return f"CASE WHEN {first} IS NOT NULL THEN GREATEST({row}.created_at, {first}) END"
        first = f"NULLIF(min({', '.join(f'coalesce({p}, {FAR})' for p in parts)}), {FAR})"
        return f"max({row}.created_at, {first})"

    def instants(self, row: str) -> dict[str, str]:
        return {"created": f"{row}.created_at", "taken": f"{row}.taken_at",
                "resolved": f"{row}.resolved_at", "closed": f"{row}.closed_at",
                "rejected": self.rejected(row), "departed": self.departed(row)}

    def marked(self, rows: list[tuple[str, str]]) -> str:
        """INSERT the days of the (condition, instant) pairs whose condition holds."""
        selects = " UNION ALL ".join(f"SELECT {self.day(stamp)} AS day WHERE {condition}"
                                     for condition, stamp in rows)
        found = f"SELECT DISTINCT day FROM ({selects}) AS touched WHERE day < {self.today()}"
        return self.upsert(found)

    def today(self) -> str:
        """The current UTC day by the wall clock (not the transaction's start)."""
        return ("(clock_timestamp() AT TIME ZONE 'UTC')::date" if self.postgres
                else "date('now')")

    def upsert(self, found: str) -> str:
        """Mark the days `found` selects; on PostgreSQL holding each day's row until commit."""
        if self.postgres:
            return (f"INSERT INTO stats_dirty_day (day) {found} "
                    "ON CONFLICT (day) DO UPDATE SET day = EXCLUDED.day;")
        return f"INSERT OR IGNORE INTO stats_dirty_day (day) {found};"

    def mark_day(self, stamp: str) -> str:
        """Mark the day of one instant, when it is before today."""
        return self.upsert(f"SELECT {self.day(stamp)} AS day WHERE {self.day(stamp)} < {self.today()}")

    def escalations_of(self, ticket: str) -> str:
        found = (f"SELECT DISTINCT {self.day('created_at')} FROM ticket_escalation "
                 f"WHERE ticket_id = {ticket} AND {self.day('created_at')} < {self.today()}")
        return self.upsert(found)

    def on_update(self) -> str:
        moved = " OR ".join(self.differ(f"OLD.{c}", f"NEW.{c}") for c in (*DIMENSIONS, "created_at"))
        old, new = self.instants("OLD"), self.instants("NEW")
        why = {"created": [], "taken": ["take_business_seconds", "take_target_seconds"],
               "resolved": ["resolve_business_seconds", "resolve_target_seconds"], "closed": [],
               "rejected": ["state"], "departed": []}
        rows = []
        for name, also in why.items():
            changed = " OR ".join([f"({moved})", self.differ(old[name], new[name]),
                                   *(self.differ(f"OLD.{c}", f"NEW.{c}") for c in also)])
            rows += [(changed, old[name]), (changed, new[name])]
        return (self.marked(rows) + "\n"
                + (f"IF {moved} THEN {self.escalations_of('NEW.id')} END IF;" if self.postgres
                   else self.escalations_of("NEW.id").replace(
                       "WHERE ticket_id", f"WHERE ({moved}) AND ticket_id")))

    def on_insert_or_delete(self, row: str) -> str:
        return self.marked([("TRUE" if self.postgres else "1", s) for s in self.instants(row).values()])


def _postgres_up() -> list[str]:
    d = Dialect(postgres=True)
    return [
        f"""CREATE FUNCTION stats_mark_ticket_days() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {d.on_insert_or_delete("NEW")}
            ELSIF TG_OP = 'DELETE' THEN
                {d.on_insert_or_delete("OLD")}
                {d.escalations_of("OLD.id")}
            ELSE
                {d.on_update()}
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER stats_ticket_days AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)}
            ON ticket FOR EACH ROW EXECUTE FUNCTION stats_mark_ticket_days()""",
        f"""CREATE FUNCTION stats_mark_escalation_days() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                {d.mark_day("OLD.created_at")}
            END IF;
            IF TG_OP <> 'DELETE' THEN
                {d.mark_day("NEW.created_at")}
            END IF;
            RETURN NULL;
        END $$""",
        """CREATE TRIGGER stats_escalation_days AFTER INSERT OR DELETE OR UPDATE
            ON ticket_escalation FOR EACH ROW EXECUTE FUNCTION stats_mark_escalation_days()""",
    ]


POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS stats_escalation_days ON ticket_escalation",
    "DROP FUNCTION IF EXISTS stats_mark_escalation_days()",
    "DROP TRIGGER IF EXISTS stats_ticket_days ON ticket",
    "DROP FUNCTION IF EXISTS stats_mark_ticket_days()",
]


def _sqlite_up() -> list[str]:
    d = Dialect(postgres=False)
    return [
        f"""CREATE TRIGGER stats_ticket_days_insert AFTER INSERT ON ticket BEGIN
            {d.on_insert_or_delete("NEW")}
        END""",
        f"""CREATE TRIGGER stats_ticket_days_delete AFTER DELETE ON ticket BEGIN
            {d.on_insert_or_delete("OLD")}
            {d.escalations_of("OLD.id")}
        END""",
        f"""CREATE TRIGGER stats_ticket_days_update AFTER UPDATE OF {', '.join(WATCHED)} ON ticket BEGIN
            {d.on_update()}
        END""",
        f"""CREATE TRIGGER stats_escalation_days_insert AFTER INSERT ON ticket_escalation BEGIN
            {d.mark_day("NEW.created_at")}
        END""",
        f"""CREATE TRIGGER stats_escalation_days_update AFTER UPDATE ON ticket_escalation BEGIN
            {d.mark_day("OLD.created_at")}
            {d.mark_day("NEW.created_at")}
        END""",
        f"""CREATE TRIGGER stats_escalation_days_delete AFTER DELETE ON ticket_escalation BEGIN
            {d.mark_day("OLD.created_at")}
        END""",
    ]


SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS stats_{name}" for name in (
    "escalation_days_delete", "escalation_days_update", "escalation_days_insert",
    "ticket_days_update", "ticket_days_delete", "ticket_days_insert")]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    counts = ("opened", "closed", "rejected", "escalations", "departed", "taken", "resolved",
              "take_met", "take_targeted", "resolve_met", "resolve_targeted")
    durations = ("take_business", "take_wall", "resolve_business", "resolve_wall")
    op.create_table(
        'stats_day',
        sa.Column('grain', sa.SmallInteger(), nullable=False),
        sa.Column('span', sa.SmallInteger(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_dimensions(),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in counts],
        *[c for name in durations for c in (sa.Column(f'{name}_n', sa.Integer(), nullable=False),
                                             sa.Column(f'{name}_sum', sa.Float(), nullable=False))],
    )
    op.create_index('ix_stats_day_grain_span_day', 'stats_day', ['grain', 'span', 'day'], unique=False)
    op.create_table(
        'stats_day_histogram',
        sa.Column('grain', sa.SmallInteger(), nullable=False),
        sa.Column('span', sa.SmallInteger(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_dimensions(),
        sa.Column('measure', sa.SmallInteger(), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
    )
    op.create_index('ix_stats_day_histogram_grain_span_day', 'stats_day_histogram',
                    ['grain', 'span', 'day'], unique=False)
    op.create_table(
        'stats_dirty_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_stats_dirty_day')),
    )
    op.create_table(
        'stats_rollup_state',
        sa.Column('id', sa.SmallInteger(), nullable=False),
        sa.Column('rolled_from', sa.Date(), nullable=True),
        sa.Column('rolled_until', sa.Date(), nullable=True),
        sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_rollup_state')),
    )
    for statement in (_postgres_up() if postgres else _sqlite_up()):
        op.execute(sa.text(statement))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in (POSTGRES_DOWN if postgres else SQLITE_DOWN):
        op.execute(sa.text(statement))
    op.drop_table('stats_rollup_state')
    op.drop_table('stats_dirty_day')
    op.drop_index('ix_stats_day_histogram_grain_span_day', table_name='stats_day_histogram')
    op.drop_table('stats_day_histogram')
    op.drop_index('ix_stats_day_grain_span_day', table_name='stats_day')
    op.drop_table('stats_day')
