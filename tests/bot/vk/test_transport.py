"""The VK transport against the emulator: calls that their turn in the budget lets go together
(a late one and the next on time) still leave a gap apart, so VK counts no 21st in a second."""

import asyncio
import itertools

from bot.vk.transport import VkClient
from tests.bot.vk.emulator import VkApiEmulator
from tests.forbidden import secret

GROUP = 218_000_002
TOKEN = secret("vk1.a.community-token-transport", "ключ сообщества VK")


async def no_turns(chat: str | None) -> None:
    """A budget that lets every call go at once (what a busy event loop makes of late turns)."""


async def test_calls_let_go_together_leave_a_gap_apart() -> None:
    async with VkApiEmulator() as emu:
        emu.add_group(GROUP, TOKEN)
        client = VkClient(TOKEN, api_base=emu.api_base, timeout=10, pace=no_turns, per_second=19)
        assert client.spacing is not None
        spacing = client.spacing.wait
        left: list[float] = []

        def leave() -> float:
            left.append(spacing())
            return left[-1]

        client.spacing.wait = leave  # type: ignore[method-assign]
        await asyncio.gather(*(client.call("groups.getById", {}) for _ in range(22)))
        assert len(left) == 22 and emu.stats.errors[6] == 0, "22 calls at once, none refused"
        gaps = [b - a for a, b in itertools.pairwise(sorted(left))]
        assert min(gaps) >= 1 / 19 - 0.001, "each left 1/19 s after the one before"
        assert emu.stats.peak_per_second() <= 20


async def test_without_spacing_the_same_calls_get_error_6() -> None:
    async with VkApiEmulator() as emu:
        emu.add_group(GROUP, TOKEN)
        client = VkClient(TOKEN, api_base=emu.api_base, timeout=10, pace=no_turns)
        results = await asyncio.gather(
            *(client.call("groups.getById", {}) for _ in range(22)), return_exceptions=True
        )
        assert emu.stats.errors[6] > 0, "the emulator refuses the 21st in a second"
        assert all(not isinstance(r, BaseException) for r in results), "waited out and retried"


def test_calls_do_not_wait_for_the_loops_default_executor() -> None:
    """Long polls of many communities may hold every thread of the loop's small default
    executor; a community's calls run in threads of their own and still go through."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(1))
        released = threading.Event()
        hog = loop.run_in_executor(None, released.wait)  # the only default thread is taken
        try:
            async with VkApiEmulator() as emu:
                emu.add_group(GROUP, TOKEN)
                client = VkClient(TOKEN, api_base=emu.api_base, timeout=10, pace=no_turns)
                found = await asyncio.wait_for(
                    client.call("groups.getById", {"group_id": GROUP}), 20
                )
                client.close()
            assert found, "the call went through while the default executor was busy"
        finally:
            released.set()
            await hog

    asyncio.run(main())
