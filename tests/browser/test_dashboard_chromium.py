"""The dashboard in real headless Chromium: log in, read the figures, see the charts drawn.

Needs the system Chromium (Debian package `chromium`) and Playwright for Python (dev extra);
Playwright drives the installed browser, so no browser download is needed. Without Chromium the
test fails, unless MCU_SKIP_BROWSER=1 says this machine is not meant to run browsers.
"""

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ItemStatus, Role
from models.db import make_sessionmaker
from models.settings import Settings
from tests.api.conftest import serve
from tests.helpers import staff
from tests.workflows.reports.test_reports import NOW, at, ids, seed, seed_week
from workflows.core.clock import FakeClock
from workflows.jobs.runtime import Runtime
from workflows.staff.tokens import check_create_token

CHROMIUM = os.environ.get("MCU_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu"]
SHOT = Path(__file__).resolve().parents[2] / "bench" / "out" / "dashboard.png"
BLUE, GREEN = (0x3B, 0x6F, 0xB6), (0x4A, 0x9D, 0x5B)  # bar colours of workflows/reports/charts.py


@pytest.fixture
def launcher() -> Any:
    """Playwright's entry point, or a clear failure saying what is missing."""
    if os.environ.get("MCU_SKIP_BROWSER") == "1":
        pytest.skip("MCU_SKIP_BROWSER=1: browser tests are switched off on this machine")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium), "
            "point MCU_CHROMIUM at it, or set MCU_SKIP_BROWSER=1 to skip browser tests"
        )
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[dev]'")
    return async_playwright


@pytest.fixture
async def site(
    engine: AsyncEngine, sm: async_sessionmaker[AsyncSession], clock: FakeClock, muni: int
) -> AsyncIterator[tuple[str, str]]:
    """The app under uvicorn over week 45 (seeded), and a curator's token."""
    await seed_week(sm, muni)
    k = await ids(sm, muni)
    for i in range(5):  # enough answers for the heating recipient to get a rank
        await seed(
            sm,
            muni,
            sector_id=k["zhkh"],
            locality_id=k["hamlet"],
            assignee_id=k["heat"],
            registered_at=at(2, 9 + i),
            answered_at=at(5, 10 + i),
            answer_wsec=3600 * (i + 1),
            due_at=at(20, 18),
            status=ItemStatus.answered,
            rating=4,
        )
    clock.set(NOW)
    curator = await staff(sm, "curator")
    async with sm() as s:
        token = await check_create_token(
            s,
            name="куратор в браузере",
            role=Role.curator,
            municipality_id=muni,
            staff_id=curator.id,
            now=clock.now(),
        )
    settings = Settings(MCU_ENV="test")  # type: ignore[call-arg]
    async with serve(Runtime(engine, make_sessionmaker(engine), clock, settings)) as base:
        yield base, token


def rgb(region: Image.Image) -> Any:
    """The region as an (h, w, 3) array of signed ints (so differences do not wrap)."""
    return np.asarray(region.convert("RGB"), dtype=np.int32)


def near(pixels: Any, colour: tuple[int, int, int], tolerance: int = 24) -> int:
    """How many pixels are within a tolerance of a colour."""
    return int((np.abs(pixels - np.array(colour)) <= tolerance).all(axis=-1).sum())


def inked(pixels: Any) -> float:
    """Share of pixels that are not (almost) white."""
    return float((pixels.min(axis=-1) < 235).mean())


