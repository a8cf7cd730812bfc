"""Fulfilment status from automation: the federation's status list and the ticket's last report.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def TICKET_COLUMNS() -> list[sa.Column]:  # noqa: N802 (a constant, made fresh for each use)
    return [
        sa.Column('fulfilment_system', sa.String(length=64), nullable=True),
        sa.Column('fulfilment_status', sa.String(length=32), nullable=True),
        sa.Column('fulfilment_error', sa.Boolean(), nullable=True),
        sa.Column('fulfilment_message', sa.Text(), nullable=True),
        sa.Column('fulfilment_updated_at', server.db.UTCDateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        'fulfilment_status',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('error', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_fulfilment_status')),
    )
    # Plain ALTER TABLE, never a batch rebuild: `ticket` has a computed column and is referred to
    # by most tables (see 0006, 0010).
    for column in TICKET_COLUMNS():
        op.add_column('ticket', column)
    op.create_index('ix_ticket_fulfilment_status_id', 'ticket', ['fulfilment_status', 'id'], unique=False)
    op.create_index('ix_ticket_fulfilment_error_id', 'ticket', ['fulfilment_error', 'id'], unique=False)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index('ix_ticket_fulfilment_error_id', table_name='ticket')
    op.drop_index('ix_ticket_fulfilment_status_id', table_name='ticket')
    for column in reversed(TICKET_COLUMNS()):
        if postgres:
            op.drop_column('ticket', column.name)
        else:
            op.execute(sa.text(f"ALTER TABLE ticket DROP COLUMN {column.name}"))
    op.drop_table('fulfilment_status')
