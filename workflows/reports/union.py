"""Several aggregates in one statement: branches of one row shape joined by UNION ALL, which
Postgres runs side by side in parallel workers; percentiles on Postgres and, with window
functions, on SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.reports.scope import T, is_late, is_pg

NUMS = 7  # numeric slots of a branch row


@dataclass
class Branch:
    """One aggregate of a report, a row shape shared by all branches of one UNION ALL."""

    tag: str
    where: list[ColumnElement[bool]]
    nums: list[Any] = field(default_factory=list)
    key: Any = None
    groups: tuple[Any, ...] = ()  # up to two text group columns (channel, kind)
    mean: Any = None
    pcts: Any = None  # Postgres only: percentile_cont(array) WITHIN GROUP

    def select(self, pg: bool) -> Select[Any]:
        cols: list[Any] = [
            literal(self.tag).label("tag"),
            (self.key if self.key is not None else cast(null(), BigInteger)).label("k"),
        ]
        groups = [cast(g, String) for g in self.groups]
        groups += [cast(null(), String)] * (2 - len(groups))
        cols += [g.label(f"g{i}") for i, g in enumerate(groups)]
        nums = list(self.nums) + [cast(null(), BigInteger)] * (NUMS - len(self.nums))
        cols += [n.label(f"n{i}") for i, n in enumerate(nums)]
        mean = self.mean if self.mean is not None else null()
        cols.append(cast(mean, Float).label("mean"))
        if pg:
            pcts = self.pcts if self.pcts is not None else null()
            cols.append(cast(pcts, ARRAY(Float)).label("p"))
        group_by = [x for x in (self.key, *self.groups) if x is not None]
        return select(*cols).where(*self.where).group_by(*group_by)


async def run_branches(session: AsyncSession, branches: list[Branch]) -> dict[str, list[Any]]:
    """All branches in one statement: on Postgres a UNION ALL runs its branches side by side
    in parallel workers (Parallel Append), each on its own index. Rows by tag."""
    pg = is_pg(session)
    q = union_all(*(b.select(pg) for b in branches))
    out: dict[str, list[Any]] = {b.tag: [] for b in branches}
    for row in (await session.execute(q)).all():
        out[row.tag].append(row)
    return out


def percentiles(value: Any, fractions: Sequence[float]) -> Any:
    """Postgres: continuous percentiles of a column, several in one sort."""
    return func.percentile_cont(literal(list(fractions), ARRAY(Float))).within_group(value)


async def generic_percentiles(
    session: AsyncSession,
    *,
    keys: Sequence[Any],
    value: Any,
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> dict[tuple[Any, ...], list[float | None]]:
    """Other databases (SQLite): the same interpolated percentiles with window functions."""
    rn = func.row_number().over(partition_by=list(keys) or None, order_by=value)
    n = func.count().over(partition_by=list(keys) or None)
    inner = (
        select(*keys, value.label("v"), rn.label("rn"), n.label("n"))
        .where(*where, value.is_not(None))
        .subquery()
    )
    out_keys = [inner.c[k.name] for k in keys]
    cols = []
    for f in fractions:
        # Rank 1 + f·(n−1), split into whole and fraction: interpolate between two neighbours.
        pos = (inner.c.n - 1) * literal(f, Float)
        whole = func.cast(pos, Integer)
        cols.append(func.max(case((inner.c.rn == whole + 1, inner.c.v))))
        cols.append(func.max(case((inner.c.rn == whole + 2, inner.c.v))))
        cols.append(func.max(pos - whole))
    rows = await session.execute(select(*out_keys, *cols).group_by(*out_keys))
    result: dict[tuple[Any, ...], list[float | None]] = {}
    for row in rows:
        key = tuple(row[: len(keys)])
        vals: list[float | None] = []
        for i in range(len(fractions)):
            lo_v, hi_v, fr = row[len(keys) + 3 * i : len(keys) + 3 * i + 3]
            if lo_v is None:
                vals.append(None)
            else:
                vals.append(
                    float(lo_v)
                    + float(fr or 0) * (float(hi_v if hi_v is not None else lo_v) - float(lo_v))
                )
        result[key] = vals
    return result


def answered_counts() -> list[Any]:
    """Over items answered in the period: answered, late, with a deadline, feedback, solved."""
    return [
        func.count(),
        func.count().filter(is_late()),
        func.count().filter(T.due_at.is_not(None)),
        func.count().filter(T.solved.is_not(None)),
        func.count().filter(T.solved.is_(True)),
        func.count(T.rating),
        func.count().filter(T.reopens > 0),
    ]


def backlog_counts(now: datetime) -> list[Any]:
    """Over the open backlog: open now, overdue now."""
    return [func.count(), func.count().filter(T.due_at < now)]
