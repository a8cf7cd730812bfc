"""Tenants, users, the catalogue and expert designations.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 04:37:36.175125
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import server.db

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('brick',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brick')),
    sa.UniqueConstraint('code', name=op.f('uq_brick_code'))
    )
    op.create_table('tenant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('SCHOOL', 'GROUP', 'OPERATIONS', name='tenantkind', native_enum=False, length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenant_slug'))
    )
    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brick_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['brick_id'], ['brick.id'], name=op.f('fk_service_brick_id_brick')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service')),
    sa.UniqueConstraint('brick_id', 'name', name=op.f('uq_service_brick_id_name'))
    )
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_brick_id'), ['brick_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_user_account_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_user_account_issuer_subject')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('sub_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('form', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('default_priority', sa.Enum('LOW', 'NORMAL', 'HIGH', 'CRITICAL', name='priority', native_enum=False, length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_sub_service_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sub_service')),
    sa.UniqueConstraint('service_id', 'name', name=op.f('uq_sub_service_service_id_name'))
    )
    with op.batch_alter_table('sub_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sub_service_service_id'), ['service_id'], unique=False)

    op.create_table('expert_designation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('brick_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('sub_service_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['brick_id'], ['brick.id'], name=op.f('fk_expert_designation_brick_id_brick')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_expert_designation_service_id_service')),
    sa.ForeignKeyConstraint(['sub_service_id'], ['sub_service.id'], name=op.f('fk_expert_designation_sub_service_id_sub_service')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_expert_designation_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_designation')),
    sa.UniqueConstraint('user_id', 'scope', name=op.f('uq_expert_designation_user_id_scope'))
    )
    with op.batch_alter_table('expert_designation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_designation_brick_id'), ['brick_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_designation_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_designation_sub_service_id'), ['sub_service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_designation_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('expert_designation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_designation_user_id'))
        batch_op.drop_index(batch_op.f('ix_expert_designation_sub_service_id'))
        batch_op.drop_index(batch_op.f('ix_expert_designation_service_id'))
        batch_op.drop_index(batch_op.f('ix_expert_designation_brick_id'))

    op.drop_table('expert_designation')
    with op.batch_alter_table('sub_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sub_service_service_id'))

    op.drop_table('sub_service')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_email'))

    op.drop_table('user_account')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_brick_id'))

    op.drop_table('service')
    op.drop_table('tenant')
    op.drop_table('brick')
