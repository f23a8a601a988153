"""`mcu run` with only a VK token (no Telegram) serves VK residents on the embedded default
(SQLite, jobs in process): Bots Long Poll, the whole report to a number, a clean stop."""

import asyncio
from pathlib import Path

import pytest

from tests.bot.vk.emulator import VkApiEmulator
from tests.bot.vk.harness import GROUP, VK_TOKEN
from tests.test_embedded import embedded_env, mcu_running


async def until(predicate, timeout: float = 20.0):
    for _ in range(int(timeout / 0.1)):
        if value := predicate():
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("not seen in time")


@pytest.mark.slow
async def test_mcu_run_serves_vk_residents_with_a_vk_token_alone(tmp_path: Path) -> None:
    async with VkApiEmulator() as emu:
        emu.add_group(GROUP, VK_TOKEN, "Бежтинский участок")
        env = embedded_env(
            tmp_path,
            VK_TOKEN=VK_TOKEN,
            VK_GROUP_ID=str(GROUP),
            VK_API_BASE=emu.api_base,
            MCU_POLL_SECONDS="0.5",
        )
        async with mcu_running(tmp_path, env) as run:
            group = emu.group(GROUP)
            await until(lambda: group.stats.requests.get("groups.getLongPollServer"))
            await asyncio.sleep(0.5)  # the long poll's first check is under way
            resident = emu.user(7001, "Житель")

            def said(needle: str):
                return lambda: next(
                    (m for m in resident.messages(GROUP) if needle in m["text"]), None
                )

            await resident.write(GROUP, "Начать", {"command": "start"})
            greeting = await until(said("Бежтинский участок"))
            await resident.press_callback_button(GROUP, greeting, "✅ Согласен(на)")
            await until(said("Согласие получено"))
            await resident.press_text_button(GROUP, None, "📝 Сообщить о проблеме")
            topics = await until(said("О чём ваше сообщение"))
            await resident.press_callback_button(GROUP, topics, "Дороги")
            await until(said("Опишите проблему"))
            await resident.write(GROUP, "Яма на дороге у моста")
            done = await until(said("Записал"))
            await resident.press_callback_button(GROUP, done, "Готово ➡️")
            places = await until(said("Где это?"))
            await resident.press_callback_button(GROUP, places, "Бежта")
            summary = await until(said("Проверьте"))
            await resident.press_callback_button(GROUP, summary, "✅ Отправить")
            registered = await until(said("зарегистрировано под номером"))
            assert "БЖТ-" in registered["text"]
    text = run.log.read_text()
    assert run.proc.returncode in (0, 130), text[-2000:]  # stopped by Ctrl+C, within the wait
    assert VK_TOKEN not in text, "the token never reaches the log"
    assert "Bots Long Poll" in text
