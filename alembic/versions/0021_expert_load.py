"""Each expert's open tickets in one row, kept by triggers: routing reads it instead of counting.

Routing's rule 2 compares the candidates' open tickets (assigned, in progress or pending). Counted
per opening, that read some 11,000 index entries per expert at 1,000,000 tickets. `expert_load`
holds the count, changed by triggers on `ticket` in the transaction of every INSERT, UPDATE of
`assignee_id` or `state`, and DELETE, whoever writes (the services, the desks' hooks, bulk loads).
A reassignment changes two rows: the lower user id first, so that two reassignments crossing each
other cannot deadlock (PostgreSQL).

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-30 22:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# server.tickets.workflow.OPEN_STATES when this was written (a test compares the table with it).
OPEN = "('ASSIGNED', 'IN_PROGRESS', 'PENDING')"

FILL = (f"INSERT INTO expert_load (user_id, open_tickets) SELECT assignee_id, count(*) FROM ticket "
        f"WHERE assignee_id IS NOT NULL AND state IN {OPEN} GROUP BY assignee_id")

POSTGRES_UP = [
    f"""CREATE FUNCTION expert_load_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        was integer;
        now_ integer;
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.assignee_id IS NOT NULL AND OLD.state IN {OPEN} THEN
            was := OLD.assignee_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.assignee_id IS NOT NULL AND NEW.state IN {OPEN} THEN
            now_ := NEW.assignee_id;
        END IF;
        IF was IS NOT DISTINCT FROM now_ THEN
            RETURN NULL;
        END IF;
        IF was IS NOT NULL AND (now_ IS NULL OR was < now_) THEN
            UPDATE expert_load SET open_tickets = open_tickets - 1 WHERE user_id = was;
            was := NULL;
        END IF;
        IF now_ IS NOT NULL THEN
            INSERT INTO expert_load (user_id, open_tickets) VALUES (now_, 1)
            ON CONFLICT (user_id) DO UPDATE SET open_tickets = expert_load.open_tickets + 1;
        END IF;
        IF was IS NOT NULL THEN
            UPDATE expert_load SET open_tickets = open_tickets - 1 WHERE user_id = was;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER expert_load_insert AFTER INSERT ON ticket FOR EACH ROW
        WHEN (NEW.assignee_id IS NOT NULL AND NEW.state IN {OPEN})
        EXECUTE FUNCTION expert_load_follow()""",
    """CREATE TRIGGER expert_load_update AFTER UPDATE OF assignee_id, state ON ticket FOR EACH ROW
        WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.state IS DISTINCT FROM NEW.state)
        EXECUTE FUNCTION expert_load_follow()""",
    f"""CREATE TRIGGER expert_load_delete AFTER DELETE ON ticket FOR EACH ROW
        WHEN (OLD.assignee_id IS NOT NULL AND OLD.state IN {OPEN})
        EXECUTE FUNCTION expert_load_follow()""",
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS expert_load_delete ON ticket",
    "DROP TRIGGER IF EXISTS expert_load_update ON ticket",
    "DROP TRIGGER IF EXISTS expert_load_insert ON ticket",
    "DROP FUNCTION IF EXISTS expert_load_follow()",
]

# SQLite has one writer at a time: no lock order to keep.
_ADD = ("INSERT INTO expert_load (user_id, open_tickets) SELECT NEW.assignee_id, 1 "
        f"WHERE NEW.assignee_id IS NOT NULL AND NEW.state IN {OPEN} "
        "ON CONFLICT (user_id) DO UPDATE SET open_tickets = open_tickets + 1;")
_REMOVE = ("UPDATE expert_load SET open_tickets = open_tickets - 1 "
           f"WHERE user_id = OLD.assignee_id AND OLD.state IN {OPEN};")

SQLITE_UP = [
    f"""CREATE TRIGGER expert_load_insert AFTER INSERT ON ticket
        WHEN NEW.assignee_id IS NOT NULL AND NEW.state IN {OPEN}
        BEGIN {_ADD} END""",
    f"""CREATE TRIGGER expert_load_update AFTER UPDATE OF assignee_id, state ON ticket
        WHEN OLD.assignee_id IS NOT NEW.assignee_id OR OLD.state IS NOT NEW.state
        BEGIN {_REMOVE} {_ADD} END""",
    f"""CREATE TRIGGER expert_load_delete AFTER DELETE ON ticket
        WHEN OLD.assignee_id IS NOT NULL AND OLD.state IN {OPEN}
        BEGIN {_REMOVE} END""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS expert_load_delete",
    "DROP TRIGGER IF EXISTS expert_load_update",
    "DROP TRIGGER IF EXISTS expert_load_insert",
]


def upgrade() -> None:
    op.create_table(
        'expert_load',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('open_tickets', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_expert_load_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_expert_load')),
    )
    op.execute(sa.text(FILL))
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(sa.text(statement))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(sa.text(statement))
    op.drop_table('expert_load')
