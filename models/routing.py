"""Learned routing: the trained models of each municipality, with their metrics, and which one
routes. The model itself is a file (its bytes are large and rebuilt by `mcu routing train`);
the row is the truth about it: its checksum, what it was trained on and how well it did."""

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import BigId, JsonType, UTCDateTime


class RoutingModel(SQLModel, table=True):
    """One trained version. `municipality_id` None: the starter model trained on the spb-appeals
    corpus, used by a municipality (through its setup's category → sector table) until its own
    history is large enough. At most one active version per municipality (and one starter)."""

    __table_args__ = (UniqueConstraint("municipality_id", "version"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int | None = Field(
        default=None, foreign_key="municipality.id", index=True, sa_type=BigId
    )
    version: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    # "starter" (spb categories), "own" (the municipality's sectors from its decisions)
    source: str = Field(max_length=16)
    file: str = Field(max_length=500)  # relative to MCU_ROUTING_DIR
    sha256: str = Field(max_length=64)
    size_bytes: int = 0
    labels: list[str] = Field(default_factory=list, sa_type=JsonType)  # the classes it predicts
    trained_on: int = 0  # examples
    # Held-out figures: accuracy, macro_f1, precision_at {"0.8": …}, threshold, held_out, …
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    active: bool = False
    # Why it is not active (refused as worse than the current one, …); None when it is.
    note: str | None = Field(default=None, max_length=1000)
