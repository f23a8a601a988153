"""The item API says when a deadline rests on an assumed production calendar."""

from datetime import UTC, datetime

from tests.api.conftest import Api
from tests.api.test_api import new_item
from workflows.core.clock import FakeClock


async def test_item_api_marks_an_assumed_calendar(api: Api, muni: int, clock: FakeClock) -> None:
    known = await new_item(api, muni)
    assert known["calendar_assumed"] is False
    clock.set(datetime(2028, 11, 3, 7, tzinfo=UTC))  # Friday 10:00 in Moscow
    late = await new_item(api, muni)
    assert late["calendar_assumed"] is True
    r = await api.client.get(f"/api/v1/items/{late['id']}", headers=api.auth("operator"))
    assert r.status_code == 200 and r.json()["item"]["calendar_assumed"] is True
    listed = await api.client.get("/api/v1/items", headers=api.auth("operator"))
    assert {i["calendar_assumed"] for i in listed.json()["items"]} == {None}  # not computed
