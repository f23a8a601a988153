"""/readyz and /metrics over real HTTP: readiness with its checks (503 naming what failed),
metrics that read the queues as they are, sends and 429s counted through the Bot API emulator."""

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlmodel import select

from bot.telegram.runner import attach_port, make_bot
from models import Channel, Inbox, Outbox, OutboxStatus, Staff, Timer, TimerStatus
from models.db import make_sessionmaker
from models.settings import Settings
from tests.api.conftest import BOOTSTRAP, Api, serve
from tests.bot.emulator import BotApiEmulator
from tests.helpers import register
from workflows.jobs.heartbeat import STALE_AFTER, do_beat
from workflows.jobs.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "metrics-scraper-token-for-tests"
BOT_TOKEN = "424242:TEST-metrics-bot"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by name and labels."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def test_readyz_answers_503_with_what_failed_then_200(api: Api):
    r = await api.client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["error"] == "not_ready" and "worker" in body["reason"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is False

    await do_beat(api.rt.sm, name="worker:test", now=api.rt.clock.now())
    r = await api.client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"
    assert set(r.json()["checks"]) == {"database", "worker", "dead_letters"}

    api.rt.clock.advance(STALE_AFTER * 2)  # type: ignore[attr-defined]
    r = await api.client.get("/readyz")
    assert r.status_code == 503 and r.json()["reason"] == "не готово: worker"
    assert (await api.client.get("/healthz")).status_code == 200  # liveness is another matter


async def test_metrics_need_a_token_of_the_right_kind(api: Api):
    r = await api.client.get("/metrics")
    assert r.status_code == 401 and r.json()["error"] == "http_401"
    assert (
        await api.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    ).status_code == 401
    assert (await api.client.get("/metrics", headers=api.auth("water"))).status_code == 403
    for who in ("bootstrap", "admin", "curator"):
        r = await api.client.get("/metrics", headers=api.auth(who))
        assert r.status_code == 200, who
        assert r.headers["content-type"].startswith("text/plain")


async def test_a_metrics_token_lets_a_scraper_in(engine, sm, clock, muni):
    settings = Settings.model_validate(
        {"MCU_ENV": "test", "MCU_ADMIN_TOKEN": BOOTSTRAP, "MCU_METRICS_TOKEN": METRICS_TOKEN}
    )
    rt = Runtime(engine, make_sessionmaker(engine), clock, settings)
    async with serve(rt) as base, httpx.AsyncClient(base_url=base) as client:
        ok = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert ok.status_code == 200 and "mcu_outbox_pending" in ok.text
        bad = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"})
        assert bad.status_code == 401


async def test_metrics_show_the_queues_as_they_are(api: Api, sm, clock, muni):
    now = clock.now()
    base = await api.client.get("/metrics", headers=api.auth("admin"))
    assert value(base.text, "mcu_inbox_unprocessed", channel="telegram") == 0
    item = await register(sm, clock, muni, "Нет света")  # queues its notices, plans its timers
    async with sm() as s:
        for i, age in enumerate((600, 30)):
            s.add(
                Inbox(
                    channel=Channel.telegram,
                    update_id=str(i),
                    payload={},
                    received_at=now - timedelta(seconds=age),
                )
            )
        s.add(
            Inbox(
                channel=Channel.telegram,
                update_id="9",
                payload={},
                received_at=now - timedelta(hours=5),
                processed_at=now,
            )
        )
        s.add(
            Inbox(
                channel=Channel.vk,
                update_id="1",
                payload={},
                received_at=now - timedelta(seconds=7),
            )
        )
        await s.execute(update(Outbox).values(status=OutboxStatus.sent))  # the item's notices
        for channel, age in ((Channel.telegram, 120), (Channel.telegram, 60), (Channel.vk, 5)):
            s.add(
                Outbox(
                    channel=channel,
                    chat_id="5",
                    kind="x",
                    next_attempt_at=now + timedelta(hours=1),  # waiting for a retry
                    created_at=now - timedelta(seconds=age),
                )
            )
        for _ in range(3):
            s.add(
                Outbox(
                    channel=Channel.vk,
                    chat_id="5",
                    kind="x",
                    status=OutboxStatus.dead,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        timers = list(
            await s.exec(
                select(Timer).where(Timer.item_id == item.id, Timer.status == TimerStatus.pending)
            )
        )
        assert timers
        overdue = timers[0]
        overdue.due_at = now - timedelta(minutes=10)
        s.add(overdue)
        await s.commit()
    r = await api.client.get("/metrics", headers=api.auth("curator"))
    assert r.status_code == 200
    t = r.text
    assert value(t, "mcu_inbox_unprocessed", channel="telegram") == 2
    assert value(t, "mcu_inbox_unprocessed", channel="vk") == 1
    assert value(t, "mcu_inbox_oldest_unprocessed_age_seconds", channel="telegram") == 600
    assert value(t, "mcu_inbox_oldest_unprocessed_age_seconds", channel="vk") == 7
    assert value(t, "mcu_outbox_pending", channel="telegram") == 2
    assert value(t, "mcu_outbox_pending", channel="vk") == 1
    assert value(t, "mcu_outbox_oldest_pending_age_seconds", channel="telegram") == 120
    assert value(t, "mcu_outbox_oldest_pending_age_seconds", channel="vk") == 5
    assert value(t, "mcu_outbox_dead", channel="vk") == 3
    assert value(t, "mcu_outbox_dead", channel="telegram") == 0
    assert value(t, "mcu_timers_overdue") == 1
    assert value(t, "mcu_timers_oldest_overdue_seconds") == 600


async def test_sends_and_429s_through_the_bot_api_emulator_are_counted(api: Api, sm, clock, muni):
    async with BotApiEmulator(bot_per_second=None, private_chat_burst=None) as emu:
        emu.add_bot(BOT_TOKEN)
        user = emu.user(7001, started=True)
        settings = api.rt.settings.model_copy(
            update={
                "telegram_token": Settings.model_validate(
                    {"TELEGRAM_TOKEN": BOT_TOKEN}
                ).telegram_token,
                "telegram_api_base": emu.base_url,
                "telegram_chat_interval": 0.0,
            }
        )
        rt = Runtime(api.rt.engine, api.rt.sm, clock, settings)
        bot = make_bot(rt)
        attach_port(rt, bot)
        try:
            async with sm() as s:
                head = (await s.exec(select(Staff).where(Staff.code == "head"))).one()
                head.telegram_id = user.id
                s.add(head)
                await s.commit()
            before = (await api.client.get("/metrics", headers=api.auth("admin"))).text
            s_ok = value(before, "mcu_outbox_sends_total", channel="telegram", result="ok")
            s_429 = value(before, "mcu_channel_429_responses_total", channel="telegram")

            item = await register(sm, clock, muni, "Яма на дороге")
            async with sm() as s:
                s.add(
                    Outbox(
                        municipality_id=muni,
                        channel=Channel.telegram,
                        chat_id=str(user.id),
                        staff_id=head.id,
                        item_id=item.id,
                        kind="escalation",
                        payload={"number": item.number},
                        next_attempt_at=clock.now(),
                        created_at=clock.now(),
                    )
                )
                await s.commit()
            emu.fail_next("sendMessage", code=429, retry_after=1)
            assert await rt.sender.run_once() >= 1
            assert any(
                "Яма" in str(m.get("text")) or item.number in str(m.get("text"))
                for m in user.bot_messages()
            )

            after = (await api.client.get("/metrics", headers=api.auth("admin"))).text
            sent = len(
                [
                    r
                    for r in await outbox_rows(sm)
                    if r.channel is Channel.telegram and r.status is OutboxStatus.sent
                ]
            )
            assert (
                value(after, "mcu_outbox_sends_total", channel="telegram", result="ok") - s_ok
                == sent
            )
            assert value(after, "mcu_channel_429_responses_total", channel="telegram") - s_429 == 1
        finally:
            await bot.session.close()


async def outbox_rows(sm) -> list[Outbox]:
    async with sm() as s:
        return list(await s.exec(select(Outbox)))


async def test_the_compose_healthcheck_passes_against_a_live_api(api: Api):
    """The api service's healthcheck in docker-compose.yml, run against a live API."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    code = compose["services"]["api"]["healthcheck"]["test"][3]
    code = code.replace("http://127.0.0.1:8000", str(api.client.base_url).rstrip("/"))
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
    assert await proc.wait() == 0
    down = code.replace(str(api.client.base_url).rstrip("/"), "http://127.0.0.1:1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", down, stderr=asyncio.subprocess.DEVNULL
    )
    assert await proc.wait() != 0


def test_production_refuses_a_weak_metrics_token():
    import pytest
    from pydantic import ValidationError

    base = {
        "MCU_ENV": "production",
        "DATABASE_URL": "postgresql://mcu:pw@db/mcu",
        "MCU_ADMIN_TOKEN": "Q7vR2mXk9pLs4TzW8nYb3cHd6fJg1aEu",
    }
    with pytest.raises(ValidationError, match="MCU_METRICS_TOKEN: слишком короткий"):
        Settings.model_validate({**base, "MCU_METRICS_TOKEN": "metrics"})
    assert Settings.model_validate(
        {**base, "MCU_METRICS_TOKEN": "k3Jd9QwP2xLm7VbN4rTz8HyC1fGs6AeU"}
    ).metrics_token
