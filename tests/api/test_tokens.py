"""Tokens listed and revoked over HTTP (admins only): the list never shows a secret, a revoked
token is refused at once by the API and ends its dashboard sessions, a repeated or unknown
revocation is refused and changes nothing; the dashboard cookie holds a session id only."""

import hashlib
import re
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ApiToken, DashboardSession, Role
from tests.api.conftest import BOOTSTRAP, Api
from tests.api.test_dashboard import browser
from workflows.core.clock import FakeClock
from workflows.staff.sessions import SESSION_TTL
from workflows.staff.tokens import check_create_token, hashed

Sm = async_sessionmaker[AsyncSession]


async def token_id(sm: Sm, token: str) -> int:
    async with sm() as s:
        row = (await s.exec(select(ApiToken).where(ApiToken.token_hash == hashed(token)))).one()
    assert row.id is not None
    return row.id


async def sessions(sm: Sm) -> list[DashboardSession]:
    async with sm() as s:
        return list(await s.exec(select(DashboardSession).order_by(col(DashboardSession.token_id))))


async def test_admins_list_tokens_without_any_secret(api: Api, sm: Sm, muni: int) -> None:
    r = await api.client.get("/api/v1/tokens", headers=api.auth("admin"))
    assert r.status_code == 200, r.text
    listed = r.json()
    assert {t["name"] for t in listed} >= {"Куратор", "интеграция", "просмотр"}
    assert all(set(t) == set(listed[0]) and "token_hash" not in t for t in listed)
    for secret in api.tokens.values():
        assert secret not in r.text and hashed(secret) not in r.text
    assert not re.search(r"[0-9a-f]{64}", r.text), "no hash either"
    async with sm() as s:  # a token of no municipality: the municipality's admin does not see it
        await check_create_token(
            s,
            name="региональный",
            role=Role.curator,
            municipality_id=None,
            staff_id=None,
            now=api.rt.clock.now(),
        )
    own = (await api.client.get("/api/v1/tokens", headers=api.auth("admin"))).json()
    every = (await api.client.get("/api/v1/tokens", headers=api.auth("bootstrap"))).json()
    assert "региональный" not in {t["name"] for t in own}
    assert "региональный" in {t["name"] for t in every}
    for who in ("curator", "head", "operator"):
        r = await api.client.get("/api/v1/tokens", headers=api.auth(who))
        assert r.status_code == 403, who


async def test_revoked_token_is_refused_at_once_and_its_dashboard_session_ends(
    api: Api, sm: Sm
) -> None:
    curator = await token_id(sm, api.tokens["curator"])
    async with browser(api, "curator") as c, browser(api, "head") as other:
        assert (await c.get("/dashboard")).status_code == 200
        ok = await api.client.get("/api/v1/municipalities", headers=api.auth("curator"))
        assert ok.status_code == 200
        r = await api.client.post(f"/api/v1/tokens/{curator}/revoke", headers=api.auth("admin"))
        assert r.status_code == 200, r.text
        assert r.json()["id"] == curator and r.json()["revoked_at"] is not None
        assert api.tokens["curator"] not in r.text

        page = await c.get("/dashboard")
        assert page.status_code == 401 and 'name="token"' in page.text
        assert 'id="summary"' not in page.text
        chart = await c.get("/dashboard/chart/weekly.png")
        assert chart.status_code == 401
        api_call = await api.client.get("/api/v1/municipalities", headers=api.auth("curator"))
        assert api_call.status_code == 401 and "отозван" in api_call.json()["reason"]
        again = await c.post("/dashboard/login", data={"token": api.tokens["curator"]})
        assert again.status_code == 401 and "отозван" in again.text
        assert (await other.get("/dashboard")).status_code == 200, "other sessions stay"
    assert [x.token_id for x in await sessions(sm)] == [await token_id(sm, api.tokens["head"])]


