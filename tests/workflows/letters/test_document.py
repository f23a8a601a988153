"""Printable letters: the DOCX opens in python-docx with the letterhead, the reference, the
addressee, the body and the signatory where a letter has them; the plain text says the same;
a letter missing what it needs is refused and nothing is made."""

import time
from dataclasses import replace
from datetime import date
from io import BytesIO

import pytest
from docx import Document

from workflows.core.errors import Invalid
from workflows.letters.document import render_docx, render_text
from workflows.letters.letter import LetterDoc

LETTERHEAD = {
    "title": "Администрация МО «Бежтинский участок»",
    "address": "368410, Республика Дагестан, Цунтинский район, с. Бежта",
    "phone": "+7 (000) 000-00-00",
    "email": "mcu@bezhta.example.ru",
    "signatory": "Глава администрации МО «Бежтинский участок»",
}
BODY = (
    "Ваше обращение зарегистрировано 02.12.2026 под номером БЖТ-2026-000123.\n\n"
    "Ответ будет направлен\nне позднее 13.01.2027.\n\n\n"
    "Съешь же ещё этих мягких французских булок, да выпей чаю."
)
LETTER = LetterDoc(
    letterhead=LETTERHEAD,
    number="БЖТ-2026-000123/2",
    date=date(2026, 12, 2),
    addressee="Петрову П.П.",
    address="368410, Республика Дагестан\nс. Бежта, ул. Школьная, д. 3",
    subject="О регистрации обращения",
    body=BODY,
    regarding="На ваше обращение от 01.12.2026 № БЖТ-2026-000123",
)


def opened(data: bytes) -> tuple[list[str], list[list[str]], Document]:
    """The paragraphs' texts and, for each table, its cells' texts."""
    doc = Document(BytesIO(data))
    paras = [p.text for p in doc.paragraphs if p.text]
    tables = [[c.text for c in t._cells] for t in doc.tables]
    return paras, tables, doc


def test_the_docx_holds_the_whole_letter_in_its_places() -> None:
    data = render_docx(LETTER)
    assert data[:2] == b"PK"
    paras, tables, doc = opened(data)
    title = next(p for p in doc.paragraphs if p.text == LETTERHEAD["title"])
    assert all(r.bold for r in title.runs)
    assert paras[0] == LETTERHEAD["title"]
    assert paras[1] == (
        "368410, Республика Дагестан, Цунтинский район, с. Бежта, тел. +7 (000) 000-00-00, "
        "эл. почта: mcu@bezhta.example.ru"
    )
    small = doc.paragraphs[1].runs[0].font.size
    assert small is not None and small < doc.styles["Normal"].font.size
    reference, addressee = tables[0]
    assert (
        reference
        == "02.12.2026 № БЖТ-2026-000123/2\nНа ваше обращение от 01.12.2026 № БЖТ-2026-000123"
    )
    assert addressee == "Петрову П.П.\n368410, Республика Дагестан\nс. Бежта, ул. Школьная, д. 3"
    assert paras[2:] == [
        "О регистрации обращения",
        "Ваше обращение зарегистрировано 02.12.2026 под номером БЖТ-2026-000123.",
        "Ответ будет направлен не позднее 13.01.2027.",
        "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    ]
    assert tables[1] == [LETTERHEAD["signatory"], "_______________"]
    page = doc.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)  # A4
    assert round(page.left_margin.mm) == 30
    assert doc.core_properties.title == "О регистрации обращения"


def test_the_text_says_the_same_in_the_same_order() -> None:
    text = render_text(LETTER)
    assert text.startswith(LETTERHEAD["title"] + "\n368410, Республика Дагестан, Цунтинский")
    order = [
        "02.12.2026 № БЖТ-2026-000123/2\nНа ваше обращение от 01.12.2026 № БЖТ-2026-000123",
        "Петрову П.П.\n368410, Республика Дагестан\nс. Бежта, ул. Школьная, д. 3",
        "\n\nО регистрации обращения\n\n",
        "Ответ будет направлен не позднее 13.01.2027.",
        "французских булок",
        "\n\nГлава администрации МО «Бежтинский участок»\n",
    ]
    at = [text.index(part) for part in order]
    assert at == sorted(at) and text.endswith("«Бежтинский участок»\n")


def test_an_e_mail_address_and_a_bare_letterhead() -> None:
    bare = replace(
        LETTER, letterhead={"title": "Администрация"}, address="petrov@example.ru", regarding=None
    )
    paras, tables, _ = opened(render_docx(bare))
    assert paras[0] == "Администрация" and paras[1] == "О регистрации обращения"
    assert tables[0] == [
        "02.12.2026 № БЖТ-2026-000123/2",
        "Петрову П.П.\nэл. почта: petrov@example.ru",
    ]
    assert len(tables) == 1  # no signatory named: no signature block
    assert "эл. почта: petrov@example.ru" in render_text(bare)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"body": ""}, "текст письма"),
        ({"body": " \n\n \t\n"}, "текст письма"),
        ({"addressee": "  "}, "адресат"),
        ({"address": ""}, "адрес адресата"),
        ({"subject": "\x00"}, "тема письма"),
        ({"number": ""}, "исходящий номер"),
        ({"letterhead": {"address": "с. Бежта"}}, "название органа"),
    ],
)
def test_an_incomplete_letter_is_refused_saying_what_to_fill(change: dict, named: str) -> None:
    bad = replace(LETTER, **change)
    for render in (render_docx, render_text):
        with pytest.raises(Invalid) as e:
            render(bad)
        assert e.value.reason.startswith("письмо не составлено: заполните ")
        assert named in e.value.reason


def test_both_missing_are_named_at_once() -> None:
    with pytest.raises(Invalid) as e:
        render_docx(replace(LETTER, addressee="", body=""))
    assert e.value.reason == "письмо не составлено: заполните адресат, текст письма"


def test_a_very_long_body_and_stray_control_characters_still_render() -> None:
    long = "\n\n".join(f"Абзац {n}: " + "длинный текст ответа " * 40 for n in range(400))
    long += "\n\n" + "Ж" * 100_000 + "\x00\x07\x1b конец"
    started = time.monotonic()
    data = render_docx(replace(LETTER, body=long, subject="Тема\x0bс переводом"))
    took = time.monotonic() - started
    paras, _, _ = opened(data)
    assert paras[2] == "Тема с переводом"
    assert len(paras) == 2 + 1 + 401 and paras[-1] == "Ж" * 100_000 + " конец"
    assert paras[-2].startswith("Абзац 399: длинный текст ответа")
    assert took < 10, f"{took:.1f} s for a long letter"
    assert render_text(replace(LETTER, body=long)).count("Абзац ") == 400
