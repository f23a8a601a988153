"""GET /api/v1/monitoring/sources: the watched walls with their states, for those who run the
monitoring, only of their own municipality."""

from dataclasses import dataclass

from tests.api.conftest import Api
from tests.fixtures import TEST_SETUP
from workflows.incidents.monitoring import check_record_poll
from workflows.setup.apply import check_apply_setup

MONITORING = """
monitoring:
  sources:
    - {vk: -5001, name: "Село Тестовое", read: both}
    - {vk: -5002, name: "Газета", read: posts}
    - {vk: -5003, name: "Новая группа", read: posts}
"""


@dataclass
class Polled:
    owner_id: int
    available: bool
    code: int | None = None
    new: int = 0


async def test_sources_show_read_gone_and_never_read(api: Api, sm, clock, muni: int) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=TEST_SETUP + MONITORING, clock=clock)
    async with sm() as s:
        reports = [Polled(-5001, True), Polled(-5002, False, 30)]
        await check_record_poll(s, municipality_id=muni, reports=reports, now=clock.now())
    answer = await api.client.get("/api/v1/monitoring/sources", headers=api.auth("operator"))
    assert answer.status_code == 200, answer.text
    got = [(r["name"], r["owner_id"], r["available"], r["state"]) for r in answer.json()]
    assert got == [
        ("Село Тестовое", -5001, True, "читается"),
        ("Газета", -5002, False, "недоступен: профиль закрыт"),
        ("Новая группа", -5003, True, "ещё не читался"),
    ]
    first = answer.json()[0]
    assert first["link"] == "https://vk.com/wall-5001" and first["read_at"] is not None
    assert answer.json()[1]["read_at"] is None and answer.json()[1]["checked_at"] is not None

    by_code = await api.client.get(
        "/api/v1/monitoring/sources", params={"municipality": "testmo"}, headers=api.auth("head")
    )
    assert by_code.json() == answer.json()
    refused = await api.client.get("/api/v1/monitoring/sources", headers=api.auth("water"))
    assert refused.status_code == 403 and "оператору" in refused.text
    unknown = await api.client.get(
        "/api/v1/monitoring/sources", params={"municipality": "nowhere"}, headers=api.auth("admin")
    )
    assert unknown.status_code == 404
    anonymous = await api.client.get("/api/v1/monitoring/sources")
    assert anonymous.status_code == 401
