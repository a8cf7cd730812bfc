"""Group tickets, their ref counter, comments and history events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 05:00:24.775715
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import server.db

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ticket_counter',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'year', name=op.f('pk_ticket_counter'))
    )
    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('sub_service_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('brick_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('priority', sa.Enum('LOW', 'NORMAL', 'HIGH', 'CRITICAL', name='priority', native_enum=False, length=16), nullable=False),
    sa.Column('state', sa.Enum('NEW', 'WAITING_FOR_APPROVAL', 'APPROVED', 'REJECTED', 'ASSIGNED', 'IN_PROGRESS', 'PENDING', 'RESOLVED', 'CLOSED', name='ticketstate', native_enum=False, length=24), nullable=False),
    sa.Column('request_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('local_ref', sa.String(length=64), nullable=True),
    sa.Column('requester_name', sa.String(length=200), nullable=True),
    sa.Column('requester_email', sa.String(length=320), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('solution', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_ticket_assignee_id_user_account')),
    sa.ForeignKeyConstraint(['brick_id'], ['brick.id'], name=op.f('fk_ticket_brick_id_brick')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_ticket_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_ticket_service_id_service')),
    sa.ForeignKeyConstraint(['sub_service_id'], ['sub_service.id'], name=op.f('fk_ticket_sub_service_id_sub_service')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ticket_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('ref', name=op.f('uq_ticket_ref'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_brick_id'), ['brick_id'], unique=False)
        batch_op.create_index('ix_ticket_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_opened_by_id'), ['opened_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_priority'), ['priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_sub_service_id'), ['sub_service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_ticket_updated_at_id', ['updated_at', 'id'], unique=False)

    op.create_table('ticket_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('visibility', sa.Enum('PUBLIC', 'INTERNAL', name='visibility', native_enum=False, length=16), nullable=False),
    sa.Column('source', sa.Enum('GROUP', 'DESK', name='commentsource', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_ticket_comment_author_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_comment_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_comment'))
    )
    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_comment_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('OPENED', 'ROUTED', 'ASSIGNED', 'TAKEN', 'STATE_CHANGED', 'APPROVED', 'REJECTED', 'PUT_ON_HOLD', 'ANSWERED', 'RESOLVED', 'REOPENED', 'CLOSED', 'PRIORITY_CHANGED', 'ESCALATED', 'COMMENTED', name='eventkind', native_enum=False, length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.Enum('PUBLIC', 'INTERNAL', name='visibility', native_enum=False, length=16), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_ticket_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_event_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_event'))
    )
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_event_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_event_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_event_actor_id'))

    op.drop_table('ticket_event')
    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_comment_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_comment_author_id'))

    op.drop_table('ticket_comment')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_updated_at_id')
        batch_op.drop_index(batch_op.f('ix_ticket_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_sub_service_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_state'))
        batch_op.drop_index(batch_op.f('ix_ticket_service_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_priority'))
        batch_op.drop_index(batch_op.f('ix_ticket_opened_by_id'))
        batch_op.drop_index('ix_ticket_created_at_id')
        batch_op.drop_index(batch_op.f('ix_ticket_brick_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_assignee_id'))

    op.drop_table('ticket')
    op.drop_table('ticket_counter')
