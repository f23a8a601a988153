"""VK and many bots: longer attachment ids, stream cursors, the bots a setup names

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 23:00:00

A VK citizen's photo is kept as the URL VK gave for it (longer than Telegram's file ids).
`channelcursor` keeps where a stream was read to (a VK long poll's `ts`) across restarts.
`channelbot` lists the bots each municipality's setup names (secrets by reference only).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachment") as batch:
        batch.alter_column(
            "file_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=256),
            type_=sqlmodel.sql.sqltypes.AutoString(length=2048),
            existing_nullable=False,
        )
    op.create_table(
        "channelcursor",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_channelcursor")),
    )
    op.create_table(
        "channelbot",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "municipality_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "telegram",
                "vk",
                "api",
                "paper",
                "pos",
                "cli",
                "console",
                "system",
                name="channel",
                create_type=False,
            ),
            nullable=False,
        ),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channelbot_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channelbot")),
        sa.UniqueConstraint(
            "municipality_id", "channel", name=op.f("uq_channelbot_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_channelbot_municipality_id"), "channelbot", ["municipality_id"], unique=False
    )
    op.create_index(op.f("ix_channelbot_key"), "channelbot", ["key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_channelbot_key"), table_name="channelbot")
    op.drop_index(op.f("ix_channelbot_municipality_id"), table_name="channelbot")
    op.drop_table("channelbot")
    op.drop_table("channelcursor")
    with op.batch_alter_table("attachment") as batch:
        batch.alter_column(
            "file_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=2048),
            type_=sqlmodel.sql.sqltypes.AutoString(length=256),
            existing_nullable=False,
        )
