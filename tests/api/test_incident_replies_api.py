"""Deciding on an incident's answer for the wall over HTTP (FastAPI under uvicorn): the item's
replies, approve, decline, retry; who may, and a reply in the wrong state refused unchanged."""

from models import Publish, ReplyStatus
from tests.api.conftest import Api
from tests.integrations.reply_kit import answer, incident, monitor, replies

TEXT = "В селе Тестовое прорвало водопровод"


async def test_replies_are_listed_and_decided_over_http(api: Api, sm, clock, muni) -> None:
    await monitor(sm, muni, Publish.approve)
    item = await incident(sm, clock, muni, [(11, 0, TEXT)])
    await answer(sm, clock, item, "Вода подана.")
    [reply] = await replies(sm)
    c = api.client
    listed = await c.get(
        "/api/v1/incidents/replies", params={"item_id": item.id}, headers=api.auth("operator")
    )
    assert listed.status_code == 200
    assert [(r["id"], r["status"], r["text"]) for r in listed.json()] == [
        (reply.id, "awaiting", "Вода подана.")
    ]
    url = f"/api/v1/incidents/replies/{reply.id}"
    refused = await c.post(f"{url}/approve", headers=api.auth("water"))
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    refused = await c.post(f"{url}/retry", headers=api.auth("head"))
    assert refused.status_code == 409 and "повторить" in refused.json()["reason"]
    assert (await replies(sm))[0].status is ReplyStatus.awaiting, "refusals change nothing"
    done = await c.post(f"{url}/approve", headers=api.auth("head"))
    assert done.status_code == 200 and done.json()["status"] == "approved"
    again = await c.post(f"{url}/decline", headers=api.auth("operator"))
    assert again.status_code == 409, "an approved reply is on its way: no longer declined"
    missing = await c.post("/api/v1/incidents/replies/999999/approve", headers=api.auth("head"))
    assert missing.status_code == 404
    bad = await c.post(f"{url}/publish", headers=api.auth("head"))
    assert bad.status_code == 422
    detail = await c.get(f"/api/v1/items/{item.id}", headers=api.auth("operator"))
    assert "reply_approved" in [e["action"] for e in detail.json()["timeline"]]
