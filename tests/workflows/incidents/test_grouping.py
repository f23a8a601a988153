"""Grouping candidates into incidents by text, place and time."""

from datetime import UTC, datetime, timedelta

from workflows.incidents.grouping import Post, group, pairs, similar
from workflows.incidents.vocabulary import Vocabulary

VOCABULARY = Vocabulary(
    localities=("Бежта", "Тлядал"),
    sectors={"zhkh": ("вода", "водопровод", "труба"), "roads": ("дорога", "яма", "мост")},
)
T0 = datetime(2026, 9, 1, 5, tzinfo=UTC)


def post(id: str, hours: float, text: str, **kw: str) -> Post:
    return Post(id=id, at=T0 + timedelta(hours=hours), text=text, **kw)


WATER = [
    post("w1", 0, "В Бежте прорвало водопровод на нижней улице, воды нет"),
    post("w2", 2, "Бежта без воды, труба водопровода лопнула у моста, вода течёт по улице"),
    post("w3", 20, "Водопровод в Бежте так и не починили, второй день без воды"),
]
ROAD = post("r1", 3, "В Бежте на дороге к больнице огромная яма, машины ломаются")


def test_three_posts_about_one_water_main_group_and_a_road_the_same_day_does_not() -> None:
    groups = group([*WATER, ROAD], VOCABULARY)
    assert sorted(map(sorted, groups)) == [["r1"], ["w1", "w2", "w3"]]


def test_the_same_problem_in_another_village_or_much_later_is_another_incident() -> None:
    elsewhere = post("t1", 1, "В Тлядале прорвало водопровод, воды нет")
    later = post("w9", 24 * 10, "В Бежте прорвало водопровод, воды нет")
    assert similar(WATER[0], elsewhere, VOCABULARY) == 0
    assert similar(WATER[0], later, VOCABULARY) == 0
    assert len(group([WATER[0], elsewhere, later], VOCABULARY)) == 3


def test_a_comment_in_the_same_community_joins_the_post_it_answers() -> None:
    first = post("p", 0, "В Бежте прорвало водопровод, воды нет", source="vk:bezhta")
    reply = post("c", 1, "У нас тоже краны пустые", source="vk:bezhta", kind="comment")
    stranger = post("s", 1, "У нас тоже краны пустые", source="vk:other", kind="comment")
    assert group([first, reply], VOCABULARY) == [["p", "c"]]
    assert len(group([first, stranger], VOCABULARY)) == 2


def test_pairs_count_each_pair_once() -> None:
    assert pairs([["a", "b", "c"], ["d"]]) == {
        frozenset(("a", "b")),
        frozenset(("a", "c")),
        frozenset(("b", "c")),
    }
