"""Reporting: indexes on the instants stats count tickets by (taken, resolved, closed).

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-30 20:10:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0017'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_ticket_taken_at', 'ticket', ['taken_at'], unique=False)
    op.create_index('ix_ticket_resolved_at', 'ticket', ['resolved_at'], unique=False)
    op.create_index('ix_ticket_closed_at', 'ticket', ['closed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_closed_at', table_name='ticket')
    op.drop_index('ix_ticket_resolved_at', table_name='ticket')
    op.drop_index('ix_ticket_taken_at', table_name='ticket')
