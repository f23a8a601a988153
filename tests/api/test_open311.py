"""Open311 GeoReport v2 over real HTTP: discovery, services, posting and reading requests."""

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Citizen, Item, ItemEvent, ItemKind, ItemStatus, Role
from tests.api.conftest import Api
from tests.workflows.reports.test_reports import NOW, other_municipality, seed, seed_week
from workflows.core.clock import FakeClock
from workflows.staff.tokens import check_create_token

BASE = "/open311/v2"
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
FORM = {
    "jurisdiction_id": "testmo",
    "service_code": "roads",
    "lat": "42.1234",
    "long": "46.5678",
    "address_string": "с. Тестовое, ул. Школьная у дома 3",
    "description": "Глубокая яма на дороге у школы",
    "email": "petrov@example.ru",
    "first_name": "Пётр",
    "last_name": "Петров",
    "phone": "+79001112233",
}
PERSONAL = ("petrov@example.ru", "Пётр", "Петров", "79001112233")


def refusal(r: httpx.Response, status: int, words: str = "") -> str:
    """Open311's error form: a list with one {code, description}."""
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert body[0]["code"] == status and CYRILLIC.search(body[0]["description"]), body
    assert words in body[0]["description"], body
    description: str = body[0]["description"]
    return description


async def post(api: Api, who: str | None, **fields: str) -> httpx.Response:
    form = {**FORM, **fields}
    if who is not None:
        form["api_key"] = api.tokens[who]
    return await api.client.post(f"{BASE}/requests.json", data=form)


async def listing(api: Api, who: str | None = "operator", **params: str) -> httpx.Response:
    if who is not None:
        params["api_key"] = api.tokens[who]
    return await api.client.get(f"{BASE}/requests.json", params=params)


