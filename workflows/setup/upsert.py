"""Upserts by code, and the report of what a setup changed."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T", bound=SQLModel)
Ids = dict[str, int | None]  # setup codes to row ids


@dataclass
class ApplyReport:
    municipality_id: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{k}: {v}" for k, v in sorted(self.counts.items()) if v]
        return ", ".join(parts) or "ничего не изменилось"


async def upsert(
    session: AsyncSession,
    report: ApplyReport,
    model: type[T],
    where: dict[str, Any],
    values: dict[str, Any],
    label: str,
) -> T:
    """The row `where` names, created or brought to `values`; counted in the report."""
    stmt = select(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    row = (await session.exec(stmt)).first()
    if row is None:
        row = model(**where, **values)
        session.add(row)
        report.counts[f"{label} создано"] += 1
    else:
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for k, v in changed.items():
            setattr(row, k, v)
        report.counts[f"{label} обновлено" if changed else f"{label} без изменений"] += 1
    await session.flush()
    return row
