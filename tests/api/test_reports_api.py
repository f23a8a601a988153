"""The report API over real HTTP: figures against a seeded week, files, scoping and refusals."""

import csv
import io
import re
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.reports.exports import ITEM_HEADER
from api.reports.files import XLSX
from models import ApiToken, Citizen, Item, ItemEvent, ItemStatus, Role
from tests.api.conftest import Api
from tests.workflows.reports.test_reports import (
    NOW,
    at,
    other_municipality,
    seed,
    seed_potholes,
    seed_rating,
    seed_week,
)
from workflows.core.clock import FakeClock
from workflows.staff.tokens import check_create_token

CYRILLIC = re.compile("[а-яА-ЯёЁ]")


async def get(api: Api, who: str, path: str, **params: Any) -> httpx.Response:
    headers = api.auth(who) if who in api.tokens else {}
    return await api.client.get(f"/api/v1/reports/{path}", headers=headers, params=params)


async def ok(api: Api, who: str, path: str, **params: Any) -> dict[str, Any]:
    r = await get(api, who, path, **params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
async def week(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> dict[str, int]:
    """Week 45 of 2026 as in the workflow tests, seen from the Tuesday after it."""
    clock.set(NOW)
    return await seed_week(sm, muni)


def read_csv(r: httpx.Response) -> list[list[str]]:
    assert r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens UTF-8 with the BOM
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(r: httpx.Response) -> dict[str, list[tuple[Any, ...]]]:
    assert r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content))  # not read-only: rows keep their trailing blanks
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb}


def filename(r: httpx.Response) -> str:
    m = re.fullmatch(r'attachment; filename="([A-Za-z0-9._-]+)"', r.headers["content-disposition"])
    assert m, r.headers["content-disposition"]
    return m[1]


# ---- figures ---------------------------------------------------------------------------------


async def test_summary_counts_the_seeded_week(api: Api, week: dict[str, int]) -> None:
    body = await ok(api, "curator", "summary", period="2026-W45")
    got = body["summary"]
    assert got["received"] == 5  # A B C D E; not the Sunday before nor the Monday after
    assert got["by_channel"] == {"telegram": 3, "api": 1, "paper": 1}
    assert (got["taken"], got["answered"], got["closed"], got["reopened"]) == (4, 3, 1, 1)
    assert (got["answered_late"], got["on_time_share"]) == (1, 0.6667)
    assert (got["open_now"], got["overdue_now"]) == (5, 2)
    assert got["take_median_h"] == 6.0 and got["mean_rating"] == 3.5
    assert body["period"] == {
        "code": "2026-W45",
        "label": "2–8 ноября 2026",
        "start": "2026-11-01T21:00:00Z",
        "end": "2026-11-08T21:00:00Z",
        "first": "2026-11-02",
        "last": "2026-11-08",
        "tz": "Europe/Moscow",
    }
    assert body["scope"] == {
        "municipality": {"code": "testmo", "name": "Тестовый муниципальный округ"},
        "sector": None,
        "channel": None,  # no cut: every channel and every kind
        "kind": None,
    }
    default = await ok(api, "head", "summary")  # last-week from Tuesday 10 November is week 45
    assert default["period"]["code"] == "2026-W45" and default["summary"] == got


async def test_summary_as_csv_and_xlsx(api: Api, week: dict[str, int]) -> None:
    r = await get(api, "curator", "summary", period="2026-W45", format="csv")
    assert filename(r) == "summary-testmo-2026-W45.csv"
    rows = read_csv(r)
    assert rows[0] == ["Показатель", "Значение"]
    figures = dict(rows[1:])
    assert figures["Поступило"] == "5" and figures["Просрочено сейчас"] == "2"
    assert figures["Поступило: Telegram"] == "3" and figures["Поступило: инцидент"] == "1"
    assert figures["Доля ответов в срок"] == "0.6667"

    r = await get(api, "curator", "summary", period="2026-W45", format="xlsx")
    assert filename(r) == "summary-testmo-2026-W45.xlsx"
    sheets = read_xlsx(r)
    assert list(sheets) == ["Сводка", "Параметры"]
    values = dict(sheets["Сводка"][1:])
    assert values["Поступило"] == 5 and values["Дан ответ"] == 3 and values["Средняя оценка"] == 3.5
    about = dict(sheets["Параметры"][1:])
    assert about["Период"] == "2–8 ноября 2026" and about["Отраслевой блок"] == "все"


