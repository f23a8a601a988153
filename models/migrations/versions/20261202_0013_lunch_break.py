"""Lunch break: the municipality's daily break, not counted in working hours

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:44:34

`municipality` learns `lunch_start`/`lunch_end` ("13:00"/"14:00"), both empty when there is
no break (every existing municipality: working hours are counted as before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        for name in ("lunch_start", "lunch_end"):
            batch_op.add_column(
                sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True)
            )


def downgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("lunch_end")
        batch_op.drop_column("lunch_start")
