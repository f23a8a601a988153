"""Problems behind a growth point: a synthetic week of two clear problems and noise, labels from
the texts, central items inside their problem, the same answer every time, and bad input."""

import random

import pytest

from workflows.reports.causes import OTHER, WeekSpace
from workflows.reports.wording import label, readable, terms

ICE = [
    "сосульки на крыше {n} над входом",
    "с крыши свисают огромные сосульки, дом {n}",
    "наледь и сосульки на кровле у подъезда {n}",
    "уберите сосульки с крыши дома {n}",
    "снег и сосульки на крыше, опасно, корпус {n}",
]
BINS = [
    "не вывозят мусор с контейнерной площадки {n}",
    "мусор у контейнеров не вывозится неделю, площадка {n}",
    "переполнены мусорные контейнеры, площадка {n}",
    "контейнерная площадка {n} завалена мусором",
]
NOISE = [
    "не работает фонарь во дворе",
    "сломана скамейка на детской площадке",
    "нет горячей воды",
    "шумят соседи по ночам",
    "граффити на фасаде школы",
    "яма на дороге у остановки",
    "собаки без поводка в сквере",
]
# The rest of the week: other points' items, the background the labels stand out against.
REST = [
    "прорвало трубу в подвале",
    "нет отопления в квартире",
    "не горит свет в подъезде",
    "сломан лифт",
    "течёт крыша после дождя",
    "мусор на газоне у дома",
    "разбит асфальт во дворе",
    "не работает домофон",
] * 5


def synthetic_week() -> tuple[list[str], list[int], set[int], set[int]]:
    """The week's texts, the point's positions among them, and which of those are ice and bins."""
    point = [t.format(n=i) for i in range(4) for t in ICE]  # 20 about ice on roofs
    point += [t.format(n=i) for i in range(4) for t in BINS]  # 16 about bins
    point += NOISE
    random.Random(7).shuffle(point)
    texts = REST[:20] + point + REST[20:]
    members = list(range(20, 20 + len(point)))
    ice = {i for i in members if "сосульк" in texts[i]}
    bins = {i for i in members if "контейнер" in texts[i]}
    return texts, members, ice, bins


def test_two_problems_and_noise_make_two_labelled_problems() -> None:
    texts, members, ice, bins = synthetic_week()
    groups = WeekSpace(texts).groups(members)
    named = [g for g in groups if not g.other]
    assert len(named) == 2, [(g.label, len(g.members)) for g in groups]
    first, second = named
    assert set(first.members) == ice  # largest first
    # The bins take every bin item; a noise text whose one known word is «площадка» may follow.
    assert bins <= set(second.members) and len(set(second.members) - bins) <= 1
    assert "сосульки" in first.label and "крыша" in first.label
    assert "мусор" in second.label or "контейнер" in second.label
    for g in named:
        assert 2 <= len(g.central) <= 3 and set(g.central) <= set(g.members)
    assert groups[-1].other and groups[-1].label == OTHER
    assert set(groups[-1].members) == set(members) - ice - set(second.members)  # the noise
    assert len(groups[-1].members) >= len(NOISE) - 1
    assert all(g.label != OTHER for g in named)


def test_the_same_week_gives_the_same_problems() -> None:
    texts, members, _, _ = synthetic_week()
    once = WeekSpace(texts).groups(members)
    again = WeekSpace(list(texts)).groups(list(reversed(members)))
    assert once == again


@pytest.mark.parametrize("n", [0, 1, 2])
def test_one_or_two_items_make_no_problems(n: int) -> None:
    texts, members, _, _ = synthetic_week()
    assert WeekSpace(texts).groups(members[:n]) == []


def test_empty_and_foreign_texts_fall_into_nothing_named() -> None:
    strange = ["", "   ", "!!!", "the roof is leaking", "Dach undicht", "12345", "🙂🙂"] * 3
    space = WeekSpace(strange)
    assert space.groups(range(len(strange))) == []
    texts, members, ice, _ = synthetic_week()
    mixed = texts + strange
    groups = WeekSpace(mixed).groups(members + list(range(len(texts), len(mixed))))
    assert set(groups[0].members) == ice
    other = next(g for g in groups if g.other)
    assert set(range(len(texts), len(mixed))) <= set(other.members)


def test_labels_are_readable_words_and_never_names() -> None:
    assert readable("сосулька", True) == "сосульки" and readable("снег", False) == "снег"
    icicles = ["сосульки на крыше", "висят сосульки", "огромные сосульки", "снег не убран"]
    assert label(icicles, ["сосулька", "снег"]) == "сосульки, снег"
    assert label(["уборка снега", "снег", "гора снега"], ["снег"]) == "снег"  # «снега»: of snow
    assert "иванов" not in terms("Иванов Пётр жалуется на сосульки")
    assert terms("the roof") == [] and terms("") == []
