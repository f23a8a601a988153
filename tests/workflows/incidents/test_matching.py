"""The candidate filter: lemmas, place case forms, negative signals."""

import pytest

from workflows.core.words import words
from workflows.incidents.matching import Signal, is_candidate, score
from workflows.incidents.vocabulary import Vocabulary, find_places, from_mapping, is_place_form

VOCABULARY = Vocabulary(
    localities=("Бежта", "Тлядал", "Хашархота", "Нижний Гунзиб"),
    sectors={"zhkh": ("вода", "водопровод", "труба"), "roads": ("дорога", "мост")},
    elsewhere=("Кидеро", "Цунта"),
)


@pytest.mark.parametrize(
    "text",
    [
        "В Бежте нет воды",
        "Из Бежты не выехать",
        "Бежтинская школа",
        "к Бежте",
        "в Тлядале",
        "Хашархоты",
    ],
)
def test_place_names_match_in_their_case_forms(text: str) -> None:
    assert find_places(words(text), VOCABULARY.localities)


@pytest.mark.parametrize("word", ["бежевый", "бег", "бежать"])
def test_other_words_are_not_place_forms(word: str) -> None:
    assert not is_place_form(word, "Бежта")


def test_a_multi_word_name_needs_all_its_words() -> None:
    assert find_places(words("В Нижнем Гунзибе прорвало трубу"), VOCABULARY.localities)
    assert not find_places(words("Нижнем конце улицы"), VOCABULARY.localities)


def test_words_match_on_lemmas_and_the_reason_names_them() -> None:
    match = score("В Бежте прорвало водопровод, трубы текут, воды нет", VOCABULARY)
    assert is_candidate(match)
    assert {"водопровод", "труба", "вода"} <= set(match.of(Signal.sector))
    assert "прорвать" in match.of(Signal.problem)
    assert match.localities == {"Бежта"}
    assert match.sectors == {"zhkh"}
    assert 0 <= match.score <= 1


def test_an_advert_that_names_a_village_is_not_a_candidate() -> None:
    match = score("Продаю трубы для водопровода, доставка по Бежте, цена 300 руб", VOCABULARY)
    assert match.of(Signal.advert)
    assert not is_candidate(match)


def test_a_greeting_is_not_a_candidate() -> None:
    match = score("Поздравляем жителей Тлядала с праздником! Новая дорога и мост", VOCABULARY)
    assert match.of(Signal.greeting)
    assert not is_candidate(match)


def test_another_villages_problem_is_not_a_candidate() -> None:
    match = score("В Кидеро прорвало водопровод, полсела без воды", VOCABULARY)
    assert match.of(Signal.elsewhere) == ["Кидеро"]
    assert not is_candidate(match)
    assert is_candidate(score("В Бежте прорвало водопровод, полсела без воды", VOCABULARY))


def test_plain_talk_is_not_a_candidate() -> None:
    match = score("Кто едет завтра в город? Есть место в машине", VOCABULARY)
    assert match.score < 0.5 and not is_candidate(match)


def test_a_bad_vocabulary_is_refused_in_russian() -> None:
    with pytest.raises(ValueError, match="нужен список строк"):
        from_mapping({"localities": "Бежта"})


def test_built_in_places_outside_count_without_the_setup_listing_them() -> None:
    bare = Vocabulary(localities=("Бежта",), sectors={"zhkh": ("вода", "водопровод")})
    match = score("В Махачкале прорвало водопровод, воды нет", bare)
    assert match.of(Signal.elsewhere) == ["Махачкала"] and not is_candidate(match)
    district = score("В Хунзахском районе прорвало водопровод, воды нет", bare)
    assert "хунзахский район" in district.of(Signal.elsewhere)
    assert not is_candidate(district)


def test_a_district_adjective_of_our_own_place_is_ours() -> None:
    match = score("В Бежтинском районе прорвало водопровод", VOCABULARY)
    assert not match.of(Signal.elsewhere) and match.localities == {"Бежта"}


def test_a_place_outside_named_only_as_a_destination_does_not_move_the_problem() -> None:
    for text in (
        "Рентген сломан, всех отправляют в Махачкалу",
        "Автобус до Хасавюрта сломался, стоим на дороге",
        "В Хасавюрт не уехать: дорогу размыло",
    ):
        match = score(text, VOCABULARY)
        assert not match.of(Signal.elsewhere), text
    assert score("В Хасавюрте прорвало водопровод", VOCABULARY).of(Signal.elsewhere)


def test_an_own_locality_is_never_elsewhere() -> None:
    """A municipality whose village shares a name with the built-in list keeps it as its own."""
    vocabulary = Vocabulary(localities=("Агвали",), sectors={"roads": ("мост",)})
    assert "Агвали" not in vocabulary.elsewhere_places
    match = score("В Агвали обрушился мост", vocabulary)
    assert match.localities == {"Агвали"} and is_candidate(match)


def test_a_question_is_not_a_complaint() -> None:
    match = score("Кто знает, где в Тлядале ремонт телефонов?", VOCABULARY)
    assert match.of(Signal.question) and not is_candidate(match)
