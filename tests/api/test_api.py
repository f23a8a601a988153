"""The HTTP API over real HTTP: the happy path, and bad input refused with a clear 4xx."""

from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import ApiToken, Item, ItemEvent, Outbox, Role, Sector
from models.setup import BOOTSTRAP_TOKEN_ID
from tests.api.conftest import Api
from tests.fixtures import TEST_SETUP
from tests.helpers import outbox, staff
from workflows.staff.tokens import check_create_token


async def counts(sm) -> tuple[int, int, int]:
    async with sm() as s:
        return tuple(
            [
                (await s.exec(select(func.count()).select_from(m))).one()  # type: ignore[return-value]
                for m in (Item, ItemEvent, Outbox)
            ]
        )


async def new_item(api: Api, muni: int, text: str = "Нет воды, прорвало трубу", **kw: Any) -> dict:
    r = await api.client.post(
        "/api/v1/items",
        headers=api.auth("operator"),
        json={"municipality_id": muni, "text": text, **kw},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_register_read_and_act_over_http(api: Api, muni, sm):
    item = await new_item(api, muni, citizen_name="Иванов И.И.", citizen_phone="+7 900 000-00-00")
    assert item["status"] == "assigned" and item["number"].startswith("ТСТ-")
    assert "citizen_name" not in item
    r = await api.client.post(
        f"/api/v1/items/{item['id']}/actions/take",
        headers=api.auth("water"),
        json={"version": item["version"]},
    )
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = await api.client.get(f"/api/v1/items/{item['id']}", headers=api.auth("water"))
    detail = r.json()
    assert [e["action"] for e in detail["timeline"]] == ["register", "assign", "take"]
    assert detail["citizen"] is None  # personal data only on explicit request
    r = await api.client.get(
        f"/api/v1/items/{item['id']}?with_citizen=true", headers=api.auth("operator")
    )
    assert r.json()["citizen"]["name"] == "Иванов И.И."
    r = await api.client.get(f"/api/v1/items/{item['id']}", headers=api.auth("operator"))
    assert r.json()["timeline"][-1]["action"] == "view_personal_data"  # the view is audited
    page = (await api.client.get("/api/v1/items", headers=api.auth("roadman"))).json()
    assert page["total"] == 0  # a recipient sees only their own items
    page = (await api.client.get("/api/v1/items", headers=api.auth("curator"))).json()
    assert page["total"] == 1


async def test_health_and_openapi(api: Api):
    assert (await api.client.get("/healthz")).json()["status"] == "ok"
    assert "/api/v1/items" in (await api.client.get("/openapi.json")).json()["paths"]


async def test_setup_over_http_is_idempotent_and_scoped(api: Api, muni):
    r = await api.client.put(
        "/api/v1/setup",
        headers={**api.auth("admin"), "Content-Type": "application/yaml"},
        content=TEST_SETUP,
    )
    assert r.status_code == 200, r.text
    assert all("без изменений" in k for k in r.json()["changes"])
    other = TEST_SETUP.replace("code: testmo", "code: othermo")
    r = await api.client.put(
        "/api/v1/setup",
        headers={**api.auth("admin"), "Content-Type": "application/yaml"},
        content=other,
    )
    assert r.status_code == 403  # a municipality's admin sets up only their own
    r = await api.client.get(f"/api/v1/municipalities/{muni}/setup", headers=api.auth("head"))
    staff = r.json()["staff"]
    assert staff and all("telegram_id" not in s for s in staff)
    assert r.json()["monitoring"] is None, "the test setup watches no walls"
    watched = TEST_SETUP + (
        "\nmonitoring: {sources: [{vk: -5, name: Газета}], threshold: 0.6, accept_above: 0.9,"
        " publish: auto}\n"
    )
    r = await api.client.put(
        "/api/v1/setup",
        headers={**api.auth("admin"), "Content-Type": "application/yaml"},
        content=watched,
    )
    assert r.status_code == 200, r.text
    r = await api.client.get(f"/api/v1/municipalities/{muni}/setup", headers=api.auth("head"))
    monitoring = r.json()["monitoring"]
    assert monitoring["sources"] == [{"owner_id": -5, "name": "Газета", "read": "both"}]
    assert (monitoring["threshold"], monitoring["accept_above"]) == (0.6, 0.9)
    assert monitoring["publish"] == "auto"


async def test_setup_read_back_shows_lunch_letterhead_and_bodies(api, muni):
    """What the file set is what the admin reads back: the working day with its lunch break,
    the letters' heading and the bodies appeals are forwarded to."""
    text = TEST_SETUP.replace(
        '  work_hours: {start: "09:00", end: "18:00"}\n',
        '  work_hours: {start: "09:00", end: "18:00"}\n'
        "  letterhead: {title: Администрация округа, signatory: Глава округа}\n",
    ) + (
        "calendar: {lunch: {start: '13:00', end: '14:00'}}\n"
        "bodies:\n  - {code: police, name: Отдел полиции, email: police@example.ru}\n"
    )
    r = await api.client.put(
        "/api/v1/setup",
        headers={**api.auth("admin"), "Content-Type": "application/yaml"},
        content=text,
    )
    assert r.status_code == 200, r.text
    got = (
        await api.client.get(f"/api/v1/municipalities/{muni}/setup", headers=api.auth("head"))
    ).json()
    m = got["municipality"]
    assert (m["lunch_start"], m["lunch_end"]) == ("13:00", "14:00")
    assert m["letterhead"] == {"title": "Администрация округа", "signatory": "Глава округа"}
    assert [(b["code"], b["email"], b["active"]) for b in got["bodies"]] == [
        ("police", "police@example.ru", True)
    ]
    r = await api.client.put(
        "/api/v1/setup",
        headers={**api.auth("admin"), "Content-Type": "application/yaml"},
        content=text.replace("email: police@example.ru", "email: not-an-address"),
    )
    assert r.status_code == 422 and "bodies" in r.text


def fill(body: Any, ids: dict[str, int]) -> Any:
    """Put the real ids where the table has placeholders."""
    if isinstance(body, dict):
        return {k: fill(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [fill(v, ids) for v in body]
    return ids.get(body, body) if isinstance(body, str) else body


BAD: list[tuple[str, str, str, Any, int]] = [
    # (who, method, path, json body, expected status)
    ("none", "GET", "/api/v1/items", None, 401),
    ("garbage", "GET", "/api/v1/items", None, 401),
    ("operator", "GET", "/api/v1/items/999999", None, 404),
    ("operator", "GET", "/api/v1/items/0", None, 422),
    ("operator", "GET", "/api/v1/items/abc", None, 422),
    ("operator", "GET", f"/api/v1/items/{2**70}", None, 422),
    ("operator", "GET", "/api/v1/items?limit=100000", None, 422),
    ("operator", "GET", "/api/v1/items?status=lost", None, 422),
    ("curator", "POST", "/api/v1/items", {"municipality_id": "{muni}", "text": "x"}, 403),
    ("viewer", "PUT", "/api/v1/setup", "municipality: {}", 403),
    ("viewer", "POST", "/api/v1/tokens", {"name": "x", "role": "admin"}, 403),
    ("head", "POST", "/api/v1/tokens", {"name": "x", "role": "admin"}, 403),
    ("operator", "POST", "/api/v1/items", {"municipality_id": 424242, "text": "x"}, 404),
    ("operator", "POST", "/api/v1/items", {"municipality_id": "{muni}"}, 422),
    ("operator", "POST", "/api/v1/items", {"municipality_id": "{muni}", "text": "   "}, 422),
    ("operator", "POST", "/api/v1/items", {"municipality_id": "{muni}", "text": "я" * 10_001}, 422),
    (
        "operator",
        "POST",
        "/api/v1/items",
        {"municipality_id": "{muni}", "text": "x", "sector_id": 999},
        422,
    ),
    (
        "operator",
        "POST",
        "/api/v1/items",
        {"municipality_id": "{muni}", "text": "x", "received_at": "2025-12-01T10:00:00"},
        422,
    ),
    (
        "operator",
        "POST",
        "/api/v1/items",
        {"municipality_id": "{muni}", "text": "x", "received_at": "2030-01-01T10:00:00Z"},
        422,
    ),
    (
        "operator",
        "POST",
        "/api/v1/items",
        {"municipality_id": "{muni}", "text": "x", "lat": 91},
        422,
    ),
    (
        "operator",
        "POST",
        "/api/v1/items",
        {"municipality_id": "{muni}", "text": "x", "hack": 1},
        422,
    ),
    ("operator", "POST", "/api/v1/items", "not json at all", 422),
    ("operator", "POST", "/api/v1/items", ["a", "list"], 422),
    ("water", "POST", "/api/v1/items/{item}/actions/fly", {"version": 1}, 422),
    ("water", "POST", "/api/v1/items/{item}/actions/take", {}, 422),
    ("water", "POST", "/api/v1/items/{item}/actions/take", {"version": 1}, 409),  # stale
    ("roadman", "POST", "/api/v1/items/{item}/actions/take", {"version": 2}, 403),
    ("curator", "POST", "/api/v1/items/{item}/actions/take", {"version": 2}, 403),
    ("water", "POST", "/api/v1/items/{item}/actions/answer", {"version": 2, "text": "x"}, 409),
    (
        "water",
        "POST",
        "/api/v1/items/{item}/actions/reassign",
        {"version": 2, "assignee_id": 99999},
        422,
    ),
    ("water", "POST", "/api/v1/items/{item}/actions/take", {"version": 2, "rating": 9}, 422),
    (
        "operator",
        "POST",
        "/api/v1/items/{item}/actions/merge",
        {"version": 2, "target_item_id": "{item}"},
        422,
    ),
    ("admin", "PUT", "/api/v1/setup", "municipality: [unclosed", 422),
    ("admin", "PUT", "/api/v1/setup", "municipality: {code: testmo}", 422),
    (
        "admin",
        "PUT",
        "/api/v1/setup",
        TEST_SETUP.replace("assignee: roadman", "assignee: nobody"),
        422,
    ),
    ("bootstrap", "GET", "/api/v1/municipalities/999/setup", None, 404),
    ("head", "POST", "/api/v1/staff/99999/invite", None, 404),
    ("operator", "POST", "/api/v1/staff/1/invite", None, 403),
]


@pytest.mark.parametrize("who,method,path,body,status", BAD)
async def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    api: Api, sm, muni, who, method, path, body, status
):
    item = await new_item(api, muni)
    before = await counts(sm)
    path = path.replace("{item}", str(item["id"]))
    headers = (
        {}
        if who == "none"
        else ({"Authorization": "Bearer nonsense"} if who == "garbage" else api.auth(who))
    )
    kwargs: dict[str, Any] = {}
    if isinstance(body, str):
        kwargs["content"] = body.replace("{muni}", str(muni))
        headers["Content-Type"] = "application/json" if "setup" not in path else "application/yaml"
    elif body is not None:
        kwargs["json"] = fill(body, {"{muni}": muni, "{item}": item["id"]})
    r = await api.client.request(method, path, headers=headers, **kwargs)
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["reason"] and problem["error"]
    assert await counts(sm) == before


async def test_oversize_body_refused_before_reading(api: Api, sm, muni):
    before = await counts(sm)
    r = await api.client.post(
        "/api/v1/items",
        headers={**api.auth("operator"), "Content-Type": "application/json"},
        content=b"{" + b" " * 3_000_000 + b"}",
    )
    assert r.status_code == 413 and "больше" in r.json()["reason"]
    assert await counts(sm) == before


async def test_sector_of_another_municipality_is_refused(api: Api, sm, muni):
    other = TEST_SETUP.replace("code: testmo", "code: othermo")
    r = await api.client.put(
        "/api/v1/setup",
        headers={**api.auth("bootstrap"), "Content-Type": "application/yaml"},
        content=other,
    )
    assert r.status_code == 200
    async with sm() as s:
        foreign = (await s.exec(select(Sector).where(Sector.municipality_id != muni))).first()
    r = await api.client.post(
        "/api/v1/items",
        headers=api.auth("operator"),
        json={"municipality_id": muni, "text": "x", "sector_id": foreign.id},
    )
    assert r.status_code == 422 and "не найден" in r.json()["reason"]
    r = await api.client.get(
        "/api/v1/items",
        headers=api.auth("operator"),
        params={"municipality_id": r.status_code and muni + 1},
    )
    assert r.json()["total"] == 0  # another municipality's items stay invisible


async def test_a_sector_lead_reads_and_acts_only_in_their_sector(api: Api, muni, sm):
    zhkh = await new_item(api, muni, "Нет воды, прорвало трубу", citizen_name="Петров П.П.")
    roads = await new_item(api, muni, "Яма на дороге у моста", citizen_name="Сидоров С.С.")
    triage = await new_item(api, muni, "Покрасить забор у клуба", citizen_name="Петров П.П.")
    assert zhkh["sector_id"] != roads["sector_id"] and triage["sector_id"] is None
    async with sm() as s:  # a lead's token that names no staff member has no sector at all
        stray = await check_create_token(
            s,
            name="без сотрудника",
            role=Role.sector_lead,
            municipality_id=muni,
            staff_id=None,
            now=api.rt.clock.now(),
        )
    before = await counts(sm)
    outsiders = [(api.auth("lead_roads"), zhkh), (api.auth("lead_roads"), triage)]
    outsiders += [({"Authorization": f"Bearer {stray}"}, item) for item in (zhkh, roads, triage)]
    for headers, item in outsiders:
        for query in ("", "?with_citizen=true"):
            r = await api.client.get(f"/api/v1/items/{item['id']}{query}", headers=headers)
            assert r.status_code in (403, 404), r.text
            assert "Петров" not in r.text and "Сидоров" not in r.text
        r = await api.client.post(
            f"/api/v1/items/{item['id']}/actions/take",
            headers=headers,
            json={"version": item["version"]},
        )
        assert r.status_code in (403, 404), r.text
    assert await counts(sm) == before, "no view of personal data, no action written"
    r = await api.client.get(
        f"/api/v1/items/{roads['id']}?with_citizen=true", headers=api.auth("lead_roads")
    )
    assert r.status_code == 200 and r.json()["citizen"]["name"] == "Сидоров С.С."
    page = (await api.client.get("/api/v1/items", headers=api.auth("lead_roads"))).json()
    assert [i["id"] for i in page["items"]] == [roads["id"]]
    r = await api.client.post(
        f"/api/v1/items/{roads['id']}/actions/take",
        headers=api.auth("lead_roads"),
        json={"version": roads["version"]},
    )
    assert r.status_code == 200 and r.json()["assignee_id"] is not None


async def test_take_by_a_token_without_a_staff_member_is_refused(api: Api, muni, sm):
    item = await new_item(api, muni)  # routed to water
    before = await counts(sm)
    for who in ("bootstrap", "robot"):
        r = await api.client.post(
            f"/api/v1/items/{item['id']}/actions/take",
            headers=api.auth(who),
            json={"version": item["version"]},
        )
        assert r.status_code == 422, r.text
        assert "assignee_id" in r.json()["reason"]  # tells them what to do instead
    assert await counts(sm) == before, "nobody told «передано другому», nothing changed"
    heat = await staff(sm, "heat")
    r = await api.client.post(
        f"/api/v1/items/{item['id']}/actions/reassign",
        headers=api.auth("robot"),
        json={"version": item["version"], "assignee_id": heat.id},
    )
    assert r.status_code == 200 and r.json()["assignee_id"] == heat.id


async def test_a_staff_take_ends_with_an_assignee_and_tells_only_a_replaced_one(api: Api, muni, sm):
    water, admin = await staff(sm, "water"), await staff(sm, "admin")
    mine = await new_item(api, muni)
    theirs = await new_item(api, muni, "Нет воды в бане")
    r = await api.client.post(
        f"/api/v1/items/{mine['id']}/actions/take",
        headers=api.auth("water"),
        json={"version": mine["version"]},
    )
    assert r.status_code == 200 and r.json()["assignee_id"] == water.id
    assert await outbox(sm, kind="unassigned") == []  # it stayed with them
    r = await api.client.post(
        f"/api/v1/items/{theirs['id']}/actions/take",
        headers=api.auth("admin"),
        json={"version": theirs["version"]},
    )
    assert r.status_code == 200 and r.json()["assignee_id"] == admin.id
    assert [n.staff_id for n in await outbox(sm, kind="unassigned")] == [water.id]


async def test_every_api_event_names_the_token_or_staff_member_behind_it(api: Api, muni, sm):
    water = await staff(sm, "water")
    r = await api.client.post(
        "/api/v1/items",
        headers=api.auth("bootstrap"),
        json={"municipality_id": muni, "text": "Покрасить забор у клуба", "citizen_name": "Иванов"},
    )
    item = r.json()
    steps = [
        ("bootstrap", "assign", {"assignee_id": water.id}),
        ("water", "take", {}),
        ("robot", "ask_clarification", {"text": "Какой номер дома?"}),
    ]
    for who, action, body in steps:
        r = await api.client.post(
            f"/api/v1/items/{item['id']}/actions/{action}",
            headers=api.auth(who),
            json={"version": item["version"], **body},
        )
        assert r.status_code == 200, r.text
        item = r.json()
    await api.client.get(f"/api/v1/items/{item['id']}?with_citizen=true", headers=api.auth("robot"))
    timeline = (
        await api.client.get(f"/api/v1/items/{item['id']}", headers=api.auth("head"))
    ).json()
    async with sm() as s:
        token_ids = {t.name: t.id for t in await s.exec(select(ApiToken))}
    got = [(e["action"], e["actor_id"], e["token_id"]) for e in timeline["timeline"]]
    assert got == [
        ("register", None, BOOTSTRAP_TOKEN_ID),
        ("assign", None, BOOTSTRAP_TOKEN_ID),
        ("take", water.id, token_ids[water.name]),
        ("ask_clarification", None, token_ids["интеграция"]),
        ("view_personal_data", None, token_ids["интеграция"]),
    ]
