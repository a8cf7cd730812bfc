"""Service levels: targets per sub-service and priority, the business calendar, the ticket's clock
columns, and one escalation row per (ticket, target, level).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 19:00:48
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tickets opened before service levels have no running clock: they sort last by due time.
NO_DUE_TIME = {"postgresql": "9999-12-31 00:00:00+00", "sqlite": "9999-12-31 00:00:00.000000"}


def TICKET_COLUMNS() -> list[sa.Column]:  # noqa: N802 (a constant, made fresh for each use)
    when = server.db.UTCDateTime(timezone=True)
    return [
        sa.Column('take_target_seconds', sa.Integer(), nullable=True),
        sa.Column('resolve_target_seconds', sa.Integer(), nullable=True),
        sa.Column('sla_elapsed_seconds', sa.Float(), server_default='0', nullable=False),
        sa.Column('sla_running_since', when, nullable=True),
        sa.Column('taken_at', when, nullable=True),
        sa.Column('take_business_seconds', sa.Integer(), nullable=True),
        sa.Column('resolve_business_seconds', sa.Integer(), nullable=True),
        sa.Column('take_due_at', when, nullable=True),
        sa.Column('resolve_due_at', when, nullable=True),
        sa.Column('sla_state', sa.Enum('OK', 'WARNING', 'BREACHED', name='slastate',
                                       native_enum=False, length=16),
                  server_default='OK', nullable=False),
        sa.Column('sla_check_at', when, nullable=True),
        sa.Column('sla_due_key', when, nullable=False,
                  server_default=NO_DUE_TIME[op.get_bind().dialect.name]),
    ]


def upgrade() -> None:
    op.create_table('sla_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('opening_hours', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('closures', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendar'))
    )
    op.create_table('sla_school_calendar',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('alsace_moselle', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_sla_school_calendar_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_sla_school_calendar'))
    )
    op.create_table('sla_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sub_service_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Enum('LOW', 'NORMAL', 'HIGH', 'CRITICAL', name='priority', native_enum=False, length=16), nullable=False),
    sa.Column('take_seconds', sa.Integer(), nullable=True),
    sa.Column('resolve_seconds', sa.Integer(), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sub_service_id'], ['sub_service.id'], name=op.f('fk_sla_target_sub_service_id_sub_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_target')),
    sa.UniqueConstraint('sub_service_id', 'priority', name=op.f('uq_sla_target_sub_service_id_priority'))
    )
    op.create_table('ticket_escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Enum('TAKE', 'RESOLVE', name='slatarget', native_enum=False, length=16), nullable=False),
    sa.Column('level', sa.Enum('WARNING', 'BREACHED', name='slalevel', native_enum=False, length=16), nullable=False),
    sa.Column('elapsed_business_seconds', sa.Float(), nullable=False),
    sa.Column('due_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_escalation_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_escalation')),
    sa.UniqueConstraint('ticket_id', 'target', 'level', name=op.f('uq_ticket_escalation_ticket_id_target_level'))
    )
    with op.batch_alter_table('ticket_escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_escalation_ticket_id'), ['ticket_id'], unique=False)

    # Plain ALTER TABLE, never a batch rebuild: `ticket` has a computed column and is referred to
    # by most tables (see 0006).
    for column in TICKET_COLUMNS():
        op.add_column('ticket', column)
    op.create_index(op.f('ix_ticket_sla_check_at'), 'ticket', ['sla_check_at'], unique=False)
    op.create_index('ix_ticket_sla_due_key_id', 'ticket', ['sla_due_key', 'id'], unique=False)
    op.create_index('ix_ticket_sla_state_id', 'ticket', ['sla_state', 'id'], unique=False)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index('ix_ticket_sla_state_id', table_name='ticket')
    op.drop_index('ix_ticket_sla_due_key_id', table_name='ticket')
    op.drop_index(op.f('ix_ticket_sla_check_at'), table_name='ticket')
    for column in reversed(TICKET_COLUMNS()):
        if postgres:
            op.drop_column('ticket', column.name)
        else:
            op.execute(sa.text(f"ALTER TABLE ticket DROP COLUMN {column.name}"))

    with op.batch_alter_table('ticket_escalation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_escalation_ticket_id'))

    op.drop_table('ticket_escalation')
    op.drop_table('sla_target')
    op.drop_table('sla_school_calendar')
    op.drop_table('sla_calendar')
