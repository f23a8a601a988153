"""The dashboard's «Соцсети» desk over real HTTP: candidates with readable reasons and links,
«Это проблема» / «Не относится», split and merge by form; a role that may not decide, a bad
merge target, a form without the session's token or from another site — a clear message on the
page and nothing changed."""

import re
from datetime import timedelta
from html import unescape

import httpx
from sqlmodel import col, select

from models import Item, ItemKind, RoutingRule, SocialPost, SocialStatus, Staff
from tests.api.conftest import Api
from tests.api.test_dashboard import browser
from tests.api.test_social_api import Record, read

PAGE = "/dashboard/social"


def token(html: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]+)"', html)
    assert found, "the page's forms carry the session's token"
    return found[1]


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def candidate_ids(html: str) -> list[int]:
    table = re.search(r'<table id="candidates">(.*?)</table>', html, re.S)
    return [int(i) for i in re.findall(r'<tr data-post="(\d+)">', table[1])] if table else []


async def post(c: httpx.AsyncClient, action: str, **form: str | int) -> httpx.Response:
    page = await c.get(PAGE)
    data = {"token": token(page.text), **{k: str(v) for k, v in form.items()}}
    return await c.post(f"{PAGE}/{action}", data=data)


async def snapshot(api: Api) -> list[dict[str, object]]:
    async with api.rt.sm() as s:
        posts = [
            p.model_dump() for p in await s.exec(select(SocialPost).order_by(col(SocialPost.id)))
        ]
        items = [i.model_dump() for i in await s.exec(select(Item).order_by(col(Item.id)))]
    return posts + items


async def incidents(api: Api) -> dict[int, list[int]]:
    """Open incidents → their posts' post_id."""
    async with api.rt.sm() as s:
        rows = await s.exec(select(SocialPost).where(col(SocialPost.item_id).is_not(None)))
        out: dict[int, list[int]] = {}
        for p in rows:
            item = await s.get(Item, p.item_id)
            assert item is not None and item.kind is ItemKind.incident
            if item.merged_into_id is None:
                out.setdefault(item.id or 0, []).append(p.post_id)
    return {k: sorted(v) for k, v in out.items()}


async def test_the_operator_works_the_desk_in_the_dashboard(api: Api, muni: int) -> None:
    at = api.rt.clock.now() - timedelta(hours=2)
    water, again, _advert, road, greeting = await read(
        api,
        muni,
        [
            Record(1, None, at, "В селе Тестовое прорвало водопровод, нет воды второй день"),
            Record(2, None, at + timedelta(minutes=30), "Тестовое: водопровод прорвало, воды нет"),
            Record(3, None, at, "Продаю дрова недорого, доставка, звоните"),
            Record(4, None, at, "Яма на дороге в селе Тестовое, машины бьются, опасно"),
            Record(5, None, at, "Вода в Тестовом: кто знает, когда дадут воду после ремонта?"),
        ],
    )
    async with browser(api, "operator") as c:
        home = await c.get("/dashboard")
        assert 'href="/dashboard/social"' in home.text, "the navigation links the desk"
        page = await c.get(PAGE)
        assert page.status_code == 200, page.text
        shown = candidate_ids(page.text)
        async with api.rt.sm() as s:
            waiting = list(
                await s.exec(
                    select(SocialPost)
                    .where(SocialPost.status == SocialStatus.candidate)
                    .order_by(col(SocialPost.score).desc(), col(SocialPost.posted_at).desc())
                )
            )
        assert shown == [p.id for p in waiting] and water.id in shown
        assert _advert.id not in shown, "below the threshold: not on the desk"
        assert f"Ждут решения: {len(waiting)}" in text(page.text)
        assert "ЖКХ: водопровод" in text(page.text), "a sector's word with the sector's name"
        assert "место: " in text(page.text) and "signal" not in page.text
        assert 'href="https://vk.com/wall-3_1"' in page.text
        assert "Это проблема" in page.text and "Не относится" in page.text
        assert "Мониторинг соцсетей для муниципалитета не включён" in text(page.text)

        accepted = await post(c, "accept", post=water.id or 0)
        assert accepted.status_code == 303, accepted.text
        assert (await c.get(accepted.headers["location"])).text.count('id="done"') == 1
        assert (await post(c, "accept", post=again.id or 0)).status_code == 303
        assert (await post(c, "accept", post=road.id or 0)).status_code == 303
        assert (await post(c, "dismiss", post=greeting.id or 0)).status_code == 303
        found = await incidents(api)
        assert sorted(found.values()) == [[1, 2], [4]], "two posts about one water main joined"
        page = await c.get(PAGE)
        assert candidate_ids(page.text) == []
        assert "Новых публикаций на разбор нет" in text(page.text)
        assert page.text.count('class="panel incident"') == 2
        assert "объединить с инцидентом №" in text(page.text) and "Отделить" in page.text

        assert (await post(c, "split", post=again.id or 0)).status_code == 303
        found = await incidents(api)
        assert sorted(found.values()) == [[1], [2], [4]]
        (water_item,) = [k for k, v in found.items() if v == [1]]
        (split_item,) = [k for k, v in found.items() if v == [2]]
        merged = await post(c, "merge", item=split_item, into=water_item)
        assert merged.status_code == 303, merged.text
        assert sorted((await incidents(api)).values()) == [[1, 2], [4]]
    async with api.rt.sm() as s:
        row = await s.get(SocialPost, greeting.id)
        assert row is not None and row.status is SocialStatus.dismissed and not row.auto


