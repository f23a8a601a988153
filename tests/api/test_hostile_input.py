"""Hostile input refused at the edge by one rule, with a clear 4xx, changing nothing: NUL in any
text (JSON-escaped, raw, percent-encoded in a form, a query or a path), a chunked body past the
limit without Content-Length, webhook bodies that are not what they claim (an id of 70 digits,
`true`, 10,000 levels of nesting)."""

import asyncio
import contextlib
import json

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from models import ApiToken, Inbox, Item
from tests.api.conftest import Api
from tests.bot.harness import SECRET

NUL = "\u0000"


async def counts(sm) -> tuple[int, int, int]:
    async with sm() as s:
        return tuple(  # type: ignore[return-value]
            [
                (await s.exec(select(func.count()).select_from(m))).one()
                for m in (Item, ApiToken, Inbox)
            ]
        )


@pytest.mark.parametrize(
    "field",
    ["text", "place_text", "citizen_name", "citizen_phone", "citizen_address"],
)
async def test_nul_in_an_item_field_is_a_400(api: Api, muni, sm, field):
    before = await counts(sm)
    body = {"municipality_id": muni, "text": "Нет воды", field: f"до{NUL}после"}
    r = await api.client.post("/api/v1/items", headers=api.auth("operator"), json=body)
    assert r.status_code == 400 and r.json()["error"] == "nul", r.text
    assert "NUL" in r.json()["reason"]
    assert await counts(sm) == before


async def test_nul_anywhere_else_is_a_400_too(api: Api, muni, sm):
    before = await counts(sm)
    cases = [
        ("POST", "/api/v1/tokens", {"json": {"name": f"x{NUL}", "role": "curator"}}),
        ("GET", "/api/v1/items?q=a%00b", {}),
        ("GET", "/api/v1/items/1%00", {}),
        ("POST", "/api/v1/items", {"content": b'{"text": "a\x00b"}'}),
    ]
    for method, url, kw in cases:
        headers = {**api.auth("bootstrap"), **kw.pop("headers", {})}
        r = await api.client.request(method, url, headers=headers, **kw)
        assert r.status_code == 400 and r.json()["error"] == "nul", (url, r.text)
    assert await counts(sm) == before
    # A backslash the citizen typed before "u0000" is text, not a NUL.
    r = await api.client.post(
        "/api/v1/items",
        headers=api.auth("operator"),
        json={"municipality_id": muni, "text": "путь C:\\u0000dir"},
    )
    assert r.status_code == 201, r.text


async def test_a_chunked_body_past_the_limit_is_refused_while_streaming(api: Api, sm):
    """A raw HTTP/1.1 client streams 1 MB chunks with no Content-Length and watches for the
    answer: the 413 comes after about the limit (2 MB), while it could go on sending."""
    before = await counts(sm)
    url = httpx.URL(str(api.client.base_url))
    reader, writer = await asyncio.open_connection(url.host, url.port)
    token = api.tokens["operator"]
    writer.write(
        (
            "POST /api/v1/items HTTP/1.1\r\n"
            f"Host: {url.host}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    chunk = b" " * 1_000_000
    answer, sent = b"", 0
    try:
        while sent < 300:  # up to 300 MB
            sent += 1
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                answer = await asyncio.wait_for(reader.read(200), 0.05)
            if answer:
                break
    except ConnectionError:
        answer = answer or await reader.read(200)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert sent < 20, f"answered after {sent} MB, not at the limit"
    assert await counts(sm) == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"update_id": ' + b"9" * 70 + b"}",
        b"true",
        b'{"update_id": true}',
        b'{"update_id": "7"}',
        b'{"update_id": -1}',
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        b"{not json",
    ],
    ids=["70-digits", "true", "id-true", "id-string", "negative", "deep-list", "deep-dict", "junk"],
)
async def test_webhook_bodies_that_are_not_updates_are_a_400(api: Api, sm, body):
    api.rt.settings.telegram_webhook_secret = (
        type(api.rt.settings).model_fields["telegram_webhook_secret"].annotation.__args__[0](SECRET)
    )  # type: ignore[union-attr]
    before = await counts(sm)
    r = await api.client.post(
        "/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert r.status_code == 400, r.text
    assert await counts(sm) == before
    ok = await api.client.post(
        "/telegram/webhook",
        content=json.dumps({"update_id": 12}),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert ok.status_code == 200, "a real update still goes in"
