"""Duplicates across citizens: the pure score, and the candidate query on real Postgres."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import Channel, Citizen, Item, ItemKind, Locality, Staff
from tests.fixtures import TEST_SETUP
from tests.helpers import act, actor, register
from workflows.core.actors import Actor
from workflows.items.duplicates.score import Report, score
from workflows.items.duplicates.search import get_duplicate_candidate
from workflows.items.register import NewItem, check_register_item
from workflows.items.transitions import Action
from workflows.setup.apply import check_apply_setup

T0 = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
PIPE = "Прорвало трубу водопровода у школы, вода течёт по улице"
PIPE2 = "У школы прорвало трубу, вода течёт по улице третий час"


def test_score_same_spot_same_words() -> None:
    found = score(Report(PIPE2, T0, 42.0, 46.0), Report(PIPE, T0 - timedelta(hours=3), 42.0, 46.0))
    assert found is not None and found.place == 1.0 and found.text > 0.5


@pytest.mark.parametrize(
    ("old", "why"),
    [
        (Report(PIPE, T0 - timedelta(days=8), 42.0, 46.0), "older than the window"),
        (Report(PIPE, T0, 42.0, 46.001), "about 80 m away"),
        (Report("Не вывозят мусор с площадки", T0, 42.0, 46.0), "other words"),
        (Report(PIPE, T0, locality_id=2), "another locality"),
        (Report(PIPE, T0), "no place to compare"),
        (Report("", T0, 42.0, 46.0), "no words"),
    ],
)
def test_score_refuses(old: Report, why: str) -> None:
    new = Report(PIPE2, T0, 42.0, 46.0, locality_id=1)
    assert score(new, old) is None, why


def test_score_refuses_other_entrance_numbers() -> None:
    """The same words about entrance 1 and entrance 5 are two problems; the same numbers are
    one (a text without numbers is compared by its words alone)."""
    text = "Пахнет от мусоропровода, нужна дезинфекция, парадная {}"
    at = (T0, 42.0, 46.0)
    assert score(Report(text.format(5), *at), Report(text.format(1), *at)) is None
    assert score(Report(text.format(5), *at), Report(text.format(5), *at)) is not None
    assert score(Report(text.format(5), *at), Report(text.format(""), *at)) is not None


def test_score_same_locality_without_coordinates() -> None:
    new = Report(PIPE2, T0, locality_id=1, place_text="у школы")
    found = score(new, Report(PIPE, T0, locality_id=1, place_text="возле школы"))
    assert found is not None and 0.5 < found.place <= 1.0


async def _citizen(sm) -> int:
    async with sm() as s:
        c = Citizen(created_at=T0)
        s.add(c)
        await s.commit()
        return c.id or 0


async def _village(sm, muni: int) -> int:
    async with sm() as s:
        q = select(Locality).where(Locality.municipality_id == muni, Locality.code == "village")
        return (await s.exec(q)).one().id or 0


def _new(clock, village: int, text: str = PIPE2) -> Report:
    return Report(text, clock.now(), locality_id=village, place_text="у школы")


async def test_finds_another_citizens_open_item_only(sm, clock, muni) -> None:
    me, other = await _citizen(sm), await _citizen(sm)
    village = await _village(sm, muni)
    kw = {"locality_id": village, "place_text": "школа", "channel": Channel.telegram}
    mine = await register(sm, clock, muni, PIPE, citizen_id=me, **kw)
    async with sm() as s:
        found = await get_duplicate_candidate(
            s, municipality_id=muni, citizen_id=me, new=_new(clock, village)
        )
    assert found is None, "my own item is the SIMILAR question's business, not this one"
    theirs = await register(sm, clock, muni, PIPE, citizen_id=other, **kw)
    await register(sm, clock, muni, "Яма на дороге", citizen_id=other, **kw)
    async with sm() as s:
        found = await get_duplicate_candidate(
            s, municipality_id=muni, citizen_id=me, new=_new(clock, village)
        )
    assert found is not None and found.item.id == theirs.id != mine.id
    # Nothing for a report with no words in common, or with no place at all.
    async with sm() as s:
        assert (
            await get_duplicate_candidate(
                s, municipality_id=muni, citizen_id=me, new=_new(clock, village, "Сломана скамейка")
            )
            is None
        )
        assert (
            await get_duplicate_candidate(
                s, municipality_id=muni, citizen_id=me, new=Report(PIPE2, clock.now())
            )
            is None
        )


async def test_time_window_and_open_only(sm, clock, muni) -> None:
    me, other = await _citizen(sm), await _citizen(sm)
    village = await _village(sm, muni)
    kw = {"locality_id": village, "channel": Channel.telegram, "citizen_id": other}
    theirs = await register(sm, clock, muni, PIPE, **kw)
    clock.advance(timedelta(days=8))
    async with sm() as s:
        assert (
            await get_duplicate_candidate(
                s, municipality_id=muni, citizen_id=me, new=_new(clock, village)
            )
            is None
        ), "a week and a day later it is another episode"
    fresh = await register(sm, clock, muni, PIPE, **kw)
    await act(sm, clock, fresh, Action.reject, await actor(sm, "operator"), reason="спам")
    async with sm() as s:
        assert (
            await get_duplicate_candidate(
                s, municipality_id=muni, citizen_id=me, new=_new(clock, village)
            )
            is None
        ), "a rejected item is not open"
    assert theirs.id


async def test_other_municipality_excluded(sm, clock, muni) -> None:
    async with sm() as s:
        other_muni = (
            await check_apply_setup(
                s,
                text=TEST_SETUP.replace("code: testmo", "code: othermo").replace(
                    "number_prefix: ТСТ", "number_prefix: ДРГ"
                ),
                clock=clock,
            )
        ).municipality_id
    me, other = await _citizen(sm), await _citizen(sm)
    async with sm() as s:
        q = select(Locality).where(Locality.municipality_id == other_muni)
        there = (await s.exec(q)).first()
    assert there is not None
    async with sm() as s:
        q = select(Staff).where(Staff.code == "operator", Staff.municipality_id == other_muni)
        op = Actor.of_staff((await s.exec(q)).one(), channel=Channel.api)
        new = NewItem(
            kind=ItemKind.message,
            channel=Channel.telegram,
            text=PIPE,
            citizen_id=other,
            locality_id=there.id,
        )
        await check_register_item(s, clock=clock, municipality_id=other_muni, new=new, actor=op)
    async with sm() as s:
        found = await get_duplicate_candidate(
            s, municipality_id=muni, citizen_id=me, new=_new(clock, there.id or 0)
        )
        items = list(await s.exec(select(Item)))
    assert found is None and len(items) == 1