async def test_revoking_twice_unknown_or_the_bootstrap_is_refused_and_changes_nothing(
    api: Api, sm: Sm, clock: FakeClock
) -> None:
    viewer = await token_id(sm, api.tokens["viewer"])
    first = await api.client.post(f"/api/v1/tokens/{viewer}/revoke", headers=api.auth("robot"))
    assert first.status_code == 200
    listed = (await api.client.get("/api/v1/tokens", headers=api.auth("admin"))).json()
    before = {t["id"]: t["revoked_at"] for t in listed}
    clock.advance(timedelta(hours=1))
    refusals = [
        (f"/api/v1/tokens/{viewer}/revoke", 409, "уже отозван"),
        ("/api/v1/tokens/999999/revoke", 404, "токен 999999 не найден"),
        ("/api/v1/tokens/0/revoke", 409, "MCU_ADMIN_TOKEN"),
        ("/api/v1/tokens/-1/revoke", 422, ""),
        (f"/api/v1/tokens/{2**70}/revoke", 422, ""),
    ]
    for path, status, reason in refusals:
        r = await api.client.post(path, headers=api.auth("admin"))
        assert r.status_code == status, (path, r.text)
        assert reason in r.json()["reason"]
    r = await api.client.post(f"/api/v1/tokens/{viewer}/revoke", headers=api.auth("curator"))
    assert r.status_code == 403
    listed = (await api.client.get("/api/v1/tokens", headers=api.auth("admin"))).json()
    assert {t["id"]: t["revoked_at"] for t in listed} == before


async def test_cookie_holds_a_session_id_whose_hash_alone_is_kept(api: Api, sm: Sm) -> None:
    async with browser(api) as c:
        r = await c.post("/dashboard/login", data={"token": api.tokens["curator"]})
        assert r.status_code == 303
        sid = c.cookies["mcu_dashboard"]
        assert sid and api.tokens["curator"] not in r.headers["set-cookie"]
        assert api.tokens["curator"] not in sid and hashed(api.tokens["curator"]) not in sid
        [row] = await sessions(sm)
        assert row.id_hash == hashlib.sha256(sid.encode()).hexdigest()
        assert row.token_id == await token_id(sm, api.tokens["curator"])
        assert row.expires_at - row.created_at == SESSION_TTL
        assert "secure" not in r.headers["set-cookie"].lower()  # not production, plain http
        out = await c.post("/dashboard/logout")
        assert out.status_code == 303 and await sessions(sm) == []
        c.cookies.set("mcu_dashboard", sid, domain="127.0.0.1", path="/dashboard")
        replay = await c.get("/dashboard")  # the old cookie, kept by a thief: ended
        assert replay.status_code == 401 and 'name="token"' in replay.text


async def test_a_session_ends_when_it_expires(api: Api, sm: Sm, clock: FakeClock) -> None:
    async with browser(api, "head") as c:
        assert (await c.get("/dashboard")).status_code == 200
        clock.advance(SESSION_TTL - timedelta(minutes=1))
        assert (await c.get("/dashboard")).status_code == 200
        clock.advance(timedelta(minutes=2))
        r = await c.get("/dashboard")
        assert r.status_code == 401 and "сессия истекла" in r.text
    async with browser(api, "curator"):  # a new login sweeps the expired session
        assert [x.token_id for x in await sessions(sm)] == [
            await token_id(sm, api.tokens["curator"])
        ]


async def test_changing_the_bootstrap_token_ends_its_sessions(api: Api, sm: Sm) -> None:
    async with browser(api, "bootstrap") as c:
        sid = c.cookies["mcu_dashboard"]
        [row] = await sessions(sm)
        assert row.token_id == 0 and BOOTSTRAP not in sid

        async def page(bootstrap: str | None) -> int:
            api.rt.settings.bootstrap_admin_token = SecretStr(bootstrap) if bootstrap else None
            c.cookies.set("mcu_dashboard", sid, domain="127.0.0.1", path="/dashboard")
            r = await c.get("/dashboard")
            assert (r.status_code == 200) == ('id="summary"' in r.text), r.text
            return r.status_code

        assert await page(BOOTSTRAP) == 200
        assert await page("rotated-" + BOOTSTRAP) == 401
        assert await page(None) == 401
