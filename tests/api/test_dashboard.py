"""The dashboard over HTTP: the cookie login, the seeded week's figures, refusals as Russian HTML."""

import contextlib
import io
import re
from collections.abc import AsyncIterator
from html import unescape

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.reports.files import XLSX
from tests.api.conftest import Api
from tests.workflows.reports.test_reports import (
    NOW,
    at,
    other_municipality,
    seed,
    seed_potholes,
    seed_week,
)
from workflows.core.clock import FakeClock

PNG = b"\x89PNG\r\n\x1a\n"
CELL = r"<t[dh][^>]*>(.*?)</t[dh]>"


@contextlib.asynccontextmanager
async def browser(api: Api, who: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, logged in through the form when `who` is given."""
    async with httpx.AsyncClient(base_url=str(api.client.base_url), timeout=30) as c:
        if who is not None:
            r = await c.post("/dashboard/login", data={"token": api.tokens[who]})
            assert r.status_code == 303, r.text
        yield c


def figure(html: str, key: str) -> str:
    """The value of one summary card."""
    m = re.search(rf'data-figure="{key}">.*?<b class="value">([^<]*)</b>', html, re.S)
    assert m, f"no card {key}"
    return m[1]


def rows(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, f"no table {table}"
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(CELL, tr, re.S)]
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body[1], re.S)
    ]


async def test_login_keeps_a_session_in_strict_httponly_cookie(api: Api) -> None:
    async with browser(api) as c:
        first = await c.get("/dashboard")
        assert first.status_code == 200 and 'name="token"' in first.text
        assert "text/html" in first.headers["content-type"]
        r = await c.post("/dashboard/login", data={"token": api.tokens["curator"]})
        assert r.status_code == 303 and r.headers["location"] == "/dashboard"
        cookie = r.headers["set-cookie"].lower()
        for part in ("httponly", "samesite=strict", "path=/dashboard", "max-age="):
            assert part in cookie
        assert api.tokens["curator"].lower() not in cookie, "a session id, never the token"
        page = await c.get("/dashboard")
        assert page.status_code == 200 and "Выйти" in page.text and 'id="summary"' in page.text
        assert api.tokens["curator"] not in page.text
        assert page.headers["cache-control"] == "no-store"
        out = await c.post("/dashboard/logout")
        assert out.status_code == 303 and "max-age=0" in out.headers["set-cookie"].lower()
        again = await c.get("/dashboard")
        assert 'name="token"' in again.text and 'id="summary"' not in again.text


async def test_recipient_wrong_and_revoked_tokens_are_refused(api: Api) -> None:
    async with browser(api) as c:
        r = await c.post("/dashboard/login", data={"token": api.tokens["water"]})
        assert r.status_code == 403 and "недоступна исполнителям" in r.text
        assert "mcu_dashboard=" not in r.headers.get("set-cookie", "").replace('=""', "")
        r = await c.post("/dashboard/login", data={"token": "mcu_not-a-real-token"})
        assert r.status_code == 401 and "токен не найден или отозван" in r.text
        r = await c.post("/dashboard/login", data={"token": ""})
        assert r.status_code == 401 and "Введите токен" in r.text
        r = await c.post(
            "/dashboard/login",
            data={"token": api.tokens["curator"]},
            headers={"Origin": "https://evil.example"},
        )
        assert r.status_code == 403 and "чужого сайта" in r.text
        c.cookies.set("mcu_dashboard", "mcu_forged", domain="127.0.0.1", path="/dashboard")
        r = await c.get("/dashboard")
        assert r.status_code == 401 and 'name="token"' in r.text
        assert "max-age=0" in r.headers["set-cookie"].lower()
        chart = await c.get("/dashboard/chart/weekly.png")
        assert chart.status_code == 401
    async with browser(api) as anonymous:
        chart = await anonymous.get("/dashboard/chart/heatmap.png")
        assert chart.status_code == 401 and "Войдите" in chart.text


async def test_page_shows_the_seeded_week(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    await seed_week(sm, muni)
    assert api.rt.clock is clock
    clock.set(NOW)
    async with browser(api, "viewer") as c:
        default = await c.get("/dashboard")  # last week: week 45
        page = await c.get("/dashboard", params={"period": "2026-W45"})
    assert page.status_code == 200
    html = page.text
    assert "2–8 ноября 2026" in html and "2026-W45" in default.text
    expected = {
        "received": "5",
        "answered": "3",
        "on_time": "66,7 %",
        "take_median": "6,0 ч",
        "answer_median": "13,9 ч",
        "overdue_now": "2",
        "open_now": "5",
        "solved": "50,0 %",
        "mean_rating": "3,50",
        "reopened": "1",
    }
    assert {k: figure(html, k) for k in expected} == expected
    assert {k: figure(default.text, k) for k in expected} == expected
    assert "Telegram: 3" in html
    rating = rows(html, "rating")
    names = [r[1] for r in rating]
    assert names[:1] == ["Исполнитель водоснабжение"] and all(r[0] == "—" for r in rating)
    water = rating[0]
    assert water[2:5] == ["ЖКХ", "3", "66,7 %"]
    heat = rows(html, "heatmap")
    assert heat[0][0] == "ЖКХ" and heat[0][1].startswith("3 просрочено 66,7 %")
    overdue = rows(html, "overdue")
    assert len(overdue) == 2
    assert [o[3] for o in overdue] == ["Исполнитель отопление"] * 2
    assert "01.10.2026 10:00" in overdue[0][4]  # Z first: the longest overdue
    assert 'src="/dashboard/chart/weekly.png?period=2026-W45"' in html
    assert "Заметного роста обращений нет" in html


async def test_growth_points_show_example_items(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    await seed_potholes(sm, muni)  # nothing before, eight potholes in the hamlet this week
    clock.set(NOW)
    async with browser(api, "head") as c:
        html = (await c.get("/dashboard", params={"period": "2026-W45"})).text
    growth = re.search(r'id="growth">(.*?)</section>', html, re.S)
    assert growth
    assert "Тема: Дороги" in growth[1] and "Место: хутор Малый" in growth[1]
    # The potholes are one problem, shown by its most central items (not the latest ones).
    assert re.search(r'<li class="problem"><b>[^<]*яма[^<]*</b> — 8', growth[1])
    assert re.search(r"<b>S-\d+</b> — яма на дороге номер \d", growth[1])


async def test_sector_lead_sees_only_own_sector(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    k = await seed_week(sm, muni)
    clock.set(NOW)
    async with browser(api, "lead_roads") as c:
        own = await c.get("/dashboard", params={"period": "2026-W45"})
        other = await c.get("/dashboard", params={"period": "2026-W45", "sector": k["zhkh"]})
    assert own.status_code == 200
    assert figure(own.text, "received") == "1" and figure(own.text, "overdue_now") == "0"
    assert other.status_code == 403 and "только свой сектор" in other.text


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"period": "вчера"}, 422, "не распознан"),
        ({"period": "2020-01-01..2026-01-01"}, 422, "слишком длинный"),
        ({"period": "2026-W54"}, 422, "нет недели 54"),
        ({"period": "<b>x</b>"}, 422, "«&lt;b&gt;x&lt;/b&gt;» не распознан"),
        ({"municipality": "abc"}, 422, "ожидается номер"),
        ({"sector": "999999"}, 404, "Сектор 999999 не найден"),
        ({"sector": "1;drop"}, 422, "ожидается номер"),
        ({"municipality": "999999"}, 403, "Нет доступа к этому муниципалитету"),
    ],
)
async def test_bad_filters_get_clear_html(
    api: Api, params: dict[str, str], status: int, words: str
) -> None:
    async with browser(api, "curator") as c:
        r = await c.get("/dashboard", params=params)
        chart = await c.get("/dashboard/chart/weekly.png", params=params)
    assert r.status_code == status and "text/html" in r.headers["content-type"]
    assert words in r.text and 'id="error"' in r.text and 'id="filters"' in r.text
    assert chart.status_code == status and unescape(words) in chart.text  # plain text


async def test_regional_token_picks_a_municipality(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    await seed_week(sm, muni)
    other = await other_municipality(sm, clock)
    await seed(sm, other, registered_at=at(3, 10))
    clock.set(NOW)
    async with browser(api, "bootstrap") as c:
        everyone = await c.get("/dashboard", params={"period": "2026-W45"})
        one = await c.get("/dashboard", params={"period": "2026-W45", "municipality": other})
        missing = await c.get("/dashboard", params={"municipality": "999999"})
        sector = await c.get("/dashboard", params={"sector": "1"})
    assert 'id="municipality"' in everyone.text and "Тестовый муниципальный округ" in everyone.text
    assert figure(everyone.text, "received") == "6" and figure(one.text, "received") == "1"
    assert missing.status_code == 404 and "Муниципалитет 999999 не найден" in missing.text
    assert sector.status_code == 422 and "сначала выберите муниципалитет" in sector.text
    async with browser(api, "curator") as c:
        foreign = await c.get("/dashboard", params={"municipality": other})
    assert foreign.status_code == 403 and 'id="municipality"' not in foreign.text


async def test_charts_are_png(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    await seed_week(sm, muni)
    clock.set(NOW)
    async with browser(api, "curator") as c:
        for name in ("weekly", "heatmap"):
            r = await c.get(f"/dashboard/chart/{name}.png", params={"period": "2026-W45"})
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            assert r.content.startswith(PNG) and len(r.content) > 10_000, name


async def test_items_export_is_the_whole_list_the_note_points_to(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    k = await seed_week(sm, muni)
    clock.set(NOW)
    async with browser(api, "curator") as c:
        page = await c.get("/dashboard", params={"period": "2026-W45"})
        r = await c.get("/dashboard/items.xlsx", params={"period": "2026-W45"})
        bad = await c.get("/dashboard/items.xlsx", params={"period": "вчера"})
    async with browser(api, "lead_roads") as c:
        own = await c.get("/dashboard/items.xlsx", params={"period": "2026-W45"})
        other = await c.get(
            "/dashboard/items.xlsx", params={"period": "2026-W45", "sector": k["zhkh"]}
        )
    async with browser(api) as c:
        anonymous = await c.get("/dashboard/items.xlsx", params={"period": "2026-W45"})
    assert 'href="/dashboard/items.xlsx?period=2026-W45"' in page.text
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert 'filename="items-2026-W45.xlsx"' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content))["Обращения"]
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(numbers) == 5  # A B C D E, registered in week 45, oldest first
    assert len(list(load_workbook(io.BytesIO(own.content))["Обращения"].iter_rows(min_row=2))) == 1
    assert other.status_code == 403 and "только свой сектор" in other.text
    assert bad.status_code == 422 and "не распознан" in bad.text
    assert anonymous.status_code == 401 and "Войдите" in anonymous.text