async def test_curator_logs_in_and_sees_figures_and_charts(
    launcher: Any, site: tuple[str, str]
) -> None:
    base, token = site
    async with launcher() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(10_000)
            await page.goto(f"{base}/dashboard")
            await page.fill("#token", token)
            await page.click("#login-form button[type=submit]")
            await page.wait_for_selector("#summary")

            async def card(key: str) -> str:
                return await page.inner_text(f"[data-figure={key}] .value")

            # Week 45 (last week on 10 November): seed_week's five plus five answered by heat.
            assert await card("received") == "10"
            assert await card("answered") == "8"
            assert await card("on_time") == "87,5 %"  # 7 of 8, B was late
            assert await card("overdue_now") == "2"
            assert await page.locator("#rating").is_visible()
            first = await page.locator("#rating tbody tr").first.inner_text()
            assert first.split("\t")[:2] == ["1", "Исполнитель отопление"], first

            await page.wait_for_function(
                "() => [...document.querySelectorAll('img.chart')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            widths = await page.eval_on_selector_all(
                "img.chart", "els => els.map(e => e.naturalWidth)"
            )
            assert len(widths) == 2 and min(widths) > 300
            boxes = await page.eval_on_selector_all(
                "img.chart",
                "els => els.map(e => { const r = e.getBoundingClientRect();"
                " return [r.left + scrollX, r.top + scrollY, r.right + scrollX,"
                " r.bottom + scrollY]; })",
            )
            shot = await page.screenshot(full_page=True)
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            SHOT.write_bytes(shot)

            await page.fill("#period", "2026-W44")
            await page.click("#filters button[type=submit]")
            await page.wait_for_url("**period=2026-W44**")
            assert "26 октября – 1 ноября 2026" in await page.inner_text("#heading")
            assert await card("received") == "1"  # Sunday 1 November, 23:59 Moscow
            await page.click("text=прошлая неделя")
            await page.wait_for_url("**period=last-week**")
            assert await card("received") == "10"
        finally:
            await browser.close()

    image = Image.open(io.BytesIO(shot))
    weekly, heat = (rgb(image.crop(tuple(round(v) for v in box))) for box in boxes)
    assert inked(weekly) > 0.03 and inked(heat) > 0.03, "a chart region is blank"
    assert near(weekly, BLUE) > 300, "no 'received' bars in the weekly chart"
    assert near(weekly, GREEN) > 300, "no 'answered' bars in the weekly chart"
    r, g, b = heat[..., 0], heat[..., 1], heat[..., 2]
    shaded = int(((r > 150) & (r - b > 60) & (r - g > 40)).sum())
    assert shaded > 300, "the heat map chart has no shaded cells"


async def test_operator_accepts_a_post_on_the_social_desk(
    launcher: Any,
    engine: AsyncEngine,
    sm: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    muni: int,
) -> None:
    """The desk's form post from a real browser (its Origin header, the session's token)."""
    from tests.api.test_social_api import Record
    from workflows.incidents.candidates import get_vocabulary
    from workflows.incidents.incidents import check_store_and_accept

    text = "В селе Тестовое прорвало водопровод, нет воды второй день"
    async with sm() as s:
        vocabulary = await get_vocabulary(s, municipality_id=muni)
    async with sm() as s:
        await check_store_and_accept(
            s,
            municipality_id=muni,
            seen=[Record(1, None, clock.now(), text)],
            vocabulary=vocabulary,
            threshold=0.5,
            accept_above=None,
            clock=clock,
        )
    operator = await staff(sm, "operator")
    async with sm() as s:
        token = await check_create_token(
            s,
            name="оператор в браузере",
            role=Role.operator,
            municipality_id=muni,
            staff_id=operator.id,
            now=clock.now(),
        )
    settings = Settings(MCU_ENV="test")  # type: ignore[call-arg]
    async with (
        serve(Runtime(engine, make_sessionmaker(engine), clock, settings)) as base,
        launcher() as p,
    ):
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(10_000)
            await page.goto(f"{base}/dashboard")
            await page.fill("#token", token)
            await page.click("#login-form button[type=submit]")
            await page.click("#nav-social")
            await page.wait_for_selector("#candidates")
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            (SHOT.parent / "social.png").write_bytes(await page.screenshot(full_page=True))
            await page.click("#candidates button:has-text('Это проблема')")
            await page.wait_for_selector("#done")
            assert "Публикация принята" in await page.inner_text("#done")
            assert await page.locator("section.incident").count() == 1
            assert text in await page.inner_text("section.incident")
        finally:
            await browser.close()
