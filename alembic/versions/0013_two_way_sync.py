"""Two-way sync: this installation's identity, desk poll cursors, mirror divergence, catalogue sync runs.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 19:10:00
"""
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server.db

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    installation = op.create_table(
        'installation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('identity', sa.String(length=40), nullable=False),
        sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_installation')),
    )
    # Generated once, here: two databases (a staging copy, a rebuilt server) never share it.
    op.bulk_insert(installation, [{"id": 1, "identity": uuid.uuid4().hex[:12],
                                   "created_at": datetime.now(UTC)}])
    op.create_table(
        'desk_poll',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('cursor', sa.String(length=40), nullable=True),
        sa.Column('polled_at', server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('applied', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_desk_poll_tenant_id_tenant')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_poll')),
        sa.UniqueConstraint('tenant_id', name=op.f('uq_desk_poll_tenant_id')),
    )
    op.create_table(
        'catalog_sync_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('started_at', server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_sync_run')),
    )
    with op.batch_alter_table('mirror') as batch:
        batch.add_column(sa.Column('local_state', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('divergence', sa.Text(), nullable=True))
        batch.add_column(sa.Column('local_closed', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('mirror') as batch:
        batch.drop_column('local_closed')
        batch.drop_column('divergence')
        batch.drop_column('local_state')
    op.drop_table('catalog_sync_run')
    op.drop_table('desk_poll')
    op.drop_table('installation')
