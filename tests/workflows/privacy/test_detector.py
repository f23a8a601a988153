"""The personal-data detector: what it masks, in the forms citizens write it, and what it must
leave for staff (the problem's place, officials' titles, organisations)."""

import json
from pathlib import Path

import pytest

from workflows.privacy.mask import find, mask, mask_fields
from workflows.privacy.spans import Kind

PHONES = [
    "+7 903 123-45-67",
    "+79031234567",
    "8 (928) 555-12-34",
    "8-909-478-22-11",
    "89285551234",
    "928 777 66 55",
    "+7(960)412-33-90",
    "+7 (8722) 67-89-01",
    "8(87229)2-21-45",
    "2-34-56",
    "67-14-22",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phones_in_every_format_are_masked(phone):
    assert mask(f"Звоните мне: {phone}, жду.") == "Звоните мне: [телефон], жду."


@pytest.mark.parametrize(
    "email", ["zarema.kurbanova@mail.ru", "m.abakarov1985@gmail.com", "kasp.tsj.22@mail.ru"]
)
def test_emails_are_masked(email):
    assert mask(f"Пишите на {email}, отвечу.") == "Пишите на [e-mail], отвечу."


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # every case of a name, Dagestani and Russian, with patronymics and initials
        ("Я Магомедрасул Гаджиев, нет воды.", "Я [имя], нет воды."),
        (
            "Прошу передать Шамилю Омарову, что вода мутная.",
            "Прошу передать [имя], что вода мутная.",
        ),
        ("Мы с Залиной Хизриевой ждём газ.", "Мы с [имя] ждём газ."),
        ("Прошу связаться с Омаром Рамазановым.", "Прошу связаться с [имя]."),
        ("Помогите матери, Хадижат Магомедовны, с пенсией.", "Помогите матери, [имя], с пенсией."),
        ("Спасибо Ивану Петровичу Сидорову за ремонт!", "Спасибо [имя] за ремонт!"),
        ("Справку просит Гаджиев М. А., отказали.", "Справку просит [имя], отказали."),
        ("Собственник Новикова Е. В. просит поверку.", "Собственник [имя] просит поверку."),
        ("Ответ на имя Магомедовой Айшат не пришёл.", "Ответ на имя [имя] не пришёл."),
        ("Пишет Гусейнов Ахмед Исмаилович, пенсионер.", "Пишет [имя], пенсионер."),
    ],
)
def test_names_in_all_cases_are_masked(text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Нет воды. ул. Ленина 5 кв 3.", "Нет воды. [адрес]."),
        ("Проживаю: пр. Петра I, д. 44, кв. 118. Холодно.", "Проживаю: [адрес]. Холодно."),
        ("Сосед из кв. 56, д. 10 по ул. Гаджиева шумит.", "Сосед из [адрес] шумит."),
        ("Я живу в доме 7, кв. 21 по улице Нахимова.", "Я живу в [адрес] по улице Нахимова."),
        ("Я живу по адресу ул. Шамиля, д. 14, света нет.", "Я живу по адресу [адрес], света нет."),
    ],
)
def test_home_addresses_are_masked(text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        # the problem's place: a street, a village, a building named as where the problem is
        "На улице Ленина в Карабудахкенте упал столб.",
        "Яма на дороге у дома 33 по улице Магомеда Гаджиева.",
        "Горячей воды нет, дом по проспекту Имама Шамиля 39.",
        "Не работает лифт в доме на ул. Коркмасова 12, третий подъезд.",
        "В подъезде на 5 этаже не горит свет, квартиры 17–20.",
        "Отсутствие крышки ниши на 6 этаже возле кв.176",
        "Вывеска над аптекой на углу Гоголя и Пушкина висит на одном болте.",
        # organisations, titles, numbers that are not phones
        "Управляющая компания «Уютный дом» не реагирует на заявки.",
        "Обращение М-2024-00125 не решено, ответ до 12.05.2025.",
        "Счёт за воду пришёл на 12 000 рублей, работают с 9:00 до 18:00.",
        "Перезвоните по поводу свалки за селом.",
        "Мусор не вывозят. Манаскент.",
    ],
)
def test_what_staff_need_is_left(text):
    assert mask(text) == text


def test_an_officials_name_goes_and_the_title_stays():
    got = mask("Глава администрации Абдуллаев обещал освещение.")
    assert got == "Глава администрации [имя] обещал освещение."


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Паспорт 82 15 456789 найден у остановки.", "82 15 456789"),
        ("Номер СНИЛС 123-456-789 01, пособия нет.", "123-456-789 01"),
        ("Карта для возврата 4276 3800 1234 5678.", "4276 3800 1234 5678"),
        ("ИНН 056201234567, пересчитайте налог.", "056201234567"),
        ("Лицевой счёт 0512003344 оплачен.", "0512003344"),
    ],
)
def test_document_numbers_are_masked(text, number):
    (span,) = find(text)
    assert span.kind is Kind.document and text[span.start : span.end] == number
    assert number not in mask(text)


def test_the_baseline_finds_no_names():
    text = "Звоните: 89285551234, Патимат Алиева."
    assert [s.kind for s in find(text)] == [Kind.phone, Kind.person]
    assert [s.kind for s in find(text, names=False)] == [Kind.phone]


def test_mask_fields_masks_only_the_named_text_fields():
    payload = {"text": "Звоните 89285551234", "number": "89285551234", "place": None, "n": 5}
    got = mask_fields(payload, ("text", "place", "reply"))
    assert got == {"text": "Звоните [телефон]", "number": "89285551234", "place": None, "n": 5}
    assert payload["text"] == "Звоните 89285551234"  # the caller's dict is not changed


def test_the_labelled_set_is_consistent_and_says_how_each_part_may_be_used():
    here = Path(__file__).parents[3] / "bench" / "pii"
    total = 0
    for part, rule in (("dev", "tune"), ("heldout", "NEVER tune")):
        header, *rows = (here / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()
        assert rule in json.loads(header)["about"]
        for row in map(json.loads, rows):
            for start, end, kind, text in row["spans"]:
                assert row["text"][start:end] == text and Kind(kind)
        total += len(rows)
    assert total >= 300
