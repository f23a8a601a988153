"""The emulator's wall methods answer as VK documents them: paging limits, pinned first,
refusals for private and removed walls."""

from tests.bot.vk.emulator import VkApiEmulator
from tests.forbidden import secret

TOKEN = secret("vk1.a.community-token-wall-emu", "ключ сообщества VK")


async def call(emu: VkApiEmulator, method: str, **values: object) -> dict[str, object]:
    fields = {k: str(v) for k, v in values.items()}
    return await emu.invoke(method, {"access_token": TOKEN, "v": "5.199", **fields})


async def test_wall_get_pages_newest_first_with_the_pinned_on_top() -> None:
    async with VkApiEmulator() as emu:
        emu.add_group(5001, TOKEN)
        posts = [emu.post(-7, f"Запись {n}") for n in range(3)]
        emu.pin(-7, posts[0].id)
        answer = await call(emu, "wall.get", owner_id=-7, count=2)
        items = answer["response"]["items"]  # type: ignore[index]
        assert [i["id"] for i in items] == [posts[0].id, posts[2].id]
        assert items[0]["is_pinned"] == 1 and "is_pinned" not in items[1]
        too_many = await call(emu, "wall.get", owner_id=-7, count=101)
        assert too_many["error"]["error_code"] == 100  # type: ignore[index]


async def test_private_and_removed_walls_are_refused_with_vks_codes() -> None:
    async with VkApiEmulator() as emu:
        emu.add_group(5001, TOKEN)
        emu.post(-7, "Группа")
        emu.post(42, "Страница")
        codes = []
        for owner, access in ((-7, "private"), (42, "private"), (-7, "removed"), (42, "removed")):
            emu.set_access(owner, access)
            codes.append((await call(emu, "wall.get", owner_id=owner))["error"]["error_code"])  # type: ignore[index]
        assert codes == [15, 30, 15, 18]
        unknown = await call(emu, "wall.get", owner_id=-999)
        assert unknown["error"]["error_code"] == 100  # type: ignore[index]
