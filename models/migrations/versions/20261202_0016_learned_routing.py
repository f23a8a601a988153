"""Learned routing and duplicates across citizens

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:00:00

- `routingmodel`: each trained routing model (a file under MCU_ROUTING_DIR) with its checksum,
  labels, held-out metrics and whether it routes; `municipality_id` NULL is the starter model.
- `municipality.routing`: the setup's `routing:` section (threshold, category → sector table).
- `item.route_hint`: the model's suggestions at registration, for the triage card.
- `item.dup_of_id` / `dup_answer`: another citizen's open item this one looks like, and the
  citizen's answer to «Это та же проблема?».
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "routingmodel",
        sa.Column("id", BIG, nullable=False),
        sa.Column("municipality_id", BIG, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("file", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("labels", models.base.JsonType, nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("metrics", models.base.JsonType, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_routingmodel_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routingmodel")),
        sa.UniqueConstraint(
            "municipality_id", "version", name=op.f("uq_routingmodel_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_routingmodel_municipality_id"), "routingmodel", ["municipality_id"], unique=False
    )
    with op.batch_alter_table("municipality") as batch:
        batch.add_column(
            sa.Column("routing", models.base.JsonType, server_default="{}", nullable=False)
        )
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("route_hint", models.base.JsonType, nullable=True))
        batch.add_column(sa.Column("dup_of_id", BIG, nullable=True))
        batch.add_column(
            sa.Column("dup_answer", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch.create_foreign_key(op.f("fk_item_dup_of_id_item"), "item", ["dup_of_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.drop_constraint(op.f("fk_item_dup_of_id_item"), type_="foreignkey")
        batch.drop_column("dup_answer")
        batch.drop_column("dup_of_id")
        batch.drop_column("route_hint")
    with op.batch_alter_table("municipality") as batch:
        batch.drop_column("routing")
    op.drop_index(op.f("ix_routingmodel_municipality_id"), table_name="routingmodel")
    op.drop_table("routingmodel")
