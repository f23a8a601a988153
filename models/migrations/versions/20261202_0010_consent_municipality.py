"""Consent names the municipality it was given to

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:10:00

Under 152-ФЗ consent is given to an operator: each municipality's administration is one. A bot
shared by several municipalities asks again when the citizen writes to another one. Consents
given before this have none (they were given where the bot served one municipality).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent") as batch:
        batch.add_column(
            sa.Column(
                "municipality_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.create_foreign_key(
            op.f("fk_consent_municipality_id_municipality"),
            "municipality",
            ["municipality_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("consent") as batch:
        batch.drop_constraint(op.f("fk_consent_municipality_id_municipality"), type_="foreignkey")
        batch.drop_column("municipality_id")
