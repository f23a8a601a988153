"""Two municipalities in one deployment, each with its own Telegram bot and VK community named
in its setup (secrets by reference to the environment): a resident of each reaches their own
staff only, through their own bots; a staff member of one never sees the other's items."""

import asyncio

from sqlmodel import select

from models import Item, Staff
from tests.bot.harness import text_of
from tests.bot.vk.harness import VkSystem, running_vk
from tests.fixtures import TEST_SETUP
from tests.forbidden import secret
from workflows.setup.apply import check_apply_setup
from workflows.staff.invites import check_create_invite

BOT_A, BOT_B = "111111:bot-a-token", "222222:bot-b-token"
GROUP_A, GROUP_B = 501, 502


def setup_of(code: str, prefix: str, name: str, n: str) -> str:
    text = TEST_SETUP.replace("code: testmo", f"code: {code}").replace("ТСТ", prefix)
    text = text.replace("name: Тестовый муниципальный округ", f"name: {name}")
    return text + (
        "\nchannels:\n"
        f"  telegram: {{token: 'env:T2_TG_{n}'}}\n"
        f"  vk: {{group_id: {GROUP_A if n == 'A' else GROUP_B}, token: 'env:T2_VK_{n}'}}\n"
    )


async def staff_of(sys: VkSystem, municipality_id: int, code: str, uid: int, token: str):
    async with sys.rt.sm() as s:
        staff = (
            await s.exec(
                select(Staff).where(Staff.code == code, Staff.municipality_id == municipality_id)
            )
        ).one()
        invite = await check_create_invite(s, staff_id=staff.id or 0, now=sys.clock.now())
    secret(invite, "приглашение сотрудника")
    user = sys.tg.emu.user(uid, code, bot=token)
    await user.start(payload=invite)
    await sys.tg.expect(user, "подключены")
    return user


async def test_each_municipality_has_its_own_bots_and_staff(engine, sm, clock, monkeypatch):
    for name, value in (
        ("T2_TG_A", BOT_A),
        ("T2_TG_B", BOT_B),
        ("T2_VK_A", "vk-token-a"),
        ("T2_VK_B", "vk-token-b"),
    ):
        monkeypatch.setenv(name, value)
    async with sm() as s:
        a = await check_apply_setup(
            s, text=setup_of("north", "СЕВ", "Северный округ", "A"), clock=clock
        )
        b = await check_apply_setup(
            s, text=setup_of("south", "ЮГ", "Южный округ", "B"), clock=clock
        )
    assert not a.warnings and not b.warnings
    async with running_vk(
        engine,
        telegram=False,
        vk_env=False,
        bots=(BOT_A, BOT_B),
        groups=((GROUP_A, "vk-token-a"), (GROUP_B, "vk-token-b")),
    ) as sys:
        water_a = await staff_of(sys, a.municipality_id, "water", 9001, BOT_A)
        water_b = await staff_of(sys, b.municipality_id, "water", 9002, BOT_B)
        resident_a = await sys.consented(7001, group=GROUP_A)
        number_a = await sys.report(resident_a, "Нет воды у школы", group=GROUP_A)
        resident_b = await sys.consented(7002, group=GROUP_B)
        number_b = await sys.report(resident_b, "Нет воды у больницы", group=GROUP_B)
        assert number_a.startswith("СЕВ-") and number_b.startswith("ЮГ-")
        card_a = await sys.tg.expect(water_a, number_a)
        card_b = await sys.tg.expect(water_b, number_b)
        assert "у школы" in text_of(card_a) and "у больницы" in text_of(card_b)
        await water_a.press(card_a, "✅ Взять")
        await sys.expect(resident_a, "взято в работу", group=GROUP_A)

        seen_a = " ".join(text_of(m) for m in water_a.bot_messages())
        seen_b = " ".join(text_of(m) for m in water_b.bot_messages())
        assert number_b not in seen_a and number_a not in seen_b, "staff see their own only"
        # Each staff member heard only from their own municipality's bot.
        assert sys.tg.emu.user(9001, bot=BOT_B).bot_messages() == []
        assert sys.tg.emu.user(9002, bot=BOT_A).bot_messages() == []
        # Each resident only from their own community.
        assert sys.resident(7001).messages(GROUP_B) == []
        assert sys.resident(7002).messages(GROUP_A) == []
        for g in (GROUP_A, GROUP_B):
            assert sys.vk.group(g).stats.errors.get(6, 0) == 0
    async with sm() as s:
        items = {i.number: i.municipality_id for i in await s.exec(select(Item))}
    assert items == {number_a: a.municipality_id, number_b: b.municipality_id}


async def test_a_community_named_after_start_up_is_served(engine, sm, clock, monkeypatch):
    """One bot process serves the bots the setups name while it runs (looked for every
    REFRESH seconds; shortened here)."""
    import bot.registry
    import mcu.compose

    monkeypatch.setattr(bot.registry, "REFRESH", 0.3)
    monkeypatch.setattr(mcu.compose, "REFRESH", 0.3)
    monkeypatch.setenv("T2_TG_A", BOT_A)
    monkeypatch.setenv("T2_VK_A", "vk-token-a")
    async with running_vk(
        engine, vk_env=False, bots=(BOT_A,), groups=((GROUP_A, "vk-token-a"),)
    ) as sys:
        async with sm() as s:
            applied = await check_apply_setup(
                s, text=setup_of("north", "СЕВ", "Северный округ", "A"), clock=clock
            )
        assert not applied.warnings
        resident = sys.resident(7001)
        for _ in range(100):  # until its long poll holds a cursor
            if sys.vk.group(GROUP_A).stats.requests.get("groups.getLongPollServer"):
                break
            await asyncio.sleep(0.1)
        from tests.bot.vk.harness import listening

        await listening(sys.rt, GROUP_A)
        await resident.write(GROUP_A, "Начать", {"command": "start"})
        greeting = await sys.expect(resident, "Северный округ", group=GROUP_A)
        assert "Здравствуйте" in greeting["text"]
        officer = await staff_of(sys, applied.municipality_id, "water", 9001, BOT_A)
        assert officer.bot_messages(), "the setup's Telegram bot runs too"
