"""Where the problem is: the citizen's answer to «Где это?»

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 10:00:00

- `item.place_kind`: a `PlaceKind` value (house, flat, yard, street, park, other), asked when the
  citizen chose no topic; the learned router reads it beside the text. NULL: not asked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.add_column(
            sa.Column("place_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.drop_column("place_kind")
