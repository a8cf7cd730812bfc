"""SCIM provisioning: user groups and their members, SCIM attributes of users, provisioned designations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 05:03:44.801570
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import server.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=256), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_user_group_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_group'))
    )
    with op.batch_alter_table('user_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_group_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_group_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('user_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['user_group.id'], name=op.f('fk_user_group_member_group_id_user_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_group_member_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_user_group_member'))
    )
    with op.batch_alter_table('user_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_group_member_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('expert_designation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provisioned', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('given_name', sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column('family_name', sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column('scim_emails', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('scim_unassigned', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('department', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('employee_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scim_managed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('scim_deleted_at', server.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_manager_id'), ['manager_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_account_manager_id_user_account'), 'user_account', ['manager_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_manager_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_manager_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_external_id'))
        batch_op.drop_column('scim_deleted_at')
        batch_op.drop_column('scim_managed')
        batch_op.drop_column('manager_id')
        batch_op.drop_column('employee_number')
        batch_op.drop_column('department')
        batch_op.drop_column('scim_unassigned')
        batch_op.drop_column('scim_emails')
        batch_op.drop_column('family_name')
        batch_op.drop_column('given_name')
        batch_op.drop_column('external_id')

    with op.batch_alter_table('expert_designation', schema=None) as batch_op:
        batch_op.drop_column('provisioned')

    with op.batch_alter_table('user_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_group_member_user_id'))

    op.drop_table('user_group_member')
    with op.batch_alter_table('user_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_group_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_user_group_external_id'))

    op.drop_table('user_group')