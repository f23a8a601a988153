"""Routing models kept: a `routingmodel` row per trained version and its file under
MCU_ROUTING_DIR; the model a municipality routes with (its own active one, else the active
starter), loaded once per process per checksum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import RoutingModel
from models.settings import get_settings
from workflows.routing.model import ModelUnavailable, TextModel

STARTER = "starter"
OWN = "own"

_models: dict[str, TextModel] = {}  # sha256 -> the loaded model
_refusals: dict[tuple[str, int, int], str] = {}  # (sha256, size, mtime) -> why it cannot load


def model_root() -> Path:
    return get_settings().routing_dir


def forget_loaded() -> None:
    """Drop what this process has loaded (tests that alter a file behind a known checksum)."""
    _models.clear()
    _refusals.clear()


def _owner(municipality_id: int | None) -> Any:
    column = col(RoutingModel.municipality_id)
    return column.is_(None) if municipality_id is None else column == municipality_id


async def get_active_row(
    session: AsyncSession, *, municipality_id: int | None
) -> RoutingModel | None:
    """The active version of one owner (a municipality, or None for the starter)."""
    rows = await session.exec(
        select(RoutingModel)
        .where(_owner(municipality_id), col(RoutingModel.active))
        .order_by(col(RoutingModel.version).desc())
    )
    return rows.first()


async def get_routing_row(session: AsyncSession, *, municipality_id: int) -> RoutingModel | None:
    """What a municipality routes with: its own active model, else the active starter."""
    own = await get_active_row(session, municipality_id=municipality_id)
    return own or await get_active_row(session, municipality_id=None)


async def get_versions(session: AsyncSession, *, municipality_id: int | None) -> list[RoutingModel]:
    rows = await session.exec(
        select(RoutingModel).where(_owner(municipality_id)).order_by(col(RoutingModel.version))
    )
    return list(rows)


def load_model(row: RoutingModel, root: Path | None = None) -> TextModel:
    """The row's model, read and checked once per process per checksum; a file that cannot be
    used raises ModelUnavailable (remembered until the file changes, so it is not re-read)."""
    cached = _models.get(row.sha256)
    if cached is not None:
        return cached
    path = (root or model_root()) / row.file
    try:
        stat = path.stat()
        key = (row.sha256, stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = (row.sha256, -1, -1)
    if key in _refusals:
        raise ModelUnavailable(_refusals[key])
    try:
        model = TextModel.load(path, row.sha256)
    except ModelUnavailable as e:
        _refusals[key] = str(e)
        raise
    _models[row.sha256] = model
    return model


@dataclass(frozen=True)
class NewVersion:
    model: TextModel
    source: str  # STARTER or OWN
    trained_on: int
    metrics: dict[str, Any]
    active: bool
    note: str | None = None


async def do_save_version(
    session: AsyncSession,
    *,
    municipality_id: int | None,
    owner_code: str,
    new: NewVersion,
    now: datetime,
    root: Path | None = None,
) -> RoutingModel:
    """Write the file and its row (the next version of this owner); an active one replaces the
    owner's active version. Inside the caller's transaction: a failed commit leaves a stray
    file, never a row without its file."""
    last = (
        await session.exec(select(func.max(RoutingModel.version)).where(_owner(municipality_id)))
    ).one()
    version = (last or 0) + 1
    file = f"{owner_code}/v{version}.model"
    path = (root or model_root()) / file
    sha = new.model.save(path)
    if new.active:
        await session.execute(
            update(RoutingModel).where(_owner(municipality_id)).values(active=False)
        )
    row = RoutingModel(
        municipality_id=municipality_id,
        version=version,
        created_at=now,
        source=new.source,
        file=file,
        sha256=sha,
        size_bytes=path.stat().st_size,
        labels=new.model.labels,
        trained_on=new.trained_on,
        metrics=new.metrics,
        active=new.active,
        note=new.note,
    )
    session.add(row)
    await session.flush()
    return row
