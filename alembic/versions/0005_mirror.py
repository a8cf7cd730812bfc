"""Mirrors to the schools' desks: desk settings, the outbox, mirror state, inbound event ids.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 05:04:11.819459
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import server.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('desk_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('itop', 'glpi', 'webhook', 'email', name='deskkind', native_enum=False, length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('credential_refs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mappings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('timeout', sa.Float(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_desk_setting_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_setting')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_desk_setting_tenant_id'))
    )
    op.create_table('inbound_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('received_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_inbound_event_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_inbound_event_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_event')),
    sa.UniqueConstraint('tenant_id', 'event_id', name=op.f('uq_inbound_event_tenant_id_event_id'))
    )
    op.create_table('mirror',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('desk_kind', sa.Enum('itop', 'glpi', 'webhook', 'email', name='deskkind', native_enum=False, length=16), nullable=False),
    sa.Column('remote_id', sa.String(length=100), nullable=True),
    sa.Column('remote_ref', sa.String(length=100), nullable=True),
    sa.Column('status', sa.Enum('PENDING', 'SYNCED', 'FAILED', 'PAUSED', name='mirrorstatus', native_enum=False, length=16), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_synced_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_mirror_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_mirror_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mirror')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_mirror_ticket_id'))
    )
    with op.batch_alter_table('mirror', schema=None) as batch_op:
        batch_op.create_index('ix_mirror_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mirror_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('outbox_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('origin', sa.Enum('GROUP', 'DESK', name='origin', native_enum=False, length=8), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_outbox_event_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_outbox_event_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_event'))
    )
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_event_delivered_at', ['delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_outbox_event_ticket_pending', ['ticket_id', 'delivered_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_event_ticket_pending')
        batch_op.drop_index(batch_op.f('ix_outbox_event_tenant_id'))
        batch_op.drop_index('ix_outbox_event_delivered_at')

    op.drop_table('outbox_event')
    with op.batch_alter_table('mirror', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mirror_tenant_id'))
        batch_op.drop_index('ix_mirror_status_next_attempt_at')

    op.drop_table('mirror')
    op.drop_table('inbound_event')
    op.drop_table('desk_setting')
