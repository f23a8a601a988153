"""item.intake_key: the chat draft an item was registered from

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 20:10:00

A report confirmed twice (a double tap, a redelivered update, a worker that died after
committing) must make one item: the conversation keys the registration by its draft, and a
unique index makes the second insert fail instead of writing a copy.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake_key", sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint("uq_item_intake_key", ["intake_key"])


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_constraint("uq_item_intake_key", type_="unique")
        batch_op.drop_column("intake_key")
