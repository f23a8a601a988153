"""The real vk_api client pointed at the emulator, through the production transport (API 5.199,
no client-side pacing, VK's host rewritten to the emulator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import vk_api

from bot.vk.transport import vk_session

if TYPE_CHECKING:
    from tests.bot.vk.emulator import VkApiEmulator


def vk_for(emu: VkApiEmulator, token: str) -> vk_api.VkApi:
    return vk_session(token, api_base=emu.api_base, timeout=10.0)
