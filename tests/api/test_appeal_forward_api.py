"""Forwarding over real HTTP: staff find the body in GET /api/v1/bodies and forward an appeal;
a forward to the body complained about is a clear 422 that changes nothing."""

from sqlmodel import select

from models import Appeal, ItemStatus, Letter
from tests.api.conftest import Api
from tests.workflows.appeals.forward_kit import appeal, apply_appeal_setup, body, snapshot


async def test_bodies_listed_for_staff_and_an_appeal_forwarded(api: Api, sm, clock, muni):
    await apply_appeal_setup(sm, clock)
    r = await api.client.get("/api/v1/bodies", headers=api.auth("water"))
    assert r.status_code == 200, r.text
    listed = {b["code"]: b for b in r.json()}
    assert set(listed) == {"police", "prosecutor", "housing"}
    assert listed["prosecutor"]["email"] is None and listed["police"]["active"] is True
    item = await appeal(sm, clock, muni)
    r = await api.client.post(
        f"/api/v1/items/{item.id}/actions/forward",
        headers=api.auth("operator"),
        json={"version": item.version, "body_id": listed["police"]["id"], "reason": "Кража"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == ItemStatus.redirected
    async with sm() as s:
        kinds = [x.kind for x in await s.exec(select(Letter).where(Letter.item_id == item.id))]
        row = await s.get(Appeal, item.id)
    assert (
        kinds == ["covering", "forwarded"]
        and row
        and row.forwarded_body_id == listed["police"]["id"]
    )


async def test_forward_to_the_complained_body_is_422_and_other_municipalities_hidden(
    api: Api, sm, clock, muni
):
    await apply_appeal_setup(sm, clock)
    housing = await body(sm, "housing")
    item = await appeal(sm, clock, muni, complained=housing.id)
    before = await snapshot(sm, item)
    r = await api.client.post(
        f"/api/v1/items/{item.id}/actions/forward",
        headers=api.auth("operator"),
        json={"version": item.version, "body_id": housing.id, "reason": "Жилищный надзор"},
    )
    assert r.status_code == 422 and "части 6 статьи 8" in r.text
    assert await snapshot(sm, item) == before
    r = await api.client.get(
        f"/api/v1/bodies?municipality_id={muni + 1}", headers=api.auth("water")
    )
    assert r.status_code == 404 and "не найден" in r.text
    r = await api.client.get("/api/v1/bodies", headers=api.auth("bootstrap"))
    assert r.status_code == 422 and "municipality_id" in r.text
