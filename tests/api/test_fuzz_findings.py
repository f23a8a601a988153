"""What fuzzing the API found (schemathesis, and probing the values it points at), each pinned
down: refusals in the form the schema declares (the API's `{"error", "reason"}`, Open311's
`[{"code", "description"}]` under /open311/, also when the edge refuses), in Russian, every
refusal a route really gives declared in /openapi.json, and dates at the ends of time or a setup
nested thousands deep refused with a 4xx instead of a 500."""

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import Item
from tests.api.conftest import Api


async def count_items(sm) -> int:
    async with sm() as s:
        return (await s.exec(select(func.count()).select_from(Item))).one()


@pytest.mark.parametrize(
    "method,url,kw",
    [
        (
            "POST",
            "/open311/v2/requests.json",
            {
                "content": "service_code=zhkh&description=a%00b",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
        ),
        ("GET", "/open311/v2/requests.json?jurisdiction_id=a%00", {}),
        ("GET", "/open311/v2/requests/%00.json", {}),
    ],
    ids=["form", "query", "path"],
)
async def test_a_nul_under_open311_is_refused_in_open311_form(api: Api, sm, method, url, kw):
    before = await count_items(sm)
    headers = {"X-Api-Key": api.tokens["operator"], **kw.pop("headers", {})}
    r = await api.client.request(method, url, headers=headers, **kw)
    assert r.status_code == 400, r.text
    body = r.json()
    assert isinstance(body, list) and body[0]["code"] == 400, body
    assert "NUL" in body[0]["description"]
    assert await count_items(sm) == before


async def test_a_body_too_large_under_open311_is_refused_in_open311_form(api: Api):
    r = await api.client.post(
        "/open311/v2/requests.json",
        content=b"description=" + b"a" * 2_100_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413, r.text
    assert r.json()[0]["code"] == 413


async def test_a_json_body_not_in_utf8_is_refused_in_russian(api: Api, muni, sm):
    before = await count_items(sm)
    r = await api.client.post(
        "/api/v1/items",
        headers={**api.auth("operator"), "Content-Type": "application/json"},
        content=b'{"text": "\xff\xfe\xfa"}',
    )
    assert r.status_code == 400, r.text
    assert r.json()["reason"] == "тело запроса не разобрано: нужен JSON в UTF-8"
    assert await count_items(sm) == before


async def test_an_unknown_address_is_refused_in_russian(api: Api):
    r = await api.client.get("/api/v1/nothing-here", headers=api.auth("admin"))
    assert r.status_code == 404
    assert r.json() == {"error": "http_404", "reason": "такого адреса нет"}


async def test_the_schema_declares_the_refusals_routes_give(api: Api):
    """401 without a token, 404 for an id, 409 for a stale action, the edge's 400 and 413: each
    in the schema with the error body, instead of FastAPI's unused `{"detail": …}` for 422."""
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    act = paths["/api/v1/items/{item_id}/actions/{action}"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "422"} <= set(act)
    problem = {"$ref": "#/components/schemas/Problem"}
    assert act["422"]["content"]["application/json"]["schema"] == problem
    revoke = paths["/api/v1/tokens/{token_id}/revoke"]["post"]["responses"]
    assert revoke["409"]["content"]["application/json"]["schema"] == problem  # revoked already
    for path, ops in paths.items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "413"} <= codes, (method, path, codes)
            if path.startswith("/api/v1/"):
                assert {"401", "403", "422"} <= codes, (method, path, codes)
    assert paths["/api/v1/reports/items"]["get"]["responses"]["404"]["content"]
    open311 = paths["/open311/v2/requests.json"]["get"]["responses"]
    assert open311["400"]["content"]["application/json"]["schema"]["type"] == "array"
    assert open311["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/ServiceRequest"
    }


@pytest.mark.parametrize("period", ["0001-W01", "9999-W52"])
async def test_a_week_at_the_ends_of_time_is_a_422(api: Api, muni, period):
    """Its bounds would overflow into year 0 or 10000 (was OverflowError, a 500)."""
    for fmt in ("json", "csv"):
        r = await api.client.get(
            "/api/v1/reports/summary",
            params={"period": period, "format": fmt},
            headers=api.auth("curator"),
        )
        assert r.status_code == 422, r.text
        assert "вне допустимого диапазона" in r.json()["reason"]


@pytest.mark.parametrize(
    "param,value",
    [
        ("start_date", "0001-01-01T00:00:00"),
        ("end_date", "0001-01-01"),
        ("start_date", "9999-12-31T23:59:59"),
        ("end_date", "9999-12-31T23:59:59-12:00"),
    ],
)
async def test_open311_dates_at_the_ends_of_time_are_a_400(api: Api, muni, param, value):
    """A 90-day window or a time zone past them overflowed (was a 500)."""
    r = await api.client.get(
        "/open311/v2/requests.json",
        params={param: value, "jurisdiction_id": "testmo"},
        headers={"X-Api-Key": api.tokens["curator"]},
    )
    assert r.status_code == 400, r.text
    assert r.json()[0]["description"].startswith(f"{param}: год ")
    ok = await api.client.get(
        "/open311/v2/requests.json",
        params={param: "2025-11-20T00:00:00+03:00", "jurisdiction_id": "testmo"},
        headers={"X-Api-Key": api.tokens["curator"]},
    )
    assert ok.status_code == 200, ok.text


async def test_a_setup_nested_thousands_deep_is_a_422_and_changes_nothing(api: Api, muni, sm):
    """PyYAML recursed past Python's limit (was RecursionError, a 500)."""
    before = await count_items(sm)
    r = await api.client.put(
        "/api/v1/setup",
        content="[" * 5000 + "]" * 5000,
        headers={**api.auth("admin"), "Content-Type": "application/yaml"},
    )
    assert r.status_code == 422, r.text
    assert "вложенность" in r.json()["reason"]
    assert await count_items(sm) == before


@pytest.mark.parametrize(
    "method,url,allow",
    [
        ("PUT", "/api/v1/items", "GET, POST"),  # Starlette named only the first route: POST
        ("DELETE", "/api/v1/items/1", "GET"),
        ("DELETE", "/open311/v2/requests.json", "GET, POST"),
        ("PUT", "/open311/v2/services.json", "GET"),
        ("POST", "/open311/v2/requests/ТСТ-2026-000001.json", "GET"),
    ],
)
async def test_a_405_names_every_method_the_path_answers(api: Api, method, url, allow):
    r = await api.client.request(method, url, headers=api.auth("admin"))
    assert r.status_code == 405, r.text
    assert r.headers.get("allow") == allow
