"""What grew and what it is about, over real HTTP: the growth report's JSON and sheet carry the
problems (label, count, item numbers), and the dashboard's growth view lists them."""

import re
from html import unescape

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.conftest import Api
from tests.api.test_dashboard import browser
from tests.api.test_reports_api import get, ok, read_xlsx
from tests.causes_kit import seed_problems
from tests.workflows.reports.test_reports import NOW
from workflows.core.clock import FakeClock


async def test_growth_report_carries_the_problems(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    clock.set(NOW)
    texts = await seed_problems(sm, muni)
    points = (await ok(api, "curator", "growth", period="2026-W45"))["points"]
    assert {p["name"] for p in points} == {"Дороги", "хутор Малый"}
    for p in points:
        problems = p["problems"]
        assert set(problems[0]) == {"label", "count", "examples", "other"}
        top = problems[0]
        assert "сосульки" in top["label"] and not top["other"] and top["count"] >= 9
        assert all(e["number"].startswith("S-") for e in top["examples"])
        assert {e["text"] for e in top["examples"]} <= {t[:160] for t in texts["ice"]}
        assert problems[-1]["other"] and problems[-1]["label"] == "прочее"
        assert sum(x["count"] for x in problems) == p["count"] == 24
    table = read_xlsx(await get(api, "curator", "growth", period="2026-W45", format="xlsx"))
    sheet = table["Точки роста"]
    assert sheet[0][-2:] == ("Проблемы", "Примеры")
    first = points[0]["problems"][0]
    cell = f"{first['label']} — {first['count']}, {first['examples'][0]['number']}"
    assert any(str(row[-2]).startswith(cell) for row in sheet[1:])


async def test_dashboard_shows_what_the_growth_is_about(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    clock.set(NOW)
    await seed_problems(sm, muni)
    points = (await ok(api, "head", "growth", period="2026-W45"))["points"]
    async with browser(api, "head") as c:
        html = (await c.get("/dashboard", params={"period": "2026-W45"})).text
    growth = re.search(r'id="growth">(.*?)</section>', html, re.S)
    assert growth
    shown = [
        (unescape(label), int(n))
        for label, n in re.findall(r'<li class="problem"><b>(.*?)</b> — (\d+)', growth[1])
    ]
    expected = [(x["label"], x["count"]) for p in points for x in p["problems"]]
    assert shown == expected and ("прочее", expected[-1][1]) == shown[-1]
    top = points[0]["problems"][0]["examples"][0]
    assert f"<b>{top['number']}</b>" in growth[1]
