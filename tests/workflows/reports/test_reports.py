"""Report figures against hand counts on a seeded history, and working time through the lifecycle."""

from datetime import UTC, date, datetime, timedelta, timezone
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, ItemKind, ItemStatus, Locality, Sector
from tests.fixtures import TEST_SETUP
from tests.helpers import act, actor, register, staff
from workflows.calendar.periods import parse_period, week_period
from workflows.core.clock import FakeClock
from workflows.core.errors import Invalid
from workflows.items.transitions import Action
from workflows.reports.growth import get_growth, poisson_tail
from workflows.reports.heatmap import get_heatmap, get_weekly_counts
from workflows.reports.lists import get_decisions, get_overdue
from workflows.reports.rating import get_rating
from workflows.reports.scope import Scope
from workflows.reports.summary import get_summary
from workflows.setup.apply import check_apply_setup

MSK = timezone(timedelta(hours=3))
TZ = ZoneInfo("Europe/Moscow")
# Week 45 of 2026: Monday 2 November to Sunday 8 November; Wednesday 4 November is a holiday.
W45 = week_period(date(2026, 11, 2), TZ)
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=MSK)  # Tuesday after that week
_numbers = count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


async def seed(sm: async_sessionmaker[AsyncSession], muni: int, **kw: Any) -> None:
    """Insert one item as it would look after its history; every field the report reads is given."""
    row: dict[str, Any] = {
        "municipality_id": muni,
        "number": f"S-{next(_numbers)}",
        "kind": ItemKind.message,
        "status": ItemStatus.assigned,
        "channel": Channel.telegram,
        "text": "текст",
        "registered_at": at(1, 10, month=10),
        "version": 1,
        "extensions": 0,
        "reopens": 0,
    }
    row.update(kw)
    row["updated_at"] = row["registered_at"]
    async with sm() as s:
        await s.execute(insert(Item), [row])
        await s.commit()


async def ids(sm: async_sessionmaker[AsyncSession], muni: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for code in ("water", "heat", "roadman"):
        out[code] = (await staff(sm, code)).id or 0
    async with sm() as s:
        for table in (Sector, Locality):
            for r in (await s.execute(table.__table__.select())).all():  # type: ignore[attr-defined]
                if r.municipality_id == muni:
                    out[r.code] = r.id
    return out


async def other_municipality(sm: async_sessionmaker[AsyncSession], clock: FakeClock) -> int:
    text = TEST_SETUP.replace("code: testmo", "code: othermo").replace("ТСТ", "ДРГ")
    for code in ("head", "curator", "operator", "admin", "lead_zhkh", "lead_roads"):
        text = text.replace(f"{{code: {code},", f"{{code: {code}2,")
    text = text.replace("code: water, name", "code: water2, name").replace(
        "code: heat, name", "code: heat2, name"
    )
    text = text.replace("code: roadman, name", "code: roadman2, name")
    text = text.replace("assignee: water}", "assignee: water2}").replace(
        "assignee: roadman}", "assignee: roadman2}"
    )
    text = text.replace("assignee: lead_roads}", "assignee: lead_roads2}")
    async with sm() as s:
        return (await check_apply_setup(s, text=text, clock=clock)).municipality_id


# ---- periods --------------------------------------------------------------------------------


def test_periods_parse_to_local_days() -> None:
    now = NOW
    p = parse_period("2026-W45", tz=TZ, now=now)
    assert (p.first, p.last, p.code) == (date(2026, 11, 2), date(2026, 11, 8), "2026-W45")
    assert p.start == datetime(2026, 11, 1, 21, 0, tzinfo=UTC)  # Moscow midnight
    assert p.end == datetime(2026, 11, 8, 21, 0, tzinfo=UTC)
    assert p.label == "2–8 ноября 2026"
    assert parse_period("last-week", tz=TZ, now=now) == W45
    m = parse_period("2026-02", tz=TZ, now=now)
    assert (m.first, m.last) == (date(2026, 2, 1), date(2026, 2, 28))
    assert m.previous().code == "2026-01"
    r = parse_period("2026-10-30..2026-11-02", tz=TZ, now=now)
    assert r.days == 4 and r.previous().last == date(2026, 10, 29)
    assert parse_period("2026", tz=TZ, now=now).days == 365
    assert len(W45.weeks()) == 2  # one week: its start and its end


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("вчера", "не распознан"),
        ("2026-W54", "нет недели 54"),
        ("2026-13", "нет месяца 13"),
        ("2026-02-30", "нет такой даты"),
        ("2020-01-01..2026-01-01", "слишком длинный"),
        ("2026-11-10..2026-11-01", "раньше начала"),
        ("1900", "вне допустимого"),
        ("0001-W01", "вне допустимого"),  # its UTC start would be in year 0: was a 500
        ("9999-W52", "вне допустимого"),  # its end in year 10000
        ("2026-11-01..завтра", "не распознана"),
        ("x" * 500, "не распознан"),
        ("", "не распознан"),
    ],
)
def test_bad_periods_get_clear_errors(text: str, words: str) -> None:
    with pytest.raises(Invalid) as e:
        parse_period(text, tz=TZ, now=NOW)
    assert words in e.value.reason