async def test_refusals_are_shown_on_the_page_and_change_nothing(api: Api, muni: int) -> None:
    at = api.rt.clock.now() - timedelta(hours=1)
    (water, road) = await read(
        api,
        muni,
        [
            Record(1, None, at, "В селе Тестовое нет воды, водопровод прорвало"),
            Record(2, None, at, "Яма на дороге в селе Тестовое, машины бьются, опасно"),
        ],
    )
    async with browser(api, "operator") as op:
        assert (await post(op, "accept", post=road.id or 0)).status_code == 303
    (road_item,) = await incidents(api)
    before = await snapshot(api)

    for who in ("curator", "lead_zhkh"):
        async with browser(api, who) as c:
            page = await c.get(PAGE)
            assert page.status_code == 403 and "может оператор" in text(page.text), who
            assert "прорвало" not in page.text, "residents' texts only for those who decide"
            refused = await c.post(f"{PAGE}/accept", data={"token": token_of(c), "post": water.id})
            assert refused.status_code == 403 and "может оператор" in text(refused.text)

    async with browser(api, "operator") as c:
        cases = [
            ("merge", {"item": road_item, "into": 999999}, 404, "не найден"),
            ("merge", {"item": road_item, "into": road_item}, 422, "с самим собой"),
            ("merge", {"item": road_item, "into": "x"}, 422, "ожидается номер"),
            ("merge", {"item": road_item}, 422, "Выберите инцидент"),
            ("split", {"post": road.id or 0}, 422, "единственная"),
            ("dismiss", {"post": road.id or 0}, 422, "сначала отделите"),
            ("accept", {"post": 999999}, 404, "не найдена"),
        ]
        for action, form, status, reason in cases:
            answer = await post(c, action, **form)
            assert answer.status_code == status, (action, form, answer.text[-400:])
            assert reason in text(answer.text), (action, form)
            assert 'id="error"' in answer.text and 'id="candidates"' in answer.text
        no_token = await c.post(f"{PAGE}/accept", data={"post": str(water.id)})
        assert no_token.status_code == 403 and "чужого сайта" in text(no_token.text)
        page = await c.get(PAGE)
        foreign = await c.post(
            f"{PAGE}/accept",
            data={"token": token(page.text), "post": str(water.id)},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403
    async with browser(api, "head") as other:
        stale = await other.post(
            f"{PAGE}/accept", data={"token": token(page.text), "post": str(water.id)}
        )
        assert stale.status_code == 403, "another session's token is refused"
    async with browser(api) as anonymous:
        assert (
            await anonymous.post(f"{PAGE}/accept", data={"post": str(water.id)})
        ).status_code == 401
    assert await snapshot(api) == before


def token_of(c: httpx.AsyncClient) -> str:
    """The token a session's page would carry (computed as the page does)."""
    import hashlib

    session_id = c.cookies.get("mcu_dashboard") or ""
    return hashlib.sha256(f"mcu-dashboard-form:{session_id}".encode()).hexdigest()[:40]


async def test_an_incident_officer_sees_the_desk_and_nothing_else(api: Api, muni: int) -> None:
    """A recipient named by a `kind: incident` rule decides on posts (the domain allows it): the
    dashboard sends them to the desk, and its figures stay closed to them."""
    at = api.rt.clock.now() - timedelta(hours=1)
    (water,) = await read(api, muni, [Record(1, None, at, "В селе Тестовое нет воды, водопровод")])
    async with browser(api) as c:
        refused = await c.post("/dashboard/login", data={"token": api.tokens["water"]})
        assert refused.status_code == 403 and "исполнителям" in text(refused.text)
    async with api.rt.sm() as s:
        officer = (await s.exec(select(Staff).where(Staff.code == "water"))).one()
        s.add(
            RoutingRule(
                municipality_id=muni,
                code="inc",
                kind=ItemKind.incident,
                assignee_id=officer.id or 0,
            )
        )
        await s.commit()
    async with browser(api, "water") as c:
        home = await c.get("/dashboard")
        assert home.status_code == 303 and home.headers["location"] == PAGE
        page = await c.get(PAGE)
        assert page.status_code == 200 and candidate_ids(page.text) == [water.id]
        assert "ответственный за инцидент-менеджмент" in page.text
        assert 'href="/dashboard"' not in page.text
        assert (await c.get("/dashboard/chart/weekly.png")).status_code == 403
        assert (await c.get("/dashboard/items.xlsx")).status_code == 403
        assert (await post(c, "accept", post=water.id or 0)).status_code == 303
    assert list((await incidents(api)).values()) == [[1]]
