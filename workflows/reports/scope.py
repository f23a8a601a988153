"""What every report shares: its scope (municipalities, a sector, a cut by channel and kind), the
conditions on an item (in the period, open, overdue, late), the transaction's tuning, display
names, clipped texts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, literal, select, text
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, ItemKind, Municipality
from workflows.calendar.periods import Period
from workflows.core.errors import Invalid
from workflows.items.transitions import CHANNEL_RU, KIND_RU, OPEN

T = Item.__table__.c  # type: ignore[attr-defined]
OPEN_STATUSES = sorted(s.value for s in OPEN)  # the order of OPEN_SQL
MAX_CUT_VALUES = 16  # values of one cut: more than the enums hold is a mistake, not a report
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Scope:
    """Which items a report covers: some municipalities (None: all), maybe one sector, and maybe
    a cut by channel and by kind (None: every one; a tuple: any of these)."""

    municipality_ids: tuple[int, ...] | None
    sector_id: int | None = None
    channels: tuple[Channel, ...] | None = None
    kinds: tuple[ItemKind, ...] | None = None

    def where(self) -> list[ColumnElement[bool]]:
        """The scope as conditions; an uncut scope adds none, so its plans stay as they were."""
        conds: list[ColumnElement[bool]] = []
        if self.municipality_ids is not None:
            conds.append(T.municipality_id.in_(self.municipality_ids))
        if self.sector_id is not None:
            conds.append(T.sector_id == self.sector_id)
        if self.channels is not None:
            conds.append(T.channel.in_(self.channels))
        if self.kinds is not None:
            conds.append(T.kind.in_(self.kinds))
        return conds

    @property
    def cut(self) -> str:
        """The cut in Russian for files and pages: «канал: ПОС; вид: инцидент», or «все»."""
        parts = []
        if self.channels is not None:
            parts.append("канал: " + ", ".join(CHANNEL_RU[c] for c in self.channels))
        if self.kinds is not None:
            parts.append("вид: " + ", ".join(KIND_RU[k] for k in self.kinds))
        return "; ".join(parts) or "все"


def _allowed(enum: type[E], names: dict[E, str]) -> str:
    return ", ".join(f"{v.value} ({names[v]})" for v in enum)


def _parse_values(raw: Iterable[str] | None, enum: type[E], what: str) -> tuple[E, ...] | None:
    """Repeated parameters and comma lists alike (`kind=incident&kind=message`, `kind=a,b`);
    nothing given is no cut. Unknown values are refused with the allowed ones listed."""
    if raw is None:
        return None
    words = [w.strip() for value in raw for w in value.split(",") if w.strip()]
    if not words:
        return None
    names: dict[Any, str] = CHANNEL_RU if enum is Channel else KIND_RU
    if len(words) > MAX_CUT_VALUES:
        raise Invalid(
            f"{what}: не больше {MAX_CUT_VALUES} значений; допустимые: {_allowed(enum, names)}"
        )
    known = {v.value: v for v in enum}
    unknown = [w for w in words if w not in known]
    if unknown:
        shown = ", ".join(f"«{w[:20]}»" for w in unknown[:3])
        raise Invalid(f"{what} {shown} не поддерживается; допустимые: {_allowed(enum, names)}")
    return tuple(dict.fromkeys(known[w] for w in words))  # in the order given, once each


def parse_cut(
    *, channel: Iterable[str] | None, kind: Iterable[str] | None
) -> tuple[tuple[Channel, ...] | None, tuple[ItemKind, ...] | None]:
    """The report's cut from what a caller typed: (channels, kinds), each None for "every"."""
    return _parse_values(channel, Channel, "канал"), _parse_values(kind, ItemKind, "вид")


def in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def is_open() -> ColumnElement[bool]:
    """Open now, spelled with inline values as in the partial index `ix_item_open` (OPEN_SQL),
    so that the planner can prove the index covers the query."""
    return T.status.in_([literal(s, literal_execute=True) for s in OPEN_STATUSES])  # type: ignore[no-any-return]


def is_overdue(now: datetime) -> ColumnElement[bool]:
    return and_(is_open(), T.due_at < now)


def is_late() -> ColumnElement[bool]:
    return and_(T.due_at.is_not(None), T.answered_at > T.due_at)


def to_hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def share_of(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


TUNE_SQL = (
    "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
)


async def tune(session: AsyncSession) -> None:
    """Postgres settings for the report queries, for this transaction only: no JIT (compiling
    costs more than these queries run), room to sort a year's durations in memory, and plans
    made for the actual period (a cached generic plan would scan every row for a week)."""
    if is_pg(session):
        await session.execute(text(TUNE_SQL))


async def resolve(session: AsyncSession, scope: Scope) -> Scope:
    """A scope of all municipalities spelled out as their ids, so that every report query can
    use the per-municipality indexes (a region has dozens: a short list)."""
    if scope.municipality_ids is not None:
        return scope
    ids = (await session.execute(select(Municipality.id))).scalars().all()  # type: ignore[call-overload]
    return replace(scope, municipality_ids=tuple(sorted(ids)))


async def get_names(session: AsyncSession, table: Any, ids: set[Any]) -> dict[int, str]:
    """Display names of a few ids in a small table (sectors, localities, staff)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = (await session.execute(select(table.id, table.name).where(col(table.id).in_(ids)))).all()
    return {r[0]: r[1] for r in rows}


def clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters, whitespace collapsed, an ellipsis if cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