def test_poisson_tail_matches_hand_values() -> None:
    assert poisson_tail(0, 2.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, rel=1e-9)
    assert poisson_tail(8, 1.0) == pytest.approx(1.0249e-5, rel=1e-3)


# ---- working time through the real lifecycle ------------------------------------------------


async def test_working_time_is_stamped_across_weekend_and_holiday(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    # Tuesday 3 November, an hour before the end of the day: the eve of Unity Day closes at
    # 17:00 (Labour Code art. 95), not 18:00.
    clock = FakeClock(at(3, 16))
    water = await actor(sm, "water")
    a = await register(sm, clock, muni, "прорыв трубы, вода")  # routed to water
    clock.set(at(5, 10))  # Thursday after the holiday: 1 h Tuesday + 0 Wednesday + 1 h Thursday
    a = await act(sm, clock, a, Action.take, water)
    assert a.take_wsec == 2 * 3600
    clock.set(at(6, 17, 30))  # Friday 17:30
    b = await register(sm, clock, muni, "вода не идёт")  # 30 minutes before Friday's end
    a = await act(sm, clock, a, Action.answer, water, text="Заменили участок трубы")
    assert a.answer_wsec == (1 + 0 + 9 + 8.5) * 3600
    clock.set(at(9, 9, 15))  # Monday: 30 min Friday + weekend 0 + 15 min Monday
    b = await act(sm, clock, b, Action.take, water)
    assert b.take_wsec == 45 * 60
    clock.set(at(9, 20))  # after hours the same day: + 9 h − 15 min of Monday
    b = await act(sm, clock, b, Action.answer, water, text="Подача восстановлена")
    assert b.answer_wsec == 30 * 60 + 9 * 3600

    async with sm() as s:
        summary = await get_summary(s, scope=Scope((muni,)), period=W45, now=NOW)
    assert (summary.received, summary.taken, summary.answered) == (2, 1, 1)
    assert summary.take_median_h == 2.0  # only a's take falls in week 45
    assert summary.answer_median_h == 18.5
    week46 = week_period(date(2026, 11, 9), TZ)
    async with sm() as s:
        nxt = await get_summary(s, scope=Scope((muni,)), period=week46, now=NOW)
    assert nxt.take_median_h == 0.75 and nxt.answer_median_h == 9.5 and nxt.received == 0

    # Reopening clears the answer and counts; the next answer is measured from registration.
    clock.set(at(10, 10))
    b = await act(sm, clock, b, Action.reopen, await actor(sm, "head"), reason="не помогло")
    assert (b.reopens, b.answer_wsec, b.take_wsec) == (1, None, None)
    assert b.reopened_at == at(10, 10)


# ---- the seeded history ---------------------------------------------------------------------


async def seed_potholes(sm: async_sessionmaker[AsyncSession], muni: int) -> None:
    """Eight potholes in the hamlet on Tuesday of week 45, "яма на дороге номер 0…7"."""
    k = await ids(sm, muni)
    for i in range(8):
        await seed(
            sm,
            muni,
            sector_id=k["roads"],
            locality_id=k["hamlet"],
            registered_at=at(3, 10 + i),
            text=f"яма на дороге номер {i}",
        )


async def seed_week(sm: async_sessionmaker[AsyncSession], muni: int) -> dict[str, int]:
    """A week 45 whose every figure is counted by hand in the test below."""
    k = await ids(sm, muni)
    w, h, r = k["water"], k["heat"], k["roadman"]
    z, rd, v, hm = k["zhkh"], k["roads"], k["village"], k["hamlet"]
    base = {"sector_id": z, "locality_id": v}
    # Registered in week 45.
    await seed(
        sm,
        muni,
        **base,
        assignee_id=w,
        registered_at=at(2, 10),
        taken_at=at(2, 11),
        take_wsec=3600,
        answered_at=at(3, 10),
        answer_wsec=7200,
        due_at=at(10, 18),
        status=ItemStatus.closed,
        closed_at=at(5, 12),
        solved=True,
        rating=5,
    )  # A
    await seed(
        sm,
        muni,
        **base,
        assignee_id=w,
        registered_at=at(2, 12),
        taken_at=at(2, 14),
        take_wsec=7200,
        answered_at=at(6, 17),
        answer_wsec=50_000,
        due_at=at(6, 12),
        status=ItemStatus.answered,
        solved=False,
        rating=2,
    )  # B: answered late
    await seed(
        sm,
        muni,
        sector_id=rd,
        locality_id=hm,
        assignee_id=r,
        channel=Channel.api,
        kind=ItemKind.appeal_59fz,
        registered_at=at(3, 9),
        taken_at=at(6, 10),
        take_wsec=36_000,
        due_at=at(3, 18, month=12),
        status=ItemStatus.in_progress,
    )  # C
    await seed(
        sm,
        muni,
        **base,
        assignee_id=h,
        channel=Channel.paper,
        kind=ItemKind.incident,
        registered_at=at(5, 9),
        due_at=at(5, 17),
        status=ItemStatus.assigned,
    )  # D: overdue
    await seed(sm, muni, registered_at=at(8, 23, 59), status=ItemStatus.new)  # E: Sunday night
    # Registered before the week, acted on in it.
    await seed(
        sm,
        muni,
        **base,
        assignee_id=w,
        registered_at=at(20, 10, month=10),
        taken_at=at(2, 9),
        take_wsec=100_000,
        answered_at=at(4, 15),
        answer_wsec=120_000,
        due_at=at(5, 18),
        status=ItemStatus.answered,
        reopens=1,
    )  # X
    await seed(
        sm,
        muni,
        **base,
        assignee_id=h,
        registered_at=at(1, 10, month=10),
        reopened_at=at(7, 11),
        reopens=1,
        due_at=at(20, 18),
        status=ItemStatus.reopened,
    )  # Y
    await seed(
        sm,
        muni,
        **base,
        assignee_id=h,
        registered_at=at(1, 10, month=9),
        due_at=at(1, 10, month=10),
        status=ItemStatus.in_progress,
    )  # Z: long overdue
    # Outside the week on both sides, and another municipality's item inside it.
    await seed(
        sm,
        muni,
        **base,
        registered_at=at(1, 23, 59),
        status=ItemStatus.closed,
        closed_at=at(1, 23, 59),
    )  # Sunday before, 23:59 Moscow
    await seed(
        sm, muni, **base, registered_at=at(9, 0, 0), status=ItemStatus.closed, closed_at=at(9, 1)
    )  # Monday after, 00:00 Moscow
    return k


async def test_summary_matches_hand_count(
    sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    await seed_week(sm, muni)
    other = await other_municipality(sm, clock)
    await seed(sm, other, registered_at=at(3, 10), status=ItemStatus.new)
    async with sm() as s:
        got = await get_summary(s, scope=Scope((muni,)), period=W45, now=NOW)
        regional = await get_summary(s, scope=Scope(None), period=W45, now=NOW)
        roads = await get_summary(
            s, scope=Scope((muni,), sector_id=(await ids(sm, muni))["roads"]), period=W45, now=NOW
        )
    assert got.received == 5  # A B C D E; not the Sunday-before or Monday-after ones
    assert got.by_channel == {"telegram": 3, "api": 1, "paper": 1}
    assert got.by_kind == {"message": 3, "appeal_59fz": 1, "incident": 1}
    assert (got.taken, got.answered, got.closed, got.reopened) == (4, 3, 1, 1)
    assert got.answered_late == 1 and got.on_time_share == pytest.approx(0.6667)
    # takes 3600, 7200, 36000, 100000 s: median (7200+36000)/2; p90 at rank 1+0.9·3 = 3.7
    assert got.take_median_h == 6.0
    assert got.take_p90_h == pytest.approx((36_000 + 0.7 * 64_000) / 3600, abs=0.01)
    # answers 7200, 50000, 120000 s: median 50000; p90 at rank 2.8
    assert got.answer_median_h == pytest.approx(50_000 / 3600, abs=0.01)
    assert got.answer_p90_h == pytest.approx((50_000 + 0.8 * 70_000) / 3600, abs=0.01)
    assert (got.feedback, got.solved_share, got.rated, got.mean_rating) == (2, 0.5, 2, 3.5)
    assert (got.open_now, got.overdue_now) == (5, 2)  # B is answered; C D E Y Z open; D Z late
    assert regional.received == 6 and regional.open_now == 6
    assert (roads.received, roads.taken, roads.open_now, roads.overdue_now) == (1, 1, 1, 0)


async def seed_rating(sm: async_sessionmaker[AsyncSession], muni: int) -> dict[str, int]:
    """Week 45 answers whose rating is counted by hand (also used by the API tests)."""
    k = await ids(sm, muni)
    w, h, r = k["water"], k["heat"], k["roadman"]
    z, rd = k["zhkh"], k["roads"]
    # water: six answered, one late, one of them reopened before, ratings 5 and 4.
    for i in range(6):
        await seed(
            sm,
            muni,
            sector_id=z,
            assignee_id=w,
            registered_at=at(2, 9),
            answered_at=at(3, 10 + i),
            answer_wsec=3600 * (i + 1),
            due_at=at(3, 12) if i == 5 else at(9, 18),
            status=ItemStatus.answered,
            reopens=1 if i == 0 else 0,
            rating={0: 5, 1: 4}.get(i),
        )
    # heat: five answered on time, nobody rated; two open now, one of them overdue.
    for i in range(5):
        await seed(
            sm,
            muni,
            sector_id=z,
            assignee_id=h,
            registered_at=at(2, 9),
            answered_at=at(4 + i % 3, 12),
            answer_wsec=7200,
            due_at=at(20, 18),
            status=ItemStatus.answered,
        )
    await seed(sm, muni, sector_id=z, assignee_id=h, due_at=at(6, 18))
    await seed(sm, muni, sector_id=z, assignee_id=h, due_at=at(20, 18))
    # roadman: two answered: too few for a rank.
    for _ in range(2):
        await seed(
            sm,
            muni,
            sector_id=rd,
            assignee_id=r,
            registered_at=at(2, 9),
            answered_at=at(5, 10),
            answer_wsec=600,
            due_at=at(20, 18),
            status=ItemStatus.answered,
        )
    return k


async def test_rating_scores_and_ranks_by_hand(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    k = await seed_rating(sm, muni)
    w, h, r = k["water"], k["heat"], k["roadman"]
    async with sm() as s:
        people = await get_rating(s, scope=Scope((muni,)), period=W45, now=NOW)
        sectors = await get_rating(s, scope=Scope((muni,)), period=W45, now=NOW, by="sector")
    by = {p.key: p for p in people}
    assert [p.key for p in people] == [w, h, r]
    water, heat, road = by[w], by[h], by[r]
    assert (water.answered, water.on_time_share, water.reopen_rate) == (6, 0.8333, 0.1667)
    assert water.answer_median_h == 3.5 and water.mean_rating == 4.5 and water.rated == 2
    # 100·(0.45·5/6 + 0.20·1 + 0.15·5/6 + 0.20·(4.5−1)/4) = 37.5 + 20 + 12.5 + 17.5
    assert (water.score, water.rank) == (87.5, 1)
    assert (heat.answered, heat.open_now, heat.overdue_now) == (5, 2, 1)
    # 100·(0.45·1 + 0.20·(1 − 1/2) + 0.15·1 + 0.20·0.5) = 45 + 10 + 15 + 10
    assert (heat.score, heat.rank) == (80.0, 2)
    assert (road.answered, road.score, road.rank) == (2, None, None)
    assert road.sector == "Дороги" and water.sector == "ЖКХ"
    assert [(x.name, x.answered, x.rank) for x in sectors] == [("ЖКХ", 11, 1), ("Дороги", 2, None)]


async def test_heatmap_weeks_overdue_and_decisions(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    k = await seed_week(sm, muni)
    async with sm() as s:
        cells = await get_heatmap(s, scope=Scope((muni,)), period=W45, now=NOW)
        two_weeks = parse_period("2026-10-26..2026-11-08", tz=TZ, now=NOW)
        weekly = await get_heatmap(s, scope=Scope((muni,)), period=two_weeks, now=NOW, by_week=True)
        counts = await get_weekly_counts(s, scope=Scope((muni,)), period=two_weeks, now=NOW)
        overdue = await get_overdue(s, scope=Scope((muni,)), now=NOW)
        decisions = await get_decisions(s, scope=Scope((muni,)), now=NOW)
    got = {(c.sector, c.locality): (c.count, c.overdue) for c in cells}
    # A B D in ЖКХ × village (B answered late, D open past due), C in roads × hamlet, E nowhere.
    assert got == {
        ("ЖКХ", "село Тестовое"): (3, 2),
        ("Дороги", "хутор Малый"): (1, 0),
        ("без сектора", "не указано"): (1, 0),
    }
    assert next(c for c in cells if c.sector == "ЖКХ").overdue_share == 0.6667
    by_week = {(c.sector, c.week): c.count for c in weekly}
    assert by_week == {
        ("ЖКХ", "2026-W45"): 3,
        ("Дороги", "2026-W45"): 1,
        ("без сектора", "2026-W45"): 1,
        ("ЖКХ", "2026-W44"): 1,
    }
    assert counts == [("2026-W44", 1, 0, 0), ("2026-W45", 5, 3, 1)]
    assert {o["status"] for o in overdue} == {"in_progress", "assigned"} and len(overdue) == 2
    assert overdue[0]["due_at"] < overdue[1]["due_at"]  # longest overdue first
    assert sorted(d["why"] for d in decisions) == ["не распределено", "открыто повторно"]
    assert k["zhkh"] in {c.sector_id for c in cells}


async def test_growth_flags_only_significant_rise(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    k = await ids(sm, muni)
    z, rd, v, hm = k["zhkh"], k["roads"], k["village"], k["hamlet"]
    for week in range(
        1, 9
    ):  # eight weeks before: roads 1 a week in the hamlet, ЖКХ 3 in the village
        monday = at(2, 10) - timedelta(weeks=week)
        await seed(sm, muni, sector_id=rd, locality_id=hm, registered_at=monday)
        for i in range(3):
            await seed(
                sm, muni, sector_id=z, locality_id=v, registered_at=monday + timedelta(hours=i)
            )
    await seed_potholes(sm, muni)  # this week: roads 8 (expected 1), ЖКХ 4 (expected 3)
    for i in range(4):
        await seed(sm, muni, sector_id=z, locality_id=v, registered_at=at(4, 10 + i))
    async with sm() as s:
        points = await get_growth(s, scope=Scope((muni,)), week=W45)
    assert [(g.dimension, g.name, g.count, g.baseline) for g in points] == [
        ("sector", "Дороги", 8, 1.0),
        ("locality", "хутор Малый", 8, 1.0),
    ] or [(g.dimension, g.name, g.count, g.baseline) for g in points] == [
        ("locality", "хутор Малый", 8, 1.0),
        ("sector", "Дороги", 8, 1.0),
    ]
    assert points[0].p_value == pytest.approx(poisson_tail(8, 1.0))
    assert [e["text"] for e in points[0].examples] == [
        "яма на дороге номер 7",
        "яма на дороге номер 6",
        "яма на дороге номер 5",
    ]


async def test_reports_work_on_sqlite_too(sqlite_url: str) -> None:
    """The embedded mode computes the same medians without percentile_cont."""
    from models.db import make_engine, make_sessionmaker
    from models.migrate import upgrade_head_async

    await upgrade_head_async(sqlite_url)
    engine = make_engine(sqlite_url)
    sm = make_sessionmaker(engine)
    clock = FakeClock(NOW)
    try:
        async with sm() as s:
            muni = (await check_apply_setup(s, text=TEST_SETUP, clock=clock)).municipality_id
        await seed_week(sm, muni)
        async with sm() as s:
            got = await get_summary(s, scope=Scope((muni,)), period=W45, now=NOW)
            people = await get_rating(s, scope=Scope((muni,)), period=W45, now=NOW)
            cells = await get_heatmap(s, scope=Scope((muni,)), period=W45, now=NOW, by_week=True)
        assert got.take_median_h == 6.0
        assert got.take_p90_h == pytest.approx((36_000 + 0.7 * 64_000) / 3600, abs=0.01)
        assert got.answer_median_h == pytest.approx(50_000 / 3600, abs=0.01)
        assert (got.received, got.open_now, got.overdue_now) == (5, 5, 2)
        water = next(p for p in people if p.name == "Исполнитель водоснабжение")
        # water answered A (7200 s), B (50000 s) and X (120000 s) in the week
        assert water.answered == 3 and water.answer_median_h == pytest.approx(13.89, abs=0.01)
        assert sum(c.count for c in cells) == 5
    finally:
        await engine.dispose()
