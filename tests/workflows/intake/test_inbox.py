"""The inbox: saved once per update id, the last id compares as a number; claimed by chat — in
order within a chat, in parallel across chats, by several claimers at once, never twice; a
lease left by a dead worker runs out and the row is taken again."""

import asyncio
import random
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from models import Channel, Inbox
from models.db import make_engine, make_sessionmaker
from models.migrate import upgrade_head_async
from workflows.core.clock import FakeClock, SystemClock
from workflows.intake.claims import (
    ClaimedUpdate,
    do_claim_update,
    do_finish_and_claim,
    do_finish_update,
    do_renew_claim,
)
from workflows.intake.inbox import do_save_update, get_chat_key, get_last_update_id, get_unprocessed
from workflows.intake.workers import MAX_CLAIMS, process_next, run_inbox_workers

LEASE = timedelta(seconds=30)


def message(update_id: int, chat: int, text: str = "") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "chat": {"id": chat}, "text": text or str(update_id)},
    }


async def save(engine: AsyncEngine, clock: Any, payload: dict[str, Any]) -> bool:
    return await do_save_update(
        engine,
        channel=Channel.telegram,
        update_id=str(payload["update_id"]),
        payload=payload,
        now=clock.now(),
    )


async def claim(engine: AsyncEngine, clock: Any) -> ClaimedUpdate | None:
    return await do_claim_update(engine, channel=Channel.telegram, now=clock.now(), lease=LEASE)


async def test_redelivery_is_saved_once_and_ids_compare_as_numbers(sm, engine, clock):
    async with sm() as s:
        assert await get_last_update_id(s, channel=Channel.telegram) is None
        saved = [
            await save(engine, clock, {"update_id": int(uid)}) for uid in ("999", "1000", "999")
        ]
        assert saved == [True, True, False]  # the second "999" is a redelivery
        assert await get_last_update_id(s, channel=Channel.telegram) == 1000
        rows = await get_unprocessed(s, channel=Channel.telegram, limit=10)
    assert [r.update_id for r in rows] == ["999", "1000"]


@pytest.mark.parametrize(
    ("payload", "key"),
    [
        (message(1, 42), "42"),
        ({"update_id": 2, "edited_message": {"chat": {"id": -100}}}, "-100"),
        ({"callback_query": {"from": {"id": 7}, "message": {"chat": {"id": -5}}}}, "-5"),
        ({"callback_query": {"from": {"id": 7}, "inline_message_id": "x"}}, "7"),
        ({"inline_query": {"from": {"id": 8}, "query": ""}}, "8"),
        ({"poll_answer": {"user": {"id": 9}, "poll_id": "p"}}, "9"),
        ({"poll": {"id": "p"}}, None),  # belongs to no chat: no order to keep
        ({"message": {"chat": {"id": "not a number"}}}, None),
    ],
)
def test_chat_key_of_telegram_updates(payload: dict[str, Any], key: str | None) -> None:
    assert get_chat_key(channel=Channel.telegram, payload=payload) == key


def test_a_channel_without_a_reader_is_one_ordered_lane() -> None:
    assert get_chat_key(channel=Channel.api, payload={"type": "message_new"}) == "api"
    # VK has its reader: a conversation within its community (tests/bot/vk/test_vk_parts.py)
    assert get_chat_key(channel=Channel.vk, payload={"type": "message_new"}) is None


async def test_claims_keep_a_chats_order_and_skip_a_busy_chat(sm, engine, clock):
    for payload in (message(1, 100), message(2, 100), message(3, 200)):
        await save(engine, clock, payload)
    first = await claim(engine, clock)
    assert first is not None and (first.update_id, first.chat_key, first.claim) == ("1", "100", 1)
    second = await claim(engine, clock)
    assert second is not None and second.update_id == "3"  # chat 100 is busy: chat 200 goes on
    assert await claim(engine, clock) is None  # "2" waits for "1"
    await do_finish_update(engine, inbox_id=first.id, now=clock.now())
    third = await claim(engine, clock)
    assert third is not None and third.update_id == "2"


async def finish_and_claim(engine: AsyncEngine, clock: Any, row: ClaimedUpdate, error=None):
    return await do_finish_and_claim(
        engine,
        inbox_id=row.id,
        error=error,
        channel=Channel.telegram,
        now=clock.now(),
        lease=LEASE,
    )


