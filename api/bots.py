"""The deployment's bots as the intake endpoints need them (their secrets), looked up at most
every 30 s (a setup applied meanwhile is seen after that)."""

import time

from models import Channel
from workflows.jobs.runtime import Runtime
from workflows.setup.bots import BotSpec, get_bot_specs

SPECS_TTL = 30.0
_cache: dict[int, tuple[float, list[BotSpec]]] = {}


async def bot_specs(rt: Runtime) -> list[BotSpec]:
    kept = _cache.get(id(rt))
    if kept is None or time.monotonic() - kept[0] > SPECS_TTL:
        async with rt.sm() as s:
            specs, _ = await get_bot_specs(s, rt.settings)
        kept = _cache[id(rt)] = (time.monotonic(), specs)
    return kept[1]


async def vk_community(rt: Runtime, group_id: int) -> BotSpec | None:
    return next(
        (s for s in await bot_specs(rt) if s.channel is Channel.vk and s.group_id == group_id),
        None,
    )


async def telegram_bot(rt: Runtime, bot_id: int) -> BotSpec | None:
    """A setup's Telegram bot by its id (the digits its token starts with)."""
    for s in await bot_specs(rt):
        head = s.token.get_secret_value().partition(":")[0]
        if s.channel is Channel.telegram and s.key != "tg:env" and head == str(bot_id):
            return s
    return None
