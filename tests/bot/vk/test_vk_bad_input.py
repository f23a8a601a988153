"""What the Callback endpoint and the VK adapter refuse, and what they survive: a wrong secret
or community (403, nothing saved), a confirmation for another community (no code), one event
delivered five times (one item, one reply), forged and oversize button payloads (nothing
done, the press answered), an answer longer than VK's limit (split, all delivered), and a
resident who denied the community's messages (the item kept, the notice dead-lettered with
its reason)."""

import asyncio
import copy
import json
from typing import Any

import aiohttp
from sqlalchemy import func
from sqlmodel import select

from models import Inbox, Item, ItemStatus, Outbox, OutboxStatus
from tests.bot.vk.harness import CONFIRMATION, GROUP, VK_SECRET, VkSystem, running_vk
from tests.helpers import act, actor
from workflows.items.transitions import Action


async def post(sys: VkSystem, body: Any, *, group: int = GROUP, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    async with aiohttp.ClientSession() as http:
        url = f"{sys.base_url}/vk/callback/{group}"
        async with http.post(url, data=data) as r:
            return r.status, await r.text()


async def inbox_rows(sys: VkSystem) -> int:
    async with sys.rt.sm() as s:
        return int((await s.exec(select(func.count()).select_from(Inbox))).one())


def event(text: str, event_id: str, **extra: Any) -> dict[str, Any]:
    message = {"id": 0, "peer_id": 7100, "from_id": 7100, "text": text, "date": 1}
    return {
        "type": "message_new",
        "object": {"message": message, "client_info": {}},
        "group_id": GROUP,
        "event_id": event_id,
        "v": "5.199",
        **extra,
    }


async def test_the_endpoint_refuses_what_is_not_ours_and_saves_nothing(engine, sm, muni):
    async with running_vk(engine, callback=True) as sys:
        before = await inbox_rows(sys)
        good = event("Нет воды", "f00d01", secret=VK_SECRET)
        cases = [
            ({**good, "secret": "wrong"}, GROUP, 403),
            ({k: v for k, v in good.items() if k != "secret"}, GROUP, 403),
            ({**good, "secret": 12345}, GROUP, 403),
            ({**good, "group_id": GROUP + 1}, GROUP, 403),  # another community's event
            (good, GROUP + 1, 403),  # a community this deployment does not serve
            ([good], GROUP, 403),
        ]
        for body, group, status in cases:
            assert (await post(sys, body, group=group))[0] == status, body
        assert (await post(sys, None, raw=b"{not json"))[0] == 400
        assert (await post(sys, None, raw=b"{" + b" " * 1_000_001 + b"}"))[0] == 413
        assert await inbox_rows(sys) == before, "nothing saved"

        # The confirmation: our community's code only, and only for our community.
        assert await post(sys, {"type": "confirmation", "group_id": GROUP}) == (200, CONFIRMATION)
        other = await post(sys, {"type": "confirmation", "group_id": GROUP + 1})
        assert other[0] == 403 and CONFIRMATION not in other[1]
        elsewhere = await post(
            sys, {"type": "confirmation", "group_id": GROUP + 1}, group=GROUP + 1
        )
        assert elsewhere[0] == 403 and CONFIRMATION not in elsewhere[1]

        # An event we cannot use is acknowledged (VK must not retry it forever), not saved.
        assert await post(sys, {"type": "message_new", "group_id": GROUP, "secret": VK_SECRET}) == (
            200,
            "ok",
        )
        assert await inbox_rows(sys) == before
        stored = await post(sys, good)
        assert stored == (200, "ok")
        async with sys.rt.sm() as s:
            row = (await s.exec(select(Inbox))).one()
        assert "secret" not in row.payload, "the secret is never kept"


async def test_one_event_delivered_five_times_is_one_item_and_one_reply(engine, sm, muni):
    async with running_vk(engine, callback=True) as sys:
        resident = await sys.consented(7001)
        summary = await sys.draft(resident, "Упало дерево на провода")
        send = next(
            b["action"]
            for row in summary["keyboard"]["buttons"]
            for b in row
            if b["action"].get("label") == "✅ Отправить"
        )
        group = sys.vk.group(GROUP)
        press = await resident.press(GROUP, summary, json.loads(send["payload"]))
        await sys.expect(resident, "зарегистрировано под номером")
        delivered = next(e for e in group.events if e.get("type") == "message_event")
        body = copy.deepcopy(
            [e for e in group.events if e.get("object", {}).get("event_id") == press["event_id"]][
                -1
            ]
        )
        assert delivered
        for attempt in range(1, 5):  # VK retrying the same event (same event_id)
            status, text = await sys.vk.deliver_raw(
                GROUP, body, secret=VK_SECRET, retry_counter=attempt
            )
            assert (status, text) == (200, "ok")
        await resident.write(GROUP, "/help")
        await sys.expect(resident, "Что умеет бот")
        registered = [m for m in resident.messages(GROUP) if "зарегистрировано" in m["text"]]
        assert len(registered) == 1, "one reply"
    async with sm() as s:
        items = list(await s.exec(select(Item)))
    assert len(items) == 1, "one item"


async def test_forged_and_oversize_payloads_do_nothing_but_are_answered(engine, sm, muni):
    async with running_vk(engine) as sys:
        resident = await sys.consented(7001)
        greeting = resident.messages(GROUP)[0]
        forged = [
            {"o": ["send", 987654321]},  # a draft that was never made
            {"o": ["tk", 1, 1]},  # a staff button, pressed by a resident
            {"o": ["rate", 1, 5]},  # rating an item that is not theirs
            {"o": ["sec", "1"]},
            {"o": ["ok"], "pad": "x" * 400},  # over VK's 255 bytes
            {"command": "start"},
            [1, 2, 3],
            None,
        ]
        for payload in forged:
            await resident.press(GROUP, greeting, payload)
        group = sys.vk.group(GROUP)
        await sys.vk.wait_until(
            lambda: sum(r.answered for r in group.message_events.values()) >= len(forged) + 1,
            10,
        )
        snackbars = resident.snackbars(GROUP)
        said = [m["text"] for m in resident.messages(GROUP)[2:]]
        assert len(snackbars) == len(forged), (snackbars, said)
        assert all(len(s) <= 90 for s in snackbars) and said == [], "refused in snackbars"
    async with sm() as s:
        assert list(await s.exec(select(Item))) == []


async def test_a_long_answer_is_split_and_a_denial_is_dead_lettered(engine, sm, muni):
    async with running_vk(engine) as sys:
        resident = await sys.consented(7001)
        await sys.report(resident, "Нет воды на улице")
        async with sm() as s:
            item = (await s.exec(select(Item))).one()
        water = await actor(sm, "water")
        item = await act(sm, sys.clock, item, Action.take, water)
        await sys.expect(resident, "взято в работу")
        answer = ("Линию восстановили, опоры заменены. " * 250).strip()  # ≈ 9,000 characters
        item = await act(sm, sys.clock, item, Action.answer, water, text=answer)
        await sys.expect(resident, "Проблема решена?", timeout=20)
        parts = [m["text"] for m in resident.messages(GROUP) if "опоры" in m["text"]]
        assert len(parts) >= 3 and all(len(p) <= 4096 for p in parts)
        joined = " ".join(" ".join(parts).split())
        assert joined.endswith(" ".join(answer.split())), "nothing lost"
        assert joined.count("заменены") == 250, "nothing doubled"
        assert sys.vk.stats.errors.get(914, 0) == 0

        # The resident forbids the community's messages: the next notice cannot be delivered.
        await resident.deny_messages(GROUP)
        item = await act(sm, sys.clock, item, Action.close, water)
        for _ in range(200):
            rows = [r for r in await outbox_of(sm) if r.kind == "closed" and r.citizen_id]
            if rows and rows[0].status is OutboxStatus.dead:
                break
            await asyncio.sleep(0.05)
        assert rows, "a notice to the resident was queued"
        assert rows[0].status is OutboxStatus.dead and "901" in (rows[0].last_error or "")
        assert "сохранено" in (rows[0].last_error or "")
        alerts = [r for r in await outbox_of(sm) if r.kind == "dead_letter"]
        assert alerts, "the operators are told"
        assert all("7001" not in str(a.payload) for a in alerts), "no resident's VK id in chat"
    async with sm() as s:
        kept = await s.get(Item, item.id)
    assert kept is not None and kept.status is ItemStatus.closed, "the item is kept"


async def outbox_of(sm) -> list[Outbox]:
    async with sm() as s:
        return list(await s.exec(select(Outbox).order_by(Outbox.id)))