async def check_finish_and_claim(engine: AsyncEngine, clock: Any) -> None:
    for payload in (message(1, 100), message(2, 100), message(3, 200)):
        await save(engine, clock, payload)
    first, other = await claim(engine, clock), await claim(engine, clock)
    assert first and other and (first.update_id, other.update_id) == ("1", "3")
    # Recording "1" and claiming in one go: "1" counts as done, so its chat's "2" is next.
    after = await finish_and_claim(engine, clock, first)
    assert after is not None and after.update_id == "2"
    assert await finish_and_claim(engine, clock, other, error="плохо") is None
    async with make_sessionmaker(engine)() as s:
        rows = {r.update_id: r for r in await s.exec(select(Inbox))}
    assert rows["1"].processed_at and rows["1"].error is None and rows["1"].claimed_until is None
    assert rows["3"].processed_at and rows["3"].error == "плохо"
    assert rows["2"].processed_at is None and rows["2"].claimed_until is not None


async def test_an_outcome_is_recorded_with_the_next_claim(sm, engine, clock):
    await check_finish_and_claim(engine, clock)


async def test_a_dead_workers_lease_runs_out_and_the_row_is_taken_again(sm, engine, clock):
    await save(engine, clock, message(1, 100))
    await save(engine, clock, message(2, 100))
    dead = await claim(engine, clock)  # then its process is killed: nobody finishes it
    assert dead is not None and dead.update_id == "1"
    clock.advance(LEASE - timedelta(seconds=1))
    assert await claim(engine, clock) is None  # still leased; "2" waits behind it
    clock.advance(timedelta(seconds=2))
    again = await claim(engine, clock)
    assert again is not None and (again.update_id, again.claim) == ("1", 2)
    # The old holder, if it was only slow, learns it lost the row and stops renewing.
    assert not await do_renew_claim(engine, claimed=dead, now=clock.now(), lease=LEASE)
    assert await do_renew_claim(engine, claimed=again, now=clock.now(), lease=LEASE)


async def test_a_renewed_lease_is_not_taken(sm, engine, clock):
    await save(engine, clock, message(1, 100))
    held = await claim(engine, clock)
    assert held is not None
    for _ in range(3):
        clock.advance(LEASE / 2)
        assert await do_renew_claim(engine, claimed=held, now=clock.now(), lease=LEASE)
        assert await claim(engine, clock) is None


async def test_a_failing_update_is_recorded_and_its_chat_goes_on(sm, engine, clock):
    for payload in (message(1, 100, "boom"), message(2, 100, "fine")):
        await save(engine, clock, payload)
    handled: list[str] = []

    async def handle(row: ClaimedUpdate) -> None:
        if row.payload["message"]["text"] == "boom":
            raise ValueError("плохое обновление")
        handled.append(row.update_id)

    kw: dict[str, Any] = {"channel": Channel.telegram, "handle": handle, "clock": clock}
    while await process_next(engine, lease=LEASE, **kw):
        pass
    assert handled == ["2"]
    async with sm() as s:
        rows = {r.update_id: r for r in await s.exec(select(Inbox))}
    assert rows["1"].error == "ValueError: плохое обновление" and rows["1"].processed_at
    assert rows["2"].error is None and rows["2"].claimed_until is None


async def test_a_row_that_keeps_killing_its_workers_is_given_up(sm, engine, clock):
    await save(engine, clock, message(1, 100))
    for _ in range(MAX_CLAIMS):  # each claimer dies holding it
        assert await claim(engine, clock) is not None
        clock.advance(LEASE + timedelta(seconds=1))
    called: list[str] = []

    async def handle(row: ClaimedUpdate) -> None:
        called.append(row.update_id)

    kw: dict[str, Any] = {"channel": Channel.telegram, "handle": handle, "clock": clock}
    assert await process_next(engine, lease=LEASE, **kw)
    assert called == []
    async with sm() as s:
        row = (await s.exec(select(Inbox))).one()
    assert row.processed_at is not None and "abandoned" in (row.error or "")


