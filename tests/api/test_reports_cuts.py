"""Report cuts by channel and kind over real HTTP: the API's figures and files on the mixed week,
refusals of unknown values that compute nothing, the schema's parameters, and the dashboard."""

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.conftest import Api
from tests.api.test_dashboard import browser, figure, rows
from tests.api.test_reports_api import filename, get, ok
from tests.workflows.reports.test_cuts import seed_mixed
from tests.workflows.reports.test_reports import NOW
from workflows.core.clock import FakeClock

W45 = {"period": "2026-W45"}


@pytest.fixture
async def mixed(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> dict[str, int]:
    clock.set(NOW)
    return await seed_mixed(sm, muni)


async def received(api: Api, **cut: Any) -> int:
    got: int = (await ok(api, "curator", "summary", **W45, **cut))["summary"]["received"]
    return got


async def test_summary_cuts_count_by_channel_and_kind(api: Api, mixed: dict[str, int]) -> None:
    assert await received(api) == 10
    assert await received(api, kind="incident") == 4
    assert await received(api, channel="vk") == 5
    assert await received(api, channel="pos") == 2
    assert await received(api, channel=["vk", "pos"]) == 7  # repeated parameter
    assert await received(api, channel="vk,pos") == 7  # comma list
    assert await received(api, channel="vk", kind="message") == 1
    assert await received(api, channel="telegram", kind="incident") == 0
    body = await ok(api, "head", "summary", **W45, channel="pos,vk", kind="incident")
    assert body["scope"]["channel"] == ["pos", "vk"] and body["scope"]["kind"] == ["incident"]
    assert body["summary"]["by_channel"] == {"vk": 4}
    whole = await ok(api, "head", "summary", **W45)
    assert whole["scope"]["channel"] is None and whole["scope"]["kind"] is None


async def test_rating_heatmap_growth_and_lists_take_the_cut(
    api: Api, mixed: dict[str, int]
) -> None:
    k = mixed
    inc = await ok(api, "curator", "rating", **W45, kind="incident")
    assert {r["key"]: (r["answered"], r["open_now"]) for r in inc["rows"]} == {
        k["water"]: (2, 0),
        k["roadman"]: (0, 1),
    }
    pos = await ok(api, "curator", "rating", **W45, channel="pos", by="sector")
    assert {r["name"]: (r["answered"], r["open_now"]) for r in pos["rows"]} == {
        "ЖКХ": (1, 0),
        "Дороги": (0, 1),
    }
    heat = await ok(api, "curator", "heatmap", **W45, kind="incident")
    assert sorted((c["sector"], c["locality"], c["count"]) for c in heat["cells"]) == [
        ("Дороги", "хутор Малый", 1),
        ("ЖКХ", "село Тестовое", 2),
        ("ЖКХ", "хутор Малый", 1),
    ]
    growth = await ok(api, "curator", "growth", **W45, kind="incident")
    assert growth["scope"]["kind"] == ["incident"] and isinstance(growth["points"], list)
    items = await ok(api, "curator", "items", **W45, channel="pos")
    assert {i["channel"] for i in items["items"]} == {"pos"} and len(items["items"]) == 2
    weekly = await ok(api, "curator", "weekly", **W45, kind="incident")
    assert weekly["weeks"][0]["received"] == 4


async def test_files_say_their_cut(api: Api, mixed: dict[str, int]) -> None:
    r = await get(api, "curator", "rating", **W45, kind="incident", format="xlsx")
    assert r.status_code == 200
    assert filename(r) == "rating-recipient-testmo-incident-2026-W45.xlsx"
    book = load_workbook(io.BytesIO(r.content))
    about = dict(book["Параметры"].iter_rows(values_only=True))
    assert about["Разрез по каналу и виду"] == "вид: инцидент"
    r = await get(api, "curator", "summary", **W45, channel="vk,pos", format="csv")
    assert filename(r) == "summary-testmo-vk.pos-2026-W45.csv"
    r = await get(api, "curator", "summary", **W45, format="csv")
    assert filename(r) == "summary-testmo-2026-W45.csv"


@pytest.mark.parametrize(
    ("path", "query", "words"),
    [
        ("summary", {"channel": "whatsapp"}, "канал «whatsapp» не поддерживается; допустимые: telegram (Telegram), vk (ВКонтакте)"),
        ("rating", {"kind": "complaint"}, "вид «complaint» не поддерживается; допустимые: message (сообщение), appeal_59fz (обращение 59-ФЗ), incident (инцидент)"),
        ("heatmap", {"channel": "vk,fax"}, "«fax»"),
        ("growth", {"kind": ["incident", "x" * 500]}, "«xxxxxxxxxxxxxxxxxxxx»"),
        ("items", {"channel": "VK"}, "«VK»"),
    ],
)  # fmt: skip
async def test_unknown_channel_or_kind_is_a_clear_422(
    api: Api, mixed: dict[str, int], path: str, query: dict[str, Any], words: str
) -> None:
    r = await get(api, "curator", path, **W45, **query)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["error"] and words in problem["reason"], problem
    assert "x" * 21 not in problem["reason"]  # a long value is not echoed whole


async def test_cut_parameters_are_in_openapi(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    for name in ("summary", "rating", "heatmap", "growth", "weekly", "items"):
        params = {p["name"]: p for p in paths[f"/api/v1/reports/{name}"]["get"]["parameters"]}
        assert params["channel"]["schema"]["type"] == "array"
        assert "pos" in params["channel"]["schema"]["items"]["enum"]
        assert params["kind"]["schema"]["items"]["enum"] == ["message", "appeal_59fz", "incident"]


async def test_dashboard_cuts_and_refuses_in_russian(api: Api, mixed: dict[str, int]) -> None:
    async with browser(api, "curator") as c:
        whole = await c.get("/dashboard", params=W45)
        page = await c.get("/dashboard", params={**W45, "kind": "incident"})
        bad = await c.get("/dashboard", params={**W45, "channel": "fax"})
        chart = await c.get("/dashboard/chart/heatmap.png", params={**W45, "channel": "fax"})
    assert figure(whole.text, "received") == "10"
    assert page.status_code == 200 and figure(page.text, "received") == "4"
    assert 'id="cut"' in page.text and "вид: инцидент" in page.text
    assert '<option value="incident" selected>' in page.text
    assert "kind=incident" in page.text  # the charts and the export follow the cut
    assert [r[1] for r in rows(page.text, "rating")][:1] == ["Исполнитель водоснабжение"]
    assert bad.status_code == 422 and "Канал «fax» не поддерживается" in bad.text
    assert chart.status_code == 422 and "допустимые" in chart.text
