"""kill -9 of the bot process after a report was confirmed and before the citizen heard back:
after a restart the citizen gets the number, and there is one item, one staff card."""

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import Inbox, Item, Outbox
from tests.bot.emulator import BotApiEmulator
from tests.bot.harness import TOKEN, text_of
from tests.helpers import staff
from tests.logscan import log_path


def start_bot(pg_database: str, emu: BotApiEmulator) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=pg_database,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE=emu.base_url,
        MCU_ENV="test",
        MCU_POLL_SECONDS="0.2",
        MCU_TELEGRAM_CHAT_INTERVAL="0",
        MCU_WEEKLY_NOTE="false",
        MCU_INBOX_LEASE_SECONDS="3",  # the killed process's claim on the update runs out soon
    )
    # `mcu run` with a Postgres URL: the bot, the timers and the sender, as in production.
    return subprocess.Popen(
        [sys.executable, "-m", "mcu", "run", "--port", "0"],
        env=env,
        stdout=open(os.environ.get("MCU_KILL9_LOG") or log_path("kill9-mcu-run"), "ab"),
        stderr=subprocess.STDOUT,
    )


async def count(sm, model, *where) -> int:
    async with sm() as s:
        q = select(func.count()).select_from(model)
        for w in where:
            q = q.where(w)
        return int((await s.exec(q)).one())


@pytest.mark.slow
async def test_kill_9_between_confirm_and_reply_loses_and_duplicates_nothing(sm, muni, pg_database):
    async with BotApiEmulator(bot_per_second=None, private_chat_burst=None) as emu:
        emu.add_bot(TOKEN, username="mcu_test_bot")
        water = await staff(sm, "water")
        async with sm() as s:
            water.telegram_id = 9001
            s.add(water)
            await s.commit()
        proc = start_bot(pg_database, emu)
        try:
            card = emu.user(9001)  # the staff member has opened the bot (Telegram requires it)
            await card.start()
            await emu.wait_until(card.last_from_bot, 30)
            citizen = emu.user(5001, first_name="Житель")
            await citizen.start()
            greeting = await emu.wait_until(citizen.last_from_bot, 30)
            await citizen.press(greeting, "✅ Согласен(на)")
            await emu.wait_until(
                lambda: "Согласие получено" in text_of(citizen.last_from_bot() or {}), 10
            )
            await citizen.tap("📝 Сообщить о проблеме")
            topics = await emu.wait_until(
                lambda: (m := citizen.last_from_bot()) and "О чём" in text_of(m) and m, 10
            )
            await citizen.press(topics, "ЖКХ")
            await emu.wait_until(lambda: "Опишите" in text_of(citizen.last_from_bot() or {}), 10)
            await citizen.send_text("Нет воды: прорвало водопровод у школы")
            done = await emu.wait_until(
                lambda: (m := citizen.last_from_bot()) and "Записал" in text_of(m) and m, 10
            )
            await citizen.press(done, "Готово ➡️")
            places = await emu.wait_until(
                lambda: next((m for m in citizen.bot_messages() if "Где это" in text_of(m)), None),
                10,
            )
            await citizen.press(places, "село Тестовое")
            summary = await emu.wait_until(
                lambda: (m := citizen.last_from_bot()) and "Проверьте" in text_of(m) and m, 10
            )
            # The reply with the number is held: the bot has committed the turn and waits.
            emu.hold = lambda name, p: (
                name == "sendMessage" and "зарегистрировано" in str(p.get("text", ""))
            )
            await citizen.press(summary, "✅ Отправить")
            await emu.wait_until(lambda: emu.held or None, 20)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            proc.kill()
        assert await count(sm, Item) == 1  # the turn was committed before the reply
        assert await count(sm, Inbox, Inbox.processed_at.is_(None)) == 1  # type: ignore[union-attr]
        emu.hold = None
        emu.released.set()
        proc = start_bot(pg_database, emu)
        try:
            await emu.wait_until(
                lambda: (
                    any("зарегистрировано" in text_of(m) for m in citizen.bot_messages()) or None
                ),
                30,
            )
            await emu.wait_until(
                lambda: any("ТСТ-" in text_of(m) for m in card.bot_messages()) or None, 30
            )
            await asyncio.sleep(1.0)  # time for anything that would be sent twice
        finally:
            proc.terminate()
            proc.wait(10)
    numbers = [m for m in citizen.bot_messages() if "зарегистрировано" in text_of(m)]
    assert len(numbers) == 1 and "ТСТ-" in text_of(numbers[0])
    assert await count(sm, Item) == 1
    assert len([m for m in card.bot_messages() if "ТСТ-" in text_of(m)]) == 1
    assert await count(sm, Outbox, Outbox.staff_id == water.id) == 1