async def counts(sm: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sm() as s:
        return [
            (await s.exec(select(func.count()).select_from(m))).one()
            for m in (Item, ItemEvent, Citizen)
        ]


async def test_discovery_and_services_are_public(
    api: Api, sm: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    r = await api.client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200
    endpoint = r.json()["endpoints"][0]
    assert endpoint["url"] == str(api.client.base_url) + BASE
    assert (
        endpoint["formats"] == ["application/json"] and "GeoReport_v2" in endpoint["specification"]
    )

    services = (await api.client.get(f"{BASE}/services.json")).json()  # one municipality: optional
    assert (
        services
        == (
            await api.client.get(f"{BASE}/services.json", params={"jurisdiction_id": "testmo"})
        ).json()
    )
    by = {x["service_code"]: x for x in services}
    assert list(by) == ["zhkh", "roads"]
    assert by["zhkh"]["service_name"] == "ЖКХ" and by["zhkh"]["metadata"] is False
    assert (
        by["zhkh"]["type"] == "realtime" and by["zhkh"]["group"] == "Тестовый муниципальный округ"
    )
    # Routing keywords (kept as lemmas), by the rule's sector or else its assignee's.
    assert by["zhkh"]["keywords"] == "вода, водопровод, прорыв труба"
    assert by["roads"]["keywords"] == "дорога, яма"

    await other_municipality(sm, clock)
    refusal(await api.client.get(f"{BASE}/services.json"), 400, "jurisdiction_id")
    r = await api.client.get(f"{BASE}/services.json", params={"jurisdiction_id": "othermo"})
    assert [x["service_code"] for x in r.json()] == ["zhkh", "roads"]
    r = await api.client.get(f"{BASE}/services.json", params={"jurisdiction_id": "nowhere"})
    refusal(r, 404, "nowhere")


async def test_post_registers_through_the_workflow_and_reads_back(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    r = await post(api, "operator")
    assert r.status_code == 201, r.text
    [answer] = r.json()
    number = answer["service_request_id"]
    assert number == "ТСТ-2025-000001" and answer["account_id"] is None
    assert number in answer["service_notice"] and "не сохраняются" in answer["service_notice"]
    async with sm() as s:
        item = (await s.exec(select(Item).where(Item.number == number))).one()
        citizens = (await s.exec(select(func.count()).select_from(Citizen))).one()
    assert (item.channel, item.kind, item.citizen_id, citizens) == (
        Channel.api,
        ItemKind.message,
        None,
        0,
    )
    assert (item.lat, item.lon, item.place_text) == (42.1234, 46.5678, FORM["address_string"])
    assert item.status is ItemStatus.assigned  # routed by the «яма» rule to the road worker

    r = await api.client.get(
        f"{BASE}/requests/{number}.json", params={"api_key": api.tokens["curator"]}
    )
    assert r.status_code == 200, r.text
    [got] = r.json()
    assert got["service_request_id"] == number and got["status"] == "open"
    assert (got["service_code"], got["service_name"], got["agency_responsible"]) == (
        "roads",
        "Дороги",
        "Дороги",
    )
    assert got["description"] == FORM["description"] and got["address"] == FORM["address_string"]
    assert (got["lat"], got["long"]) == (42.1234, 46.5678)
    assert got["requested_datetime"] == "2025-12-02T10:00:00+03:00"  # local time with its offset
    assert got["expected_datetime"] is not None and got["expected_datetime"].endswith("+03:00")
    assert got["extended_attributes"] == {
        "mcu_status": "assigned",
        "mcu_status_ru": "назначено исполнителю",
        "kind": "message",
        "locality": None,
    }
    assert not any(word in r.text for word in PERSONAL)

    listed = (await listing(api)).json()
    assert [x["service_request_id"] for x in listed] == [number]
    assert not any(word in str(listed) for word in PERSONAL)
    # A recipient may post too (REGISTRARS) and reads back only items assigned to them.
    r = await post(
        api, "water", service_code="zhkh", description="Нет воды в доме", lat="", long=""
    )
    assert r.status_code == 201, r.text
    water = r.json()[0]["service_request_id"]
    assert [x["service_request_id"] for x in (await listing(api, "water")).json()] == [water]
    assert len((await listing(api, "lead_roads")).json()) == 1  # the sector lead: roads only


async def test_list_filters_and_status_mapping(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    clock.set(NOW)
    await seed_week(sm, muni)
    async with sm() as s:
        items = {i.number: i for i in await s.exec(select(Item))}
    all_ = (await listing(api)).json()
    assert len(all_) == 10  # every seeded item is within the last 90 days of 10 November
    assert [x["requested_datetime"] for x in all_] == sorted(
        (x["requested_datetime"] for x in all_), reverse=True
    )
    for x in all_:
        item = items[x["service_request_id"]]
        open_ = item.status in {
            ItemStatus.new,
            ItemStatus.assigned,
            ItemStatus.in_progress,
            ItemStatus.reopened,
        }
        assert x["status"] == ("open" if open_ else "closed")
        assert x["extended_attributes"]["mcu_status"] == item.status.value
    opened = (await listing(api, status="open")).json()
    closed = (await listing(api, status="closed")).json()
    assert len(opened) == 5 and len(closed) == 5  # answered counts as closed for Open311
    assert {x["extended_attributes"]["mcu_status"] for x in closed} == {"answered", "closed"}
    assert len((await listing(api, status="open,closed")).json()) == 10

    roads = (await listing(api, service_code="roads")).json()
    assert [x["service_name"] for x in roads] == ["Дороги"]
    assert roads[0]["address"] == "хутор Малый"  # no place text: the locality's name
    assert len((await listing(api, service_code="roads,zhkh")).json()) == 9  # all but E

    week = (
        await listing(api, start_date="2026-11-02T00:00:00+03:00", end_date="2026-11-08T23:59:59")
    ).json()
    assert len(week) == 5  # A B C D E
    plus_unencoded = await api.client.get(
        f"{BASE}/requests.json?api_key={api.tokens['operator']}"
        "&start_date=2026-11-02T00:00:00+03:00&end_date=2026-11-08T23:59:59+03:00"
    )
    assert len(plus_unencoded.json()) == 5
    assert len((await listing(api, start_date="2026-11-09")).json()) == 1  # the Monday after
    assert len((await listing(api, end_date="2026-10-31")).json()) == 3  # X, Y, Z

    some = [x["service_request_id"] for x in all_[:3]]
    picked = (
        await listing(api, service_request_id=",".join(some), status="closed", service_code="zhkh")
    ).json()
    assert sorted(x["service_request_id"] for x in picked) == sorted(some)  # ids override filters


async def test_other_municipalities_and_their_tokens(
    api: Api, sm: async_sessionmaker[AsyncSession], muni: int, clock: FakeClock
) -> None:
    other = await other_municipality(sm, clock)
    await seed(sm, other, number="ДРГ-2025-000001", registered_at=clock.now(), text="чужое")
    r = await post(api, "operator", jurisdiction_id="")
    refusal(r, 400, "jurisdiction_id")  # two municipalities now: which one must be said
    number = (await post(api, "operator")).json()[0]["service_request_id"]
    async with sm() as s:
        foreign = await check_create_token(
            s, name="другой", role=Role.operator, municipality_id=other, staff_id=None, now=NOW
        )
        regional = await check_create_token(
            s, name="область", role=Role.curator, municipality_id=None, staff_id=None, now=NOW
        )
    api.tokens |= {"foreign": foreign, "regional": regional}
    refusal(await listing(api, "foreign", jurisdiction_id="testmo"), 403, "другого муниципалитета")
    refusal(await post(api, "foreign"), 403, "другого муниципалитета")
    r = await api.client.get(
        f"{BASE}/requests/{number}.json", params={"api_key": foreign, "jurisdiction_id": "othermo"}
    )
    refusal(r, 404, "не найдено")  # their own jurisdiction does not hold our item
    theirs = (await listing(api, "foreign", jurisdiction_id="othermo")).json()
    assert [x["description"] for x in theirs] == ["чужое"]
    ours = (await listing(api, "operator", jurisdiction_id="testmo")).json()
    assert [x["service_request_id"] for x in ours] == [number]
    both = [
        (await listing(api, "regional", jurisdiction_id=code)).json()
        for code in ("testmo", "othermo")
    ]
    assert [len(x) for x in both] == [1, 1]
    refusal(await listing(api, "regional", jurisdiction_id="nowhere"), 404, "nowhere")


BAD: list[tuple[str, str | None, dict[str, str], int, str]] = [
    # (method, who, fields or query, status, words)
    ("POST", None, {}, 401, "api_key"),
    ("POST", "garbage", {}, 401, "api_key"),
    ("POST", "curator", {}, 403, "не может регистрировать"),
    ("POST", "operator", {"jurisdiction_id": "nowhere"}, 404, "nowhere"),
    ("POST", "operator", {"service_code": ""}, 400, "service_code"),
    ("POST", "operator", {"service_code": "nowhere"}, 404, "nowhere"),
    ("POST", "operator", {"service_code": "x" * 500}, 400, "длиннее"),
    ("POST", "operator", {"description": "   "}, 400, "description"),
    ("POST", "operator", {"description": "я" * 10_001}, 400, "description"),
    ("POST", "operator", {"lat": "91"}, 400, "−90…90"),
    ("POST", "operator", {"lat": "север"}, 400, "десятичные"),
    ("POST", "operator", {"long": ""}, 400, "вместе"),
    ("POST", "operator", {"lat": "", "long": "", "address_string": ""}, 400, "место"),
    ("POST", "operator", {"address_string": "д" * 501}, 400, "address_string"),
    ("GET", None, {}, 401, "api_key"),
    ("GET", "garbage", {}, 401, "api_key"),
    ("GET", "operator", {"start_date": "вчера"}, 400, "ISO 8601"),
    ("GET", "operator", {"end_date": "2026-13-01"}, 400, "ISO 8601"),
    ("GET", "operator", {"start_date": "2025-11-10", "end_date": "2025-11-01"}, 400, "раньше"),
    ("GET", "operator", {"start_date": "2025-01-01", "end_date": "2025-12-01"}, 400, "90 дней"),
    ("GET", "operator", {"start_date": "2" * 500}, 400, "длиннее"),
    ("GET", "operator", {"status": "lost"}, 400, "status"),
    ("GET", "operator", {"service_code": "nowhere"}, 404, "nowhere"),
    ("GET", "operator", {"jurisdiction_id": "nowhere"}, 404, "nowhere"),
    ("GET", "operator", {"service_request_id": ",".join(["x"] * 201)}, 400, "номеров"),
]


@pytest.mark.parametrize(("method", "who", "fields", "status", "words"), BAD)
async def test_bad_open311_requests_are_refused_in_its_form(
    api: Api,
    sm: async_sessionmaker[AsyncSession],
    method: str,
    who: str | None,
    fields: dict[str, str],
    status: int,
    words: str,
) -> None:
    before = await counts(sm)
    key = {"garbage": "nonsense"}.get(who or "", api.tokens.get(who or ""))
    if method == "POST":
        form = {**FORM, **fields, **({"api_key": key} if key else {})}
        r = await api.client.post(f"{BASE}/requests.json", data=form)
    else:
        params = {**fields, **({"api_key": key} if key else {})}
        r = await api.client.get(f"{BASE}/requests.json", params=params)
    refusal(r, status, words)
    assert await counts(sm) == before


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "words"),
    [
        ("GET", "/discovery.xml", {}, 400, "только JSON"),
        ("GET", "/services.xml", {}, 400, "только JSON"),
        ("GET", "/requests.xml", {}, 400, "только JSON"),
        ("GET", "/requests/ТСТ-2025-000001.xml", {}, 400, "только JSON"),
        ("POST", "/requests.xml", {"data": FORM}, 400, "только JSON"),
        ("GET", "/requests/ТСТ-2099-000001.json?api_key={key}", {}, 404, "не найдено"),
        ("GET", "/requests/ТСТ-2025-000001.json", {}, 401, "api_key"),
        ("GET", "/services/roads.json", {}, 404, "нет ресурса"),
        ("DELETE", "/requests.json", {}, 405, "метод"),
        ("POST", "/requests.json", {"json": FORM}, 400, "x-www-form-urlencoded"),
        ("POST", "/requests.json", {"content": b"api_key=%ff%fe"}, 400, "x-www-form-urlencoded"),
    ],
)
async def test_other_paths_and_formats(
    api: Api,
    sm: async_sessionmaker[AsyncSession],
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    words: str,
) -> None:
    before = await counts(sm)
    url = BASE + path.replace("{key}", api.tokens["operator"])
    r = await api.client.request(method, url, **kwargs)
    refusal(r, status, words)
    assert await counts(sm) == before


async def test_undecodable_form_is_refused(api: Api, sm: async_sessionmaker[AsyncSession]) -> None:
    before = await counts(sm)
    r = await api.client.post(
        f"{BASE}/requests.json",
        content=b"api_key=%ff%fe&description=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    refusal(r, 400, "UTF-8")
    assert await counts(sm) == before


async def test_open311_is_in_openapi(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    for path, method in (
        ("/discovery.json", "get"),
        ("/services.json", "get"),
        ("/requests.json", "get"),
        ("/requests.json", "post"),
        ("/requests/{request_id}.json", "get"),
    ):
        op = paths[BASE + path][method]
        assert op["tags"] == ["open311"] and CYRILLIC.search(op["summary"])
    form = paths[BASE + "/requests.json"]["post"]["requestBody"]["content"]
    assert "service_code" in form["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert not any("{rest" in p for p in paths)  # the catch-all stays out of the docs


async def test_the_key_may_come_as_a_header_instead_of_in_the_url(api: Api, muni: int) -> None:
    """Kept out of URLs (access logs, proxies): X-Api-Key works wherever api_key does."""
    key = {"X-Api-Key": api.tokens["operator"]}
    form = {k: v for k, v in FORM.items() if k != "api_key"}
    r = await api.client.post(f"{BASE}/requests.json", data=form, headers=key)
    assert r.status_code == 201, r.text
    [answer] = r.json()
    listed = await api.client.get(f"{BASE}/requests.json", headers=key)
    assert listed.status_code == 200 and len(listed.json()) == 1
    one = await api.client.get(f"{BASE}/requests/{answer['service_request_id']}.json", headers=key)
    assert one.status_code == 200
    refused = await api.client.get(f"{BASE}/requests.json", headers={"X-Api-Key": "garbage"})
    assert refused.status_code == 401


def test_the_access_log_masks_a_key_in_the_url() -> None:
    import logging

    from api.logs import MaskKeys

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/open311/v2/requests.json?API_KEY=mcu_secret&x=1", "1.1", 200),
        None,
    )
    assert MaskKeys().filter(record)
    assert "mcu_secret" not in record.getMessage() and "API_KEY=***&x=1" in record.getMessage()
