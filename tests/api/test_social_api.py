"""Monitoring's posts over real HTTP: the operator lists the candidates with their reasons,
accepts one into an incident and dismisses another; an incident's posts are listed, split and
merged; refusals carry the reason and change nothing."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from models import SocialPost
from tests.api.conftest import Api
from workflows.incidents.candidates import get_vocabulary
from workflows.incidents.incidents import check_store_and_accept


@dataclass(frozen=True)
class Record:
    post_id: int
    comment_id: int | None
    date: datetime
    text: str
    source: str = "Село Тестовое"
    owner_id: int = -3

    @property
    def link(self) -> str:
        return f"https://vk.com/wall{self.owner_id}_{self.post_id}"


async def read(api: Api, muni: int, records: list[Record]) -> list[SocialPost]:
    async with api.rt.sm() as s:
        vocabulary = await get_vocabulary(s, municipality_id=muni)
    async with api.rt.sm() as s:
        await check_store_and_accept(
            s,
            municipality_id=muni,
            seen=records,
            vocabulary=vocabulary,
            threshold=0.5,
            accept_above=None,
            clock=api.rt.clock,
        )
    async with api.rt.sm() as s:
        return list(await s.exec(select(SocialPost).order_by(col(SocialPost.post_id))))


async def test_the_operator_works_the_candidates_over_http(api: Api, muni: int) -> None:
    at = api.rt.clock.now() - timedelta(hours=2)
    stored = await read(
        api,
        muni,
        [
            Record(1, None, at, "В селе Тестовое прорвало водопровод, нет воды второй день"),
            Record(2, None, at + timedelta(minutes=30), "Тестовое: водопровод прорвало, воды нет"),
            Record(3, None, at, "Продаю дрова недорого, доставка, звоните"),
            Record(4, None, at, "Яма на дороге в селе Тестовое, машины бьются, опасно"),
        ],
    )
    c, op = api.client, api.auth("operator")
    page = (
        await c.get("/api/v1/social/posts", params={"municipality_id": muni}, headers=op)
    ).json()
    assert page["total"] == 3, "the advert is below the threshold"
    assert page["posts"][0]["score"] >= page["posts"][-1]["score"]
    assert any(r["signal"] == "sector" for r in page["posts"][0]["reasons"])
    water, again, advert, road = stored

    first = await c.post(f"/api/v1/social/posts/{water.id}/accept", headers=op)
    assert first.status_code == 200, first.text
    incident = first.json()["incident"]
    assert first.json()["opened"] and incident["kind"] == "incident"
    second = (await c.post(f"/api/v1/social/posts/{again.id}/accept", headers=op)).json()
    assert not second["opened"] and second["incident"]["id"] == incident["id"]
    road_incident = (await c.post(f"/api/v1/social/posts/{road.id}/accept", headers=op)).json()
    assert road_incident["opened"]

    posts = (await c.get(f"/api/v1/social/incidents/{incident['id']}/posts", headers=op)).json()
    assert [p["post_id"] for p in posts["posts"]] == [1, 2]
    assert posts["posts"][0]["link"] == "https://vk.com/wall-3_1"

    dismissed = await c.post(f"/api/v1/social/posts/{advert.id}/dismiss", headers=op)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"

    split = (await c.post(f"/api/v1/social/posts/{again.id}/split", headers=op)).json()
    assert split["opened"] and split["incident"]["id"] != incident["id"]
    merged = await c.post(
        f"/api/v1/social/incidents/{split['incident']['id']}/merge",
        json={"into_item_id": incident["id"]},
        headers=op,
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["id"] == incident["id"]
    posts = (await c.get(f"/api/v1/social/incidents/{incident['id']}/posts", headers=op)).json()
    assert posts["total"] == 2


async def test_refusals_over_http_change_nothing(api: Api, muni: int) -> None:
    at = api.rt.clock.now() - timedelta(hours=1)
    (post,) = await read(api, muni, [Record(1, None, at, "В селе Тестовое нет воды, водопровод")])
    c = api.client
    cases = [
        ("water", f"/api/v1/social/posts/{post.id}/accept", None, 403, "может оператор"),
        ("curator", f"/api/v1/social/posts/{post.id}/dismiss", None, 403, "может оператор"),
        ("operator", "/api/v1/social/posts/999999/accept", None, 404, "не найдена"),
        ("operator", f"/api/v1/social/posts/{post.id}/split", None, 422, "не входит"),
        ("operator", "/api/v1/social/posts/0/accept", None, 422, ""),
        ("operator", "/api/v1/social/incidents/5/merge", {"into_item_id": 5}, 422, "с самим"),
        ("operator", "/api/v1/social/incidents/5/merge", {"into_item_id": "x"}, 422, ""),
    ]
    for who, path, body, status, reason in cases:
        answer = await c.post(path, json=body, headers=api.auth(who))
        assert answer.status_code == status, (path, answer.text)
        assert reason in answer.json()["reason"], answer.text
    listing = await c.get(
        "/api/v1/social/posts",
        params={"municipality_id": muni, "status": "все"},
        headers=api.auth("operator"),
    )
    assert listing.status_code == 422
    assert (await c.post(f"/api/v1/social/posts/{post.id}/accept")).status_code == 401
    async with api.rt.sm() as s:
        (row,) = await s.exec(select(SocialPost))
    assert row.model_dump() == post.model_dump()
