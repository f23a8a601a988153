"""A bot shared by several municipalities (a regional VK community, say): the citizen is asked
which municipality first, the choice is kept with the chat, the report goes to that
municipality, /municipality changes it; one person's conversations with two bots are apart."""

from dataclasses import replace

from sqlmodel import select

from models import Channel, Consent, Item, Municipality
from tests.fixtures import TEST_SETUP
from tests.workflows.conversation.talk import Talk, report, runtime
from workflows.conversation.engine import Chat
from workflows.setup.apply import check_apply_setup


async def two_municipalities(sm, clock) -> tuple[int, int]:
    async with sm() as s:
        a = await check_apply_setup(s, text=TEST_SETUP, clock=clock)
        other = TEST_SETUP.replace("code: testmo", "code: second").replace("ТСТ", "ВТР")
        other = other.replace("name: Тестовый муниципальный округ", "name: Второй округ")
        b = await check_apply_setup(s, text=other, clock=clock)
    return a.municipality_id, b.municipality_id


def shared(rt, user: int, munis: tuple[int, ...], bot: str = "501") -> Talk:
    talk = Talk(rt, 0, user)
    talk.chat = Chat(Channel.vk, str(user), str(user), None, bot=bot, municipalities=munis)
    return talk


async def test_the_citizen_picks_the_municipality_before_anything(engine, sm, clock):
    a, b = await two_municipalities(sm, clock)
    async with sm() as s:
        names = {m.id: m.name for m in await s.exec(select(Municipality))}
    rt = runtime(engine, clock)
    talk = shared(rt, 7001, (a, b))
    await talk.send("Нет воды")
    assert "О каком муниципалитете" in talk.text()
    assert sorted(talk.labels()) == sorted([names[a], names[b]])
    await talk.send("/help")
    assert "Что умеет бот" in talk.text(), "help needs no municipality"
    await talk.send("/start")
    assert "О каком муниципалитете" in talk.text(), "nothing else before the choice"
    await talk.press(names[b])
    assert names[b] in talk.text() and "/municipality" in talk.text()
    await talk.press("✅ Согласен(на)")
    number_text = await report(talk)
    assert "ВТР-2025-000001" in number_text, "the report is the chosen municipality's"
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
    assert item.municipality_id == b and item.channel is Channel.vk

    await talk.send("/municipality")
    assert "О каком муниципалитете" in talk.text()
    await talk.press(names[a])
    # Another municipality is another operator of personal data (152-ФЗ): consent again.
    assert names[a] in talk.text() and "согласие" in talk.text()
    await talk.send("📝 Сообщить о проблеме")
    assert "Сначала нужно ваше согласие" in talk.text()
    await talk.send("/start")
    await talk.press("✅ Согласен(на)")
    await talk.send("📝 Сообщить о проблеме")
    assert "ЖКХ" in talk.labels(), "now reporting to the other one"
    async with sm() as s:
        consents = sorted((c.municipality_id or 0) for c in await s.exec(select(Consent)))
    assert consents == sorted([a, b])
    await talk.send("/municipality")
    await talk.press(names[b])
    assert "Согласие получено" in talk.text(), "the first consent still covers the first one"


async def test_a_pick_outside_the_bots_municipalities_is_asked_again(engine, sm, clock):
    a, b = await two_municipalities(sm, clock)
    rt = runtime(engine, clock)
    talk = shared(rt, 7002, (a,))
    from tests.workflows.conversation.talk import choice

    await talk.send(choice("mu", b))
    assert "О каком муниципалитете" in talk.text()
    await talk.send("📝 Сообщить о проблеме")
    assert "О каком муниципалитете" in talk.text()


async def test_one_person_two_bots_two_conversations(engine, sm, clock):
    a, b = await two_municipalities(sm, clock)
    rt = runtime(engine, clock)
    first = Talk(rt, a, 7003)
    first.chat = Chat(Channel.vk, "7003", "7003", a, bot="501")
    second = Talk(rt, b, 7003)
    second.chat = replace(first.chat, municipality_id=b, bot="502")
    await first.send("/start")
    await first.press("✅ Согласен(на)")
    await first.send("📝 Сообщить о проблеме")
    await first.press("ЖКХ")
    await second.send("/start")
    # Another municipality's bot: another operator of personal data, so consent is asked
    # again (152-ФЗ); the person stays one citizen.
    assert "«Второй округ»" in second.text() and "согласие" in second.text()
    await second.press("✅ Согласен(на)")
    assert "Согласие получено" in second.text()
    async with sm() as s:
        consents = list(await s.exec(select(Consent)))
    assert sorted(c.municipality_id or 0 for c in consents) == sorted([a, b])
    assert len({c.citizen_id for c in consents}) == 1
    assert await first.state() != await second.state()
    assert (await first.state())[0] is not None, "the first bot's dialog goes on undisturbed"
