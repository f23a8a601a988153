"""Social-network monitoring: what each municipality watches, and the posts read, scored

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:48:03

`socialmonitor` keeps a municipality's watched walls and matching settings from its setup file;
`socialpost` every post and comment read, with its score, reasons and status, deduplicated by
(municipality, wall, post, comment) where comment 0 is the post itself.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "socialmonitor",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "municipality_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("backfill_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_socialmonitor_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_socialmonitor")),
        sa.UniqueConstraint("municipality_id", name=op.f("uq_socialmonitor_municipality_id")),
    )
    op.create_table(
        "socialpost",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "municipality_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("comment_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("posted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("candidate", "accepted", "dismissed", "ignored", name="socialstatus"),
            nullable=False,
        ),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_socialpost_item_id_item")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_socialpost_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_socialpost")),
        sa.UniqueConstraint(
            "municipality_id",
            "owner_id",
            "post_id",
            "comment_id",
            name=op.f("uq_socialpost_municipality_id"),
        ),
    )
    op.create_index(op.f("ix_socialpost_status"), "socialpost", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_socialpost_status"), table_name="socialpost")
    op.drop_table("socialpost")
    op.drop_table("socialmonitor")
    sa.Enum(name="socialstatus").drop(op.get_bind(), checkfirst=True)
