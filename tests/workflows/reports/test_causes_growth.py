"""The problems behind a growth point through the database: the report carries them, the note
leads with them (labels, counts, item numbers; no citizen's phone), a tiny point has none."""

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item
from tests.causes_kit import PHONE, seed_problems
from tests.workflows.reports.test_reports import NOW, W45, at, ids, seed
from workflows.digest.build import note_text
from workflows.reports import growth
from workflows.reports.causes import WeekSpace
from workflows.reports.growth import forget_week_spaces, get_growth
from workflows.reports.scope import Scope


async def numbers_of(sm: async_sessionmaker[AsyncSession], texts: list[str]) -> set[str]:
    async with sm() as s:
        rows = await s.execute(select(Item.number).where(Item.text.in_(texts)))  # type: ignore[attr-defined]
        return {r[0] for r in rows}


async def test_growth_points_carry_their_problems(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    texts = await seed_problems(sm, muni)
    async with sm() as s:
        points = await get_growth(s, scope=Scope((muni,)), week=W45)
    assert [(g.dimension, g.count) for g in points] == [("sector", 24), ("locality", 24)] or [
        (g.dimension, g.count) for g in points
    ] == [("locality", 24), ("sector", 24)]
    ice, bins = await numbers_of(sm, texts["ice"]), await numbers_of(sm, texts["bins"])
    for g in points:
        named = [p for p in g.problems if not p.other]
        # A week this small teaches no synonyms: «наледь на кровле» may stand beside «сосульки
        # на крыше» as a problem of its own; together they hold the ice items, and lead.
        cold = [p for p in named if "сосульки" in p.label]
        assert named[0] in cold and sum(p.count for p in cold) == 12
        assert {e["number"] for p in cold for e in p.examples} <= ice
        assert len(named[0].examples) == 3
        (bin_problem,) = [p for p in named if "мусор" in p.label]
        assert 8 <= bin_problem.count <= 9 and {e["number"] for e in bin_problem.examples} <= bins
        assert g.problems[-1].other and g.problems[-1].label == "прочее"
        assert not g.problems[-1].examples
        assert sum(p.count for p in g.problems) == g.count
    forget_week_spaces()  # computed afresh, not read from what the first call kept
    async with sm() as s:
        again = await get_growth(s, scope=Scope((muni,)), week=W45)
    assert [g.problems for g in again] == [g.problems for g in points]  # deterministic


async def test_a_week_is_grouped_once_until_one_of_its_texts_changes(
    sm: async_sessionmaker[AsyncSession], muni: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard and the API ask for the same week again and again: its grouping is kept,
    keyed by the week's texts, so an erasure masking one text is never answered from before."""
    texts = await seed_problems(sm, muni)
    forget_week_spaces()
    built: list[int] = []

    class Counting(WeekSpace):
        def __init__(self, week_texts: list[str]) -> None:
            built.append(len(week_texts))
            super().__init__(week_texts)

    monkeypatch.setattr(growth, "WeekSpace", Counting)
    async with sm() as s:
        first = await get_growth(s, scope=Scope((muni,)), week=W45)
        second = await get_growth(s, scope=Scope((muni,)), week=W45)
    assert len(built) == 1 and [g.problems for g in second] == [g.problems for g in first]
    async with sm() as s:
        item = (await s.exec(select(Item).where(Item.text == texts["ice"][0]))).one()
        item.text = "ХХХ"  # what an erasure leaves
        s.add(item)
        await s.commit()
        third = await get_growth(s, scope=Scope((muni,)), week=W45)
    assert len(built) == 2
    shown = {e["text"] for g in third for p in g.problems for e in p.examples}
    assert texts["ice"][0] not in shown


async def test_the_note_says_what_grew_and_what_it_is_about(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    await seed_problems(sm, muni)
    async with sm() as s:
        points = await get_growth(s, scope=Scope((muni,)), week=W45)
        text = await note_text(s, municipality_id=muni, week=W45, now=NOW)
    lead = text.split("\n")[3]
    top = points[0].problems[0]
    assert lead.startswith("<b>Главное — рост:</b> ") and top.label in lead
    assert f"— {top.count} из 24" in lead
    growth = text[text.index("<b>Точки роста</b>") : text.index("<b>Требуют решения</b>")]
    assert f"  — {top.label}: {top.count} ({top.examples[0]['number']}, " in growth
    assert f"  — {points[0].problems[1].label}: " in growth
    assert "прочее" not in growth  # «прочее» is no problem to name
    assert PHONE not in text and "912" not in text


async def test_a_point_of_few_or_unreadable_texts_has_no_problems(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    k = await ids(sm, muni)
    strange = ["", "the road is broken", "12345", "!!!", "Straße kaputt"]
    for i, text in enumerate(strange):
        await seed(sm, muni, sector_id=k["roads"], registered_at=at(3, 10 + i), text=text)
    async with sm() as s:
        points = await get_growth(s, scope=Scope((muni,)), week=W45)
        text = await note_text(s, municipality_id=muni, week=W45, now=NOW)
    assert [(g.name, g.count, g.problems) for g in points] == [("Дороги", 5, [])]
    assert "Главное" not in text and "• тема «Дороги»: 5" in text
