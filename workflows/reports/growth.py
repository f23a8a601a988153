"""Points of growth: sectors (topics) and localities (places) with significantly more items this
week than their recent normal, by a Poisson test against the eight weeks before."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Locality, Sector
from workflows.calendar.periods import Period
from workflows.reports.causes import MAX_TEXTS, Group, GrowthProblem, WeekSpace
from workflows.reports.scope import Scope, T, clip, get_names, in_period, resolve, tune

BASELINE_WEEKS = 8  # growth compares a week with the mean of the eight before it
GROWTH_P = 0.01  # …and calls it growth if so many or more would happen by chance under 1 %
GROWTH_MIN = 3  # …and at least this many items, and at least GROWTH_RATIO × the baseline
GROWTH_RATIO = 1.5
BASELINE_FLOOR = 0.5  # a place with no history is treated as if half an item a week were normal


@dataclass
class GrowthPoint:
    """A sector or locality with significantly more items this week than its recent normal."""

    dimension: str  # "sector" or "locality"
    key: int | None
    name: str
    count: int
    baseline: float  # mean per week over the BASELINE_WEEKS before
    ratio: float
    p_value: float
    examples: list[dict[str, str]] = field(default_factory=list)  # number, text (≤ 160 chars)
    problems: list[GrowthProblem] = field(default_factory=list)  # what it is about, largest first


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam): how surprising k items are if lam a week is normal."""
    if k <= 0:
        return 1.0
    term = math.exp(-lam)
    below = term
    for i in range(1, k):
        term *= lam / i
        below += term
    return max(0.0, 1.0 - below)


async def get_growth(
    session: AsyncSession, *, scope: Scope, week: Period, examples: int = 3, causes: bool = True
) -> list[GrowthPoint]:
    """Points of growth in a week: count ≥ GROWTH_MIN, ≥ GROWTH_RATIO × baseline, and
    P(Poisson(baseline) ≥ count) < GROWTH_P, the baseline being the mean of the eight weeks
    before (floored at BASELINE_FLOOR). Sectors stand for topics; localities for places. With
    `causes`, each point's items are grouped into the problems they are about."""
    await tune(session)
    scope = await resolve(session, scope)
    bounds = [
        _midnight(week.first - timedelta(days=7 * i), week) for i in range(BASELINE_WEEKS, -1, -1)
    ]
    bounds.append(week.end)
    bucket = case(*[(T.registered_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)
    this = len(bounds) - 2  # index of the week itself
    rows = (
        await session.execute(
            select(T.sector_id, T.locality_id, bucket, func.count())
            .where(*scope.where(), T.registered_at >= bounds[0], T.registered_at < bounds[-1])
            .group_by(T.sector_id, T.locality_id, bucket)
        )
    ).all()  # one pass for both dimensions: sectors × places × weeks is a small result
    points: list[GrowthPoint] = []
    for dimension, pos, table in (("sector", 0, Sector), ("locality", 1, Locality)):
        counts: dict[Any, list[int]] = {}
        for r in rows:
            counts.setdefault(r[pos], [0] * (this + 1))[r[2]] += r[3]
        names = await get_names(session, table, set(counts))
        for key, weeks in counts.items():
            if key is None:
                continue
            count = weeks[this]
            baseline = sum(weeks[:this]) / BASELINE_WEEKS
            lam = max(baseline, BASELINE_FLOOR)
            p = poisson_tail(count, lam)
            if count >= GROWTH_MIN and count >= GROWTH_RATIO * lam and p < GROWTH_P:
                points.append(
                    GrowthPoint(
                        dimension,
                        key,
                        names.get(key, f"#{key}"),
                        count,
                        round(baseline, 2),
                        round(count / lam, 2),
                        p,
                    )
                )
    points.sort(key=lambda g: (g.p_value, -g.count))
    for g in points:
        column = T.sector_id if g.dimension == "sector" else T.locality_id
        rows = (
            await session.execute(
                select(T.number, T.text)
                .where(*scope.where(), column == g.key, in_period(T.registered_at, week))
                .order_by(T.registered_at.desc())
                .limit(examples)
            )
        ).all()
        g.examples = [{"number": n, "text": clip(t, 160)} for n, t in rows]
    if causes and points:
        await _add_problems(session, scope=scope, week=week, points=points)
    return points


async def _add_problems(
    session: AsyncSession, *, scope: Scope, week: Period, points: list[GrowthPoint]
) -> None:
    """Group each point's items of the week into problems, against all the week's texts (a
    busier week than MAX_TEXTS is sampled evenly, and the counts scaled back)."""
    rows = (
        await session.execute(
            select(T.number, T.text, T.sector_id, T.locality_id)
            .where(*scope.where(), in_period(T.registered_at, week))
            .order_by(T.id)
        )
    ).all()
    step = max(1, math.ceil(len(rows) / MAX_TEXTS))
    sample = rows[::step]
    texts = [r.text or "" for r in sample]
    digest, space = await _week_space(texts)
    for g in points:
        pos = 2 if g.dimension == "sector" else 3
        members = [i for i, r in enumerate(sample) if r[pos] == g.key]
        groups = await _groups(digest, space, members)
        scale = g.count / len(members) if members else 1.0
        g.problems = [
            GrowthProblem(
                p.label,
                round(len(p.members) * scale),
                [
                    {"number": sample[i].number, "text": clip(sample[i].text, 160)}
                    for i in p.central
                ],
                p.other,
            )
            for p in groups
        ]


# The week's grouping is the same for every request until one of its texts changes (a new item,
# an erasure masking one): the dashboard, the API and the note read it from here, keyed by a
# digest of the texts themselves, so a changed week can never be served stale.
SPACES_KEPT = 16
_spaces: OrderedDict[str, WeekSpace] = OrderedDict()
_grouped: dict[tuple[str, tuple[int, ...]], list[Group]] = {}


def texts_digest(texts: list[str]) -> str:
    """What a week's grouping depends on: its texts, in order."""
    h = hashlib.sha256()
    for text in texts:
        h.update(text.encode())
        h.update(b"\x00")
    return h.hexdigest()


async def _week_space(texts: list[str]) -> tuple[str, WeekSpace]:
    key = texts_digest(texts)
    space = _spaces.get(key)
    if space is None:
        space = await asyncio.to_thread(WeekSpace, texts)
        _spaces[key] = space
        while len(_spaces) > SPACES_KEPT:
            old, _ = _spaces.popitem(last=False)
            for k in [k for k in _grouped if k[0] == old]:
                del _grouped[k]
    else:
        _spaces.move_to_end(key)
    return key, space


async def _groups(digest: str, space: WeekSpace, members: list[int]) -> list[Group]:
    key = (digest, tuple(members))
    found = _grouped.get(key)
    if found is None:
        found = await asyncio.to_thread(space.groups, members)
        if digest in _spaces:  # not for a space dropped meanwhile: nothing would drop this
            _grouped[key] = found
    return found


def forget_week_spaces() -> None:
    """Drop the kept groupings (a test that counts the work done)."""
    _spaces.clear()
    _grouped.clear()


def _midnight(day: date, week: Period) -> datetime:
    return datetime.combine(day, time(0), week.tz).astimezone(UTC)
