"""The emulator's wall methods answer as VK documents them: paging limits, pinned first,
refusals for private and removed walls, reading only with a service token."""

from tests.bot.vk.emulator import VkApiEmulator
from tests.forbidden import secret

TOKEN = secret("vk1.a.community-token-wall-emu", "ключ сообщества VK")
SERVICE = secret("service-token-wall-emu-0123456789abcdef", "сервисный ключ VK")


async def call(
    emu: VkApiEmulator, method: str, token: str = SERVICE, **values: object
) -> dict[str, object]:
    fields = {k: str(v) for k, v in values.items()}
    return await emu.invoke(method, {"access_token": token, "v": "5.199", **fields})


async def test_walls_are_read_with_a_service_token_not_a_communitys() -> None:
    async with VkApiEmulator() as emu:
        emu.add_group(5001, TOKEN)
        service = emu.service_token(SERVICE)
        post = emu.post(-7, "Запись")
        for method, extra in (("wall.get", {}), ("wall.getComments", {"post_id": post.id})):
            refused = await call(emu, method, TOKEN, owner_id=-7, **extra)
            assert refused["error"]["error_code"] == 27, method  # type: ignore[index]
            assert "group auth" in refused["error"]["error_msg"]  # type: ignore[index]
            assert "response" in await call(emu, method, owner_id=-7, **extra)
        wrote = await call(emu, "wall.createComment", owner_id=-7, post_id=post.id, message="Ответ")
        assert wrote["error"]["error_code"] == 28  # type: ignore[index]
        sent = await call(emu, "messages.send", peer_id=1, message="x", random_id=1)
        assert sent["error"]["error_code"] == 28  # type: ignore[index]
        assert emu.wall(-7).posts[post.id].comments == []
        assert service.stats.requests["wall.get"] == 1
        assert emu.group(5001).stats.requests["wall.get"] == 1  # the refused one


async def test_a_service_token_has_its_own_rate_limit() -> None:
    async with VkApiEmulator() as emu:
        emu.add_group(5001, TOKEN)
        emu.service_token(SERVICE)
        emu.post(-7, "Запись")
        emu.limits.service_per_second = 2
        codes = []
        for _ in range(3):
            answer = await call(emu, "wall.get", owner_id=-7)
            codes.append(answer.get("error", {}).get("error_code"))  # type: ignore[union-attr]
        assert codes == [None, None, 6]
        groups = await call(emu, "groups.getById", TOKEN)
        assert "response" in groups, "the community's budget is apart"


async def test_wall_get_pages_newest_first_with_the_pinned_on_top() -> None:
    async with VkApiEmulator() as emu:
        emu.service_token(SERVICE)
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
        emu.service_token(SERVICE)
        emu.post(-7, "Группа")
        emu.post(42, "Страница")
        codes = []
        for owner, access in ((-7, "private"), (42, "private"), (-7, "removed"), (42, "removed")):
            emu.set_access(owner, access)
            codes.append((await call(emu, "wall.get", owner_id=owner))["error"]["error_code"])  # type: ignore[index]
        assert codes == [15, 30, 15, 18]
        unknown = await call(emu, "wall.get", owner_id=-999)
        assert unknown["error"]["error_code"] == 100  # type: ignore[index]
