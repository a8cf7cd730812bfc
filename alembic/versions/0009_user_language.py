"""Each person's language: what groupdesk tells them (mails, API messages) is in it, else their school's.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: the person follows their school's language (tenants.i18n.language_of).
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("language")
