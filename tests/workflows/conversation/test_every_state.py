"""Every dialog state, every kind of input: each answer says something, leaves the chat in a
known state, keeps the state on a command it cannot run, and /cancel always gets out. And each
state has a way forward, shown as the journey's own next step."""

import pytest

from tests.helpers import register
from tests.workflows.conversation.talk import Talk, bind_staff, choice, consented, runtime
from workflows.conversation.parts import Contact, File, Other, Place, Text
from workflows.conversation.router import STEPS

PROBES = [
    Text("что-то своё"),
    Text("   "),
    Text("❌ Отменить"),
    File("photo", "AgACprobe", ""),
    File("photo", "AgACprobe", "подпись"),
    File("voice", "AwACprobe"),
    File("document", "BQACprobe"),
    Place(42.0, 46.0),
    Contact(),
    Other("sticker"),
    "/start",
    "/help",
    "/inbox",
    "/stats",
    "/nonsense",
    choice("zz"),
    choice("sec", 999_999),
    choice("pk", 999_999),
    choice("pk", 0),
    choice("loc", 999_999),
    choice("send", 1),
    choice("open", 999_999),
]
KEEPS_STATE = {"/start", "/inbox", "/stats", "/nonsense"}


async def reach(rt, muni, clock, sm, state: str) -> Talk:
    """A chat brought to `state` by the journey itself."""
    if state == "staff.text":
        await bind_staff(rt, "water", 9001)
        item = await register(sm, clock, muni, "Нет воды")
        talk = Talk(rt, muni, 9001)
        await talk.send(choice("tk", item.id or 0, item.version))
        await talk.send(choice("an", item.id or 0, item.version + 1))
        return talk
    talk = await consented(rt, muni, 5001)
    if state == "details":
        await talk.send("📝 Сообщить о проблеме")
        await talk.press("ЖКХ")
        await talk.send("Нет воды")
        await talk.press("Готово ➡️")
        await talk.press("село Тестовое")
        await talk.press("✅ Отправить")
        await talk.send("📋 Мои сообщения")
        await talk.press("ТСТ-2025-000001")
        await talk.press("➕ Дополнить")
        return talk
    await talk.send("📝 Сообщить о проблеме")
    if state == "report.sector":
        return talk
    if state == "report.where":
        await talk.press("🤷 Не знаю")
        return talk
    await talk.press("ЖКХ")
    if state == "report.describe":
        return talk
    await talk.send("Нет воды")
    await talk.press("Готово ➡️")
    if state == "report.place":
        return talk
    await talk.press("село Тестовое")
    return talk


FORWARD = {
    "report.sector": lambda t: t.press("🤷 Не знаю"),
    "report.where": lambda t: t.press("🌳 Двор, детская площадка"),
    "report.describe": lambda t: t.send("Вода течёт по улице"),
    "report.place": lambda t: t.send("улица Садовая, 3"),
    "report.confirm": lambda t: t.press("✅ Отправить"),
    "details": lambda t: t.send("Дом 12"),
    "staff.text": lambda t: t.send("Кран заменён"),
}


def test_every_state_is_probed():
    assert set(FORWARD) == set(STEPS)


@pytest.mark.parametrize("state", sorted(STEPS))
async def test_every_input_in_every_state(engine, sm, muni, clock, state):
    rt = runtime(engine, clock)
    talk = await reach(rt, muni, clock, sm, state)
    at, data = await talk.state()
    entry = talk.last  # what the state showed when the journey reached it
    assert at == state, f"the journey did not reach {state}"
    for probe in PROBES:
        await talk.set_state(at, data)
        outputs = await talk.send(probe)
        assert outputs, f"{state}: silence after {probe!r}"
        after, _ = await talk.state()
        assert after is None or after in STEPS, f"{state}: unknown state {after} after {probe!r}"
        if probe in KEEPS_STATE:
            assert after == state, f"{state}: {probe} changed the state to {after}"
            assert "/cancel" in talk.text(), f"{state}: {probe} does not say how to get out"
    await talk.set_state(at, data)
    await talk.send("/cancel")
    assert (await talk.state())[0] is None, f"{state}: /cancel does not get out"
    await talk.set_state(at, data)
    await talk.send(Text("❌ Отменить"))
    assert (await talk.state())[0] is None, f"{state}: the cancel button does not get out"
    await talk.set_state(at, data)
    talk.last = entry
    await FORWARD[state](talk)
    moved, _ = await talk.state()
    assert moved != state or state == "report.describe", f"{state}: no way forward"
    assert talk.text(), f"{state}: the way forward says nothing"
