"""Ticket search: the priority rank, indexes for every filter and order, French full text.

The full-text index is one document per ticket, kept in sync by database triggers on `ticket`
and `ticket_comment` (so every writer, the mirror and bulk loads included, is indexed):

- PostgreSQL: table `ticket_fts` with two tsvectors in the `fr` configuration (french stemming
  after unaccent): `public_document` (title, description, public comments) and `staff_document`
  (the same plus internal comments), each with a GIN index. Needs the `unaccent` extension.
- SQLite: FTS5 table `ticket_fts` (rowid = ticket id) with columns title, description, comments,
  internal_comments and the `unicode61 remove_diacritics 2` tokenizer.

Both are named `ticket_fts*` so that autogenerate leaves them alone (server.migrations.include_name).
On SQLite a later batch migration that rebuilds `ticket` or `ticket_comment` drops their triggers:
such a migration must create them again (SQLITE_TRIGGERS below); the search tests would catch it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 05:11:07.187922
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIORITY_RANK = ("CASE priority WHEN 'LOW' THEN 0 WHEN 'NORMAL' THEN 1 WHEN 'HIGH' THEN 2 "
                 "WHEN 'CRITICAL' THEN 3 END")

NO_UNACCENT = (
    "PostgreSQL's `unaccent` extension is not available on this server, and French search needs "
    "it. Install the server's contrib modules (Debian/Ubuntu: the postgresql-<version> package "
    "ships them since PostgreSQL 10, older ones need postgresql-contrib-<version>; RPM: "
    "postgresql<version>-contrib), or have a superuser run `CREATE EXTENSION unaccent` in this "
    "database, then migrate again."
)

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # French stemming after accents are removed: "equipe" and "équipes" share the stem "equip".
    "CREATE TEXT SEARCH CONFIGURATION fr (COPY = french)",
    "ALTER TEXT SEARCH CONFIGURATION fr ALTER MAPPING FOR hword, hword_part, word "
    "WITH unaccent, french_stem",
    """CREATE TABLE ticket_fts (
        ticket_id integer PRIMARY KEY REFERENCES ticket (id) ON DELETE CASCADE,
        public_document tsvector NOT NULL,
        staff_document tsvector NOT NULL)""",
    "CREATE INDEX ticket_fts_public_document ON ticket_fts USING gin (public_document)",
    "CREATE INDEX ticket_fts_staff_document ON ticket_fts USING gin (staff_document)",
    """CREATE FUNCTION ticket_fts_refresh(tid integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO ticket_fts (ticket_id, public_document, staff_document)
        SELECT t.id, d.public_document, d.public_document || d.internal_document
        FROM ticket t CROSS JOIN LATERAL (SELECT
            to_tsvector('fr', t.title || ' ' || t.description || ' ' || coalesce(
                (SELECT string_agg(c.body, ' ' ORDER BY c.id) FROM ticket_comment c
                 WHERE c.ticket_id = t.id AND c.visibility = 'PUBLIC'), '')) AS public_document,
            to_tsvector('fr', coalesce(
                (SELECT string_agg(c.body, ' ' ORDER BY c.id) FROM ticket_comment c
                 WHERE c.ticket_id = t.id AND c.visibility <> 'PUBLIC'), '')) AS internal_document
        ) d
        WHERE t.id = tid
        ON CONFLICT (ticket_id) DO UPDATE SET public_document = excluded.public_document,
                                              staff_document = excluded.staff_document
    $$""",
    """CREATE FUNCTION ticket_fts_on_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM ticket_fts_refresh(NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION ticket_fts_on_comment() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            PERFORM ticket_fts_refresh(OLD.ticket_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id) THEN
            PERFORM ticket_fts_refresh(NEW.ticket_id);
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER ticket_fts_ticket AFTER INSERT OR UPDATE OF title, description ON ticket "
    "FOR EACH ROW EXECUTE FUNCTION ticket_fts_on_ticket()",
    "CREATE TRIGGER ticket_fts_comment AFTER INSERT OR UPDATE OR DELETE ON ticket_comment "
    "FOR EACH ROW EXECUTE FUNCTION ticket_fts_on_comment()",
    "SELECT ticket_fts_refresh(id) FROM ticket",
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS ticket_fts_comment ON ticket_comment",
    "DROP TRIGGER IF EXISTS ticket_fts_ticket ON ticket",
    "DROP FUNCTION IF EXISTS ticket_fts_on_comment()",
    "DROP FUNCTION IF EXISTS ticket_fts_on_ticket()",
    "DROP FUNCTION IF EXISTS ticket_fts_refresh(integer)",
    "DROP TABLE IF EXISTS ticket_fts",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS fr",
    # The unaccent extension stays: other objects of the database may use it.
]


def _sqlite_comments(ticket_id: str, public: bool) -> str:
    test = "= 'PUBLIC'" if public else "<> 'PUBLIC'"
    return (f"(SELECT coalesce(group_concat(body, ' '), '') FROM ticket_comment "
            f"WHERE ticket_id = {ticket_id} AND visibility {test})")


def _sqlite_refresh(ticket_id: str) -> str:
    return (f"UPDATE ticket_fts SET comments = {_sqlite_comments(ticket_id, True)}, "
            f"internal_comments = {_sqlite_comments(ticket_id, False)} WHERE rowid = {ticket_id};")


SQLITE_TRIGGERS = [
    """CREATE TRIGGER ticket_fts_ticket_insert AFTER INSERT ON ticket BEGIN
        INSERT INTO ticket_fts (rowid, title, description, comments, internal_comments)
        VALUES (new.id, new.title, new.description, '', '');
    END""",
    """CREATE TRIGGER ticket_fts_ticket_update AFTER UPDATE OF title, description ON ticket BEGIN
        UPDATE ticket_fts SET title = new.title, description = new.description
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER ticket_fts_ticket_delete AFTER DELETE ON ticket BEGIN
        DELETE FROM ticket_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER ticket_fts_comment_insert AFTER INSERT ON ticket_comment BEGIN
        {_sqlite_refresh("new.ticket_id")}
    END""",
    f"""CREATE TRIGGER ticket_fts_comment_update AFTER UPDATE ON ticket_comment BEGIN
        {_sqlite_refresh("old.ticket_id")}
        {_sqlite_refresh("new.ticket_id")}
    END""",
    f"""CREATE TRIGGER ticket_fts_comment_delete AFTER DELETE ON ticket_comment BEGIN
        {_sqlite_refresh("old.ticket_id")}
    END""",
]

SQLITE_UP = [
    "CREATE VIRTUAL TABLE ticket_fts USING fts5(title, description, comments, internal_comments, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    *SQLITE_TRIGGERS,
    f"""INSERT INTO ticket_fts (rowid, title, description, comments, internal_comments)
        SELECT id, title, description, {_sqlite_comments("ticket.id", True)},
               {_sqlite_comments("ticket.id", False)} FROM ticket""",
]

SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS ticket_fts_{name}" for name in (
        "comment_delete", "comment_update", "comment_insert",
        "ticket_delete", "ticket_update", "ticket_insert")),
    "DROP TABLE IF EXISTS ticket_fts",
]


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(sa.text(statement))


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres and bind.scalar(sa.text(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'unaccent'")) == 0:
        raise RuntimeError(NO_UNACCENT)
    # SQLite cannot add a STORED column to a table; a VIRTUAL one is indexed all the same.
    op.add_column('ticket', sa.Column('priority_rank', sa.SmallInteger(),
                                      sa.Computed(PRIORITY_RANK, persisted=postgres),
                                      nullable=False))
    op.create_index('ix_ticket_escalation_level', 'ticket', ['escalation_level'], unique=False)
    op.create_index('ix_ticket_priority_rank_id', 'ticket', ['priority_rank', 'id'], unique=False)
    # The assignee's index gains the state and the assignment time: routing reads an expert's
    # load and latest assignment, and myQueue their open tickets, from the index alone.
    op.drop_index('ix_ticket_assignee_id', table_name='ticket')
    op.create_index('ix_ticket_assignee_id_state', 'ticket', ['assignee_id', 'state'],
                    unique=False)
    op.create_index('ix_ticket_assignee_id_assigned_at', 'ticket', ['assignee_id', 'assigned_at'],
                    unique=False)
    _run(POSTGRES_UP if postgres else SQLITE_UP)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _run(POSTGRES_DOWN if postgres else SQLITE_DOWN)
    op.drop_index('ix_ticket_assignee_id_assigned_at', table_name='ticket')
    op.drop_index('ix_ticket_assignee_id_state', table_name='ticket')
    op.create_index('ix_ticket_assignee_id', 'ticket', ['assignee_id'], unique=False)
    op.drop_index('ix_ticket_priority_rank_id', table_name='ticket')
    op.drop_index('ix_ticket_escalation_level', table_name='ticket')
    if postgres:
        op.drop_column('ticket', 'priority_rank')
    else:
        # A batch rebuild of `ticket` would have to move every table that refers to it.
        op.execute(sa.text("ALTER TABLE ticket DROP COLUMN priority_rank"))
