"""Each tenant's language: what groupdesk writes into a school's desk is in it (French by default).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The schools are French: existing tenants read French, as new ones do unless the file says.
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=False, server_default="fr"))


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("language")
