"""`mcu run` with a token and no webhook URL serves citizens and staff by polling."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.bot.emulator import BotApiEmulator
from tests.bot.harness import TOKEN, text_of
from tests.forbidden import secret
from tests.test_embedded import embedded_env, mcu_running


@pytest.mark.slow
async def test_mcu_run_polls_telegram(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        emu.add_bot(TOKEN, username="bezhta_bot")
        env = embedded_env(
            tmp_path,
            TELEGRAM_TOKEN=TOKEN,
            TELEGRAM_API_BASE=emu.base_url,
            TELEGRAM_BOT_USERNAME="bezhta_bot",
            MCU_POLL_SECONDS="0.5",
        )
        async with mcu_running(tmp_path, env):
            citizen = emu.user(7001, first_name="Житель")
            await citizen.start()
            greeting = await emu.wait_until(citizen.last_from_bot, 20)
            assert "Бежтинский участок" in text_of(greeting)
            assert "✅ Согласен(на)" in citizen.button_texts(greeting)

            invite = subprocess.run(
                ["mcu", "invite", "water", "--municipality", "bezhta"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            code = re.search(r"start=(\S+)", invite)
            assert code, invite
            secret(code.group(1), "приглашение сотрудника")
            officer = emu.user(7002, first_name="Сотрудник")
            await officer.start(payload=code.group(1))
            joined = await emu.wait_until(officer.last_from_bot, 20)
            assert "подключены" in text_of(joined)
    assert TOKEN not in (tmp_path / "mcu.log").read_text()  # the token never reaches the log
