"""People and their access: the audit trail, API tokens on comments and events, approvers and cost.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 19:10:00
"""
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import server.db

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _restore_comment_search_triggers() -> None:
    """A batch rebuild of ticket_comment on SQLite drops its full-text triggers: create them again,
    exactly as 0006 wrote them."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    spec = importlib.util.spec_from_file_location(
        'ticket_search_0006', Path(__file__).with_name('0006_ticket_search.py'))
    assert spec is not None and spec.loader is not None
    search = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search)
    for statement in search.SQLITE_TRIGGERS:
        if ' ON ticket_comment ' in statement:
            name = statement.split()[2]
            op.execute(sa.text(f'DROP TRIGGER IF EXISTS {name}'))
            op.execute(sa.text(statement))


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('credential', sa.String(length=16), nullable=False),
    sa.Column('api_token_id', sa.Integer(), nullable=True),
    sa.Column('target_kind', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('changes', JSON, nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['api_token_id'], ['api_token.id'], name=op.f('fk_audit_event_api_token_id_api_token')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_audit_event_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    op.create_index(op.f('ix_audit_event_action'), 'audit_event', ['action'], unique=False)
    op.create_index(op.f('ix_audit_event_actor_id'), 'audit_event', ['actor_id'], unique=False)
    op.create_index('ix_audit_event_created_at_id', 'audit_event', ['created_at', 'id'], unique=False)
    op.create_index('ix_audit_event_tenant_id_created_at', 'audit_event', ['tenant_id', 'created_at'],
                    unique=False)
    op.create_table('ticket_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('APPROVED', 'REJECTED', name='approvaldecision', native_enum=False,
                                  length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('api_token_id', sa.Integer(), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_token_id'], ['api_token.id'], name=op.f('fk_ticket_approval_api_token_id_api_token')),
    sa.ForeignKeyConstraint(['approver_id'], ['user_account.id'], name=op.f('fk_ticket_approval_approver_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_approval_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_approval'))
    )
    op.create_index(op.f('ix_ticket_approval_ticket_id'), 'ticket_approval', ['ticket_id'], unique=False)
    for table in ('ticket_comment', 'ticket_event'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('api_token_id', sa.Integer(), nullable=True))
            batch.create_foreign_key(op.f(f'fk_{table}_api_token_id_api_token'), 'api_token',
                                     ['api_token_id'], ['id'])
    _restore_comment_search_triggers()
    # Not in batch mode: rebuilding `ticket` on SQLite would copy into its generated priority_rank.
    op.add_column('ticket', sa.Column('approval', JSON, nullable=True))
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('roles_administered', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    with op.batch_alter_table('sub_service') as batch:
        batch.add_column(sa.Column('approvers', JSON, nullable=True))
        batch.add_column(sa.Column('cost_field', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('second_approval_above', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sub_service') as batch:
        batch.drop_column('second_approval_above')
        batch.drop_column('cost_field')
        batch.drop_column('approvers')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('roles_administered')
    op.drop_column('ticket', 'approval')  # SQLite >= 3.35 drops a plain column in place
    for table in ('ticket_event', 'ticket_comment'):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'fk_{table}_api_token_id_api_token'), type_='foreignkey')
            batch.drop_column('api_token_id')
    _restore_comment_search_triggers()
    op.drop_index(op.f('ix_ticket_approval_ticket_id'), table_name='ticket_approval')
    op.drop_table('ticket_approval')
    op.drop_index('ix_audit_event_tenant_id_created_at', table_name='audit_event')
    op.drop_index('ix_audit_event_created_at_id', table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_actor_id'), table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_action'), table_name='audit_event')
    op.drop_table('audit_event')