async def test_rating_ranks_people_and_sectors(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    clock.set(NOW)
    k = await seed_rating(sm, muni)
    rows = (await ok(api, "curator", "rating", period="2026-W45"))["rows"]
    assert [(r["key"], r["score"], r["rank"]) for r in rows] == [
        (k["water"], 87.5, 1),
        (k["heat"], 80.0, 2),
        (k["roadman"], None, None),
    ]
    assert rows[0]["name"] == "Исполнитель водоснабжение" and rows[0]["sector"] == "ЖКХ"
    assert (rows[1]["open_now"], rows[1]["overdue_now"]) == (2, 1)
    sectors = (await ok(api, "curator", "rating", period="2026-W45", by="sector"))["rows"]
    assert [(r["name"], r["answered"], r["rank"]) for r in sectors] == [
        ("ЖКХ", 11, 1),
        ("Дороги", 2, None),
    ]

    r = await get(api, "curator", "rating", period="2026-W45", format="xlsx")
    assert filename(r) == "rating-recipient-testmo-2026-W45.xlsx"
    table = read_xlsx(r)["Рейтинг"]
    assert table[0][:4] == ("Место", "Исполнитель", "Блок", "Ответов")
    assert table[0][-1] == "Балл"
    assert [row[:4] for row in table[1:]] == [
        (1, "Исполнитель водоснабжение", "ЖКХ", 6),
        (2, "Исполнитель отопление", "ЖКХ", 5),
        (None, "Исполнитель дороги", "Дороги", 2),
    ]
    assert [row[-1] for row in table[1:]] == [87.5, 80.0, None]
    r = await get(api, "curator", "rating", period="2026-W45", by="sector", format="csv")
    rows_csv = read_csv(r)
    assert rows_csv[0][:3] == ["Место", "Блок", "Ответов"]
    assert [row[:3] for row in rows_csv[1:]] == [["1", "ЖКХ", "11"], ["", "Дороги", "2"]]


async def test_heatmap_weekly_overdue_and_decisions(api: Api, week: dict[str, int]) -> None:
    cells = (await ok(api, "curator", "heatmap", period="2026-W45"))["cells"]
    assert {(c["sector"], c["locality"]): (c["count"], c["overdue"]) for c in cells} == {
        ("ЖКХ", "село Тестовое"): (3, 2),
        ("Дороги", "хутор Малый"): (1, 0),
        ("без сектора", "не указано"): (1, 0),
    }
    two = "2026-10-26..2026-11-08"
    by_week = (await ok(api, "curator", "heatmap", period=two, by_week="true"))["cells"]
    assert {(c["sector"], c["week"]): c["count"] for c in by_week} == {
        ("ЖКХ", "2026-W45"): 3,
        ("Дороги", "2026-W45"): 1,
        ("без сектора", "2026-W45"): 1,
        ("ЖКХ", "2026-W44"): 1,
    }
    weeks = (await ok(api, "curator", "weekly", period=two))["weeks"]
    assert weeks == [
        {"week": "2026-W44", "received": 1, "answered": 0, "answered_late": 0},
        {"week": "2026-W45", "received": 5, "answered": 3, "answered_late": 1},
    ]
    rows = read_csv(await get(api, "curator", "weekly", period=two, format="csv"))
    assert rows == [
        ["Неделя", "Поступило", "Отвечено", "С опозданием"],
        ["2026-W44", "1", "0", "0"],
        ["2026-W45", "5", "3", "1"],
    ]

    overdue = (await ok(api, "head", "overdue"))["items"]
    assert [(o["status"], o["assignee"], o["sector"]) for o in overdue] == [
        ("in_progress", "Исполнитель отопление", "ЖКХ"),  # Z, due 1 October: longest first
        ("assigned", "Исполнитель отопление", "ЖКХ"),  # D, due 5 November
    ]
    assert overdue[0]["status_ru"] == "в работе" and overdue[0]["overdue_hours"] > 900
    decisions = (await ok(api, "head", "decisions"))["items"]
    assert sorted(d["why"] for d in decisions) == ["не распределено", "открыто повторно"]
    r = await get(api, "head", "decisions", format="xlsx")
    assert filename(r) == "decisions-testmo-2026-11-10.xlsx"  # a list of now: today's date
    table = read_xlsx(r)["Ждут решения"]
    assert table[0][-1] == "Почему ждёт решения" and len(table) == 3


async def test_growth_needs_one_week_and_finds_the_rise(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    clock.set(NOW)
    await seed_potholes(sm, muni)  # nothing before, eight potholes in the hamlet this week
    points = (await ok(api, "curator", "growth", period="2026-W45"))["points"]
    assert {(p["dimension"], p["name"], p["count"]) for p in points} == {
        ("sector", "Дороги", 8),
        ("locality", "хутор Малый", 8),
    }
    assert points[0]["examples"][0]["text"] == "яма на дороге номер 7"
    same = await ok(api, "curator", "growth", period="2026-11-02..2026-11-08")
    assert same["points"] == points
    r = await get(api, "curator", "growth", period="2026-11")
    assert r.status_code == 422
    assert "понедельника по воскресенье" in r.json()["reason"] and "30 дн." in r.json()["reason"]
    table = read_xlsx(await get(api, "curator", "growth", period="2026-W45", format="xlsx"))
    assert sorted(row[1] for row in table["Точки роста"][1:]) == ["Дороги", "хутор Малый"]


async def test_items_export_without_personal_data(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, week: dict[str, int]
) -> None:
    async with sm() as s:
        citizen = (
            await s.execute(
                insert(Citizen)
                .values(
                    created_at=NOW,
                    name="Петров Пётр",
                    phone="+79001112233",
                    address="ул. Садовая, 7",
                )
                .returning(col(Citizen.id))
            )
        ).scalar_one()
        await s.commit()
    await seed(
        sm,
        muni,
        number="ТСТ-2026-000777",
        citizen_id=citizen,
        sector_id=week["roads"],
        registered_at=at(6, 12),
        text="Яма у школы",
    )
    body = await ok(api, "curator", "items", period="2026-W45")
    got = body["items"]
    assert len(got) == 6 and [i["registered_at"] for i in got] == sorted(
        i["registered_at"] for i in got
    )
    b = got[1]  # B: answered after its deadline
    assert (b["status"], b["late"], b["assignee"], b["sector"]) == (
        "answered",
        True,
        "Исполнитель водоснабжение",
        "ЖКХ",
    )
    assert (b["answer_hours"], b["solved"], b["rating"]) == (13.89, False, 2)
    new = next(i for i in got if i["number"] == "ТСТ-2026-000777")
    assert (new["number"], new["text"], new["locality"]) == ("ТСТ-2026-000777", "Яма у школы", None)
    leaks = ("Петров", "79001112233", "Садовая", "citizen")
    assert not any(word in str(body) for word in leaks)

    r = await get(api, "curator", "items", period="2026-W45", format="csv")
    assert filename(r) == "items-testmo-2026-W45.csv"
    rows = read_csv(r)
    assert rows[0] == list(ITEM_HEADER) and len(rows) == 7
    assert rows[2][:4] == [b["number"], "2026-11-02 12:00:00", "сообщение", "Telegram"]
    assert rows[2][6:8] == ["дан ответ", "Исполнитель водоснабжение"]
    assert rows[2][11:15] == ["да", "13.89", "нет", "2"]
    assert not any(word in r.text for word in leaks)

    r = await get(api, "curator", "items", period="2026-W45", format="xlsx")
    table = read_xlsx(r)["Обращения"]
    assert table[0] == ITEM_HEADER and len(table) == 7
    last = next(row for row in table if row[0] == "ТСТ-2026-000777")
    assert last[0] == "ТСТ-2026-000777" and last[-1] == "Яма у школы" and last[4] == "Дороги"
    assert str(last[1]) == "2026-11-06 12:00:00"  # local time, as the curator reads it
    assert not any(word in str(table) for word in leaks)


async def test_every_report_in_every_format(api: Api, week: dict[str, int]) -> None:
    for path in ("summary", "rating", "heatmap", "weekly", "growth", "overdue", "decisions"):
        for fmt in ("json", "csv", "xlsx"):
            r = await get(api, "operator", path, period="2026-W45", format=fmt)
            assert r.status_code == 200, (path, fmt, r.text)
            if fmt == "json":
                assert r.json()["period"]["code"] == "2026-W45"
            else:
                assert filename(r).endswith("." + fmt) and len(r.content) > 10


# ---- who sees what ---------------------------------------------------------------------------


async def test_sector_lead_sees_only_their_sector(api: Api, week: dict[str, int]) -> None:
    body = await ok(api, "lead_zhkh", "summary", period="2026-W45")
    assert body["scope"]["sector"] == {"code": "zhkh", "name": "ЖКХ"}
    assert body["summary"]["received"] == 3  # A B D
    same = await ok(api, "lead_zhkh", "summary", period="2026-W45", sector="zhkh")
    assert same["summary"] == body["summary"]
    r = await get(api, "lead_zhkh", "summary", sector="roads")
    assert r.status_code == 403 and "своего блока" in r.json()["reason"]
    roads = await ok(api, "curator", "items", period="2026-W45", sector="roads")
    assert [i["sector"] for i in roads["items"]] == ["Дороги"]


async def test_municipalities_are_kept_apart(
    api: Api,
    sm: async_sessionmaker[AsyncSession],
    muni: int,
    clock: FakeClock,
    week: dict[str, int],
) -> None:
    other = await other_municipality(sm, clock)
    await seed(sm, other, registered_at=at(3, 10), status=ItemStatus.new, text="чужое")
    async with sm() as s:
        regional = await check_create_token(
            s, name="область", role=Role.curator, municipality_id=None, staff_id=None, now=NOW
        )
    api.tokens["regional"] = regional
    # A municipality's curator: their own figures, never the other's.
    assert (await ok(api, "curator", "summary", period="2026-W45"))["summary"]["received"] == 5
    r = await get(api, "curator", "summary", municipality="othermo")
    assert r.status_code == 403 and "другого муниципалитета" in r.json()["reason"]
    r = await get(api, "curator", "items", municipality="othermo", format="csv")
    assert r.status_code == 403 and "чужое" not in r.text
    # A regional curator: everything, or one municipality on request.
    for who in ("regional", "bootstrap"):
        body = await ok(api, who, "summary", period="2026-W45")
        assert body["summary"]["received"] == 6 and body["scope"]["municipality"] is None
        assert body["period"]["tz"] == "Europe/Moscow"
        one = await ok(api, who, "summary", period="2026-W45", municipality="othermo")
        assert one["summary"]["received"] == 1
        assert one["scope"]["municipality"]["code"] == "othermo"
    texts = [i["text"] for i in (await ok(api, "regional", "items", period="2026-W45"))["items"]]
    assert len(texts) == 6 and "чужое" in texts
    roads = await ok(
        api, "regional", "summary", period="2026-W45", municipality="othermo", sector="roads"
    )
    assert roads["summary"]["received"] == 0 and roads["scope"]["sector"]["code"] == "roads"
    r = await get(api, "regional", "rating", period="2026-W45", format="xlsx")
    assert filename(r) == "rating-recipient-2026-W45.xlsx"


# ---- refusals --------------------------------------------------------------------------------

BAD: list[tuple[str, str, dict[str, str], int, str]] = [
    # (who, report, query, status, words in the reason)
    ("none", "summary", {}, 401, "нужен токен"),
    ("garbage", "summary", {}, 401, "токен"),
    ("water", "summary", {}, 403, "исполнителю они недоступны"),
    ("water", "items", {"format": "csv"}, 403, "исполнителю"),
    ("curator", "summary", {"period": "вчера"}, 422, "не распознан"),
    ("curator", "summary", {"period": "2026-W54"}, 422, "нет недели 54"),
    ("curator", "items", {"period": "2020-01-01..2026-01-01"}, 422, "слишком длинный"),
    ("curator", "summary", {"period": "2026-11-10..2026-11-01"}, 422, "раньше начала"),
    ("curator", "summary", {"period": "x" * 5000}, 422, "не распознан"),
    ("curator", "summary", {"period": ""}, 422, "не распознан"),
    ("curator", "rating", {"format": "pdf"}, 422, "pdf"),
    ("curator", "rating", {"format": "x" * 3000}, 422, "json, csv или xlsx"),
    ("curator", "rating", {"by": "foo"}, 422, "recipient"),
    ("curator", "growth", {"period": "2026-11"}, 422, "понедельника"),
    ("curator", "growth", {"period": "2026-11-03..2026-11-09"}, 422, "понедельника"),
    ("curator", "summary", {"municipality": "m" * 500}, 422, "длиннее"),
    ("curator", "summary", {"sector": "s" * 500}, 422, "длиннее"),
    ("curator", "summary", {"municipality": "othermo"}, 403, "другого муниципалитета"),
    ("curator", "summary", {"municipality": "nowhere"}, 404, "не найден"),
    ("curator", "summary", {"sector": "nowhere"}, 404, "не найден"),
    ("bootstrap", "summary", {"municipality": "nowhere"}, 404, "не найден"),
    ("bootstrap", "summary", {"sector": "zhkh"}, 422, "муниципалитет"),
    ("lead_zhkh", "summary", {"sector": "roads"}, 403, "своего блока"),
    ("curator", "overdue", {"limit": "100000"}, 422, "limit"),
    ("curator", "heatmap", {"by_week": "maybe"}, 422, "by_week"),
    ("curator", "nosuch", {}, 404, "такого адреса нет"),
]


async def counts(sm: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sm() as s:
        return [
            (await s.exec(select(func.count()).select_from(m))).one()
            for m in (Item, ItemEvent, ApiToken)
        ]


@pytest.mark.parametrize(("who", "path", "query", "status", "words"), BAD)
async def test_bad_report_requests_are_clear_4xx(
    api: Api,
    sm: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    week: dict[str, int],
    who: str,
    path: str,
    query: dict[str, str],
    status: int,
    words: str,
) -> None:
    await other_municipality(sm, clock)
    before = await counts(sm)
    headers = {"Authorization": "Bearer nonsense"} if who == "garbage" else {}
    headers |= api.auth(who) if who in api.tokens else {}
    r = await api.client.get(f"/api/v1/reports/{path}", headers=headers, params=query)
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["error"] and words in problem["reason"], problem
    assert await counts(sm) == before


ADMIN: list[tuple[str, str, str, Any, int]] = [
    # A viewer's token (curator role, no staff record) on the admin routes, and foreign ids.
    ("viewer", "PUT", "/api/v1/setup", "municipality: {code: testmo}", 403),
    ("viewer", "POST", "/api/v1/tokens", {"name": "x", "role": "admin"}, 403),
    ("viewer", "POST", "/api/v1/staff/1/invite", None, 403),
    ("curator", "POST", "/api/v1/tokens", {"name": "x", "role": "curator"}, 403),
    ("viewer", "GET", "/api/v1/municipalities/{other}/setup", None, 404),
    ("none", "GET", "/api/v1/municipalities", None, 401),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "status"), ADMIN)
async def test_viewer_cannot_use_admin_routes(
    api: Api,
    sm: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    who: str,
    method: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    other = await other_municipality(sm, clock)
    before = await counts(sm)
    headers = api.auth(who) if who in api.tokens else {}
    kwargs: dict[str, Any] = {"json": body} if isinstance(body, dict) else {}
    if isinstance(body, str):
        kwargs["content"] = body
        headers["Content-Type"] = "application/yaml"
    path = path.replace("{other}", str(other))
    r = await api.client.request(method, path, headers=headers, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["reason"]
    assert await counts(sm) == before


async def test_reports_are_in_openapi_with_russian_summaries(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    for name in (
        "summary",
        "rating",
        "heatmap",
        "weekly",
        "growth",
        "overdue",
        "decisions",
        "items",
    ):
        op = paths[f"/api/v1/reports/{name}"]["get"]
        assert op["tags"] == ["reports"] and CYRILLIC.search(op["summary"]), name
        params = {p["name"] for p in op["parameters"]}
        assert {"period", "municipality", "sector", "format"} <= params
        assert "text/csv" in op["responses"]["200"]["content"]
    rating = paths["/api/v1/reports/rating"]["get"]["parameters"]
    assert next(p for p in rating if p["name"] == "by")["schema"]["enum"] == ["recipient", "sector"]
