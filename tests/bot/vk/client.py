"""The real vk_api client pointed at the emulator (production code has its own adapter)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests
import vk_api
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from tests.bot.vk.emulator import VkApiEmulator

VK_PREFIXES = ("https://api.vk.ru/method/", "https://api.vk.com/method/")


class RedirectAdapter(HTTPAdapter):
    """Sends requests for VK's hard-coded API host to another base URL."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        """Rewrite the prefix, then send as usual."""
        url = request.url or ""
        for prefix in VK_PREFIXES:
            if url.startswith(prefix):
                request.url = self.base + url[len(prefix) :]
                break
        return super().send(request, *args, **kwargs)


def vk_for(emu: VkApiEmulator, token: str) -> vk_api.VkApi:
    """A VkApi on API 5.199 whose calls reach the emulator, with no client-side pacing."""
    vk = vk_api.VkApi(token=token, api_version="5.199")
    vk.RPS_DELAY = 0
    adapter = RedirectAdapter(emu.api_base)
    for prefix in VK_PREFIXES:
        vk.http.mount(prefix, adapter)
    return vk