async def handle_all_concurrently(
    engines: list[AsyncEngine], *, chats: int, per_chat: int, concurrency: int
) -> tuple[dict[str, list[int]], list[str]]:
    """Save `per_chat` updates to each of `chats` chats, interleaved, then let `concurrency`
    workers on each engine (as many processes) handle them; (order seen per chat, handled)."""
    clock = SystemClock()
    n = 0
    for i in range(per_chat):
        for chat in range(chats):
            n += 1
            await save(engines[0], clock, message(n, 1000 + chat, f"{chat}:{i}"))
    seen: dict[str, list[int]] = defaultdict(list)
    handled: list[str] = []
    busy: set[str | None] = set()
    overlaps: list[str] = []
    stop = asyncio.Event()

    async def handle(row: ClaimedUpdate) -> None:
        if row.chat_key in busy:
            overlaps.append(row.update_id)  # two workers in one chat at once
        busy.add(row.chat_key)
        await asyncio.sleep(random.uniform(0, 0.004))  # handlers take varying time
        seen[row.chat_key or ""].append(int(row.payload["message"]["text"].split(":")[1]))
        handled.append(row.update_id)
        busy.discard(row.chat_key)
        if len(handled) >= n:
            stop.set()

    async def one_process(engine: AsyncEngine) -> None:
        await run_inbox_workers(
            engine,
            channel=Channel.telegram,
            handle=handle,
            clock=clock,
            concurrency=concurrency,
            lease=LEASE,
            stop=stop,
            wake=asyncio.Event(),
            poll_seconds=0.05,
        )

    await asyncio.wait_for(asyncio.gather(*(one_process(e) for e in engines)), 60)
    assert overlaps == []
    return seen, handled


async def test_two_claimers_handle_every_update_once_in_chat_order(sm, engine, pg_database):
    other = make_engine(pg_database, pool_size=10)  # a second process's own pool
    try:
        seen, handled = await handle_all_concurrently(
            [engine, other], chats=40, per_chat=8, concurrency=8
        )
    finally:
        await other.dispose()
    assert sorted(handled, key=int) == [str(i) for i in range(1, 321)]  # each once
    assert len(seen) == 40 and all(order == list(range(8)) for order in seen.values())
    async with sm() as s:
        rows = list(await s.exec(select(Inbox)))
    assert all(r.processed_at and r.claimed_until is None and r.claims == 1 for r in rows)


async def test_sqlite_claims_by_chat(sqlite_url: str) -> None:
    await upgrade_head_async(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        clock = FakeClock(SystemClock().now())
        for payload in (message(1, 100), message(2, 100), message(3, 200)):
            await save(engine, clock, payload)
        first, second = await claim(engine, clock), await claim(engine, clock)
        assert first and second and (first.update_id, second.update_id) == ("1", "3")
        assert await claim(engine, clock) is None
        clock.advance(LEASE + timedelta(seconds=1))
        again = await claim(engine, clock)
        assert again is not None and (again.update_id, again.claim) == ("1", 2)
        for row in (again, second):
            await do_finish_update(engine, inbox_id=row.id, now=clock.now())
        left = await claim(engine, clock)  # then the process dies holding "2"
        assert left is not None and left.update_id == "2"
        handled: list[str] = []
        stop = asyncio.Event()

        async def handle(row: ClaimedUpdate) -> None:
            handled.append(row.update_id)
            stop.set()

        # On SQLite (one process) a restart gives back at once what its previous life held.
        await asyncio.wait_for(
            run_inbox_workers(
                engine,
                channel=Channel.telegram,
                handle=handle,
                clock=clock,
                concurrency=2,
                lease=LEASE,
                stop=stop,
                wake=asyncio.Event(),
            ),
            10,
        )
        assert handled == ["2"]
    finally:
        await engine.dispose()


async def test_sqlite_records_an_outcome_then_claims(sqlite_url: str) -> None:
    await upgrade_head_async(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        await check_finish_and_claim(engine, FakeClock(SystemClock().now()))
    finally:
        await engine.dispose()


async def test_sqlite_workers_handle_every_update_once_in_chat_order(sqlite_url: str) -> None:
    await upgrade_head_async(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        seen, handled = await handle_all_concurrently([engine], chats=10, per_chat=5, concurrency=4)
        assert sorted(handled, key=int) == [str(i) for i in range(1, 51)]
        assert len(seen) == 10 and all(o == list(range(5)) for o in seen.values())
        async with make_sessionmaker(engine)() as s:
            assert not await get_unprocessed(s, channel=Channel.telegram, limit=10)
    finally:
        await engine.dispose()
