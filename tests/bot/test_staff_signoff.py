"""An appeal's answer through the emulator: «Ответить» saves a draft, the head's card asks for
the signature with the draft masked, «Подписать» sends the letter; a stale press changes nothing."""

from sqlmodel import select

from bot.telegram.render import Opt
from models import Item, ItemEvent, ItemStatus, Letter
from tests.bot.harness import running_system, text_of
from tests.workflows.appeals.people import appeal

PHONE = "+7 900 123-45-67"
ANSWER = f"Водопровод починен 3 декабря. Вопросы — по телефону {PHONE}."


async def test_answer_is_drafted_and_signed_by_the_head(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        head = await sys.staff_user("head", 9010)
        item = await appeal(sm, sys.clock, muni)
        card = await sys.expect(water, item.number)
        await water.press(card, "✅ Взять")
        card = await sys.edited(water, card["message_id"], "в работе")
        await water.press(card, "✍️ Ответить")
        await sys.expect(water, "уйдёт письмом после подписи")
        await water.send_text(ANSWER)
        await sys.expect(water, "Готово")
        asked = await sys.expect(head, "Ответ ждёт вашей подписи")
        assert item.number in text_of(asked) and PHONE not in text_of(asked)
        assert {"🖋 Подписать", "↩️ Вернуть"} <= set(head.button_texts(asked))
        await head.press(asked, "🖋 Подписать")
        await sys.edited(head, asked["message_id"], "дан ответ")
        async with sm() as s:
            signed = await s.get(Item, item.id)
        assert signed is not None and signed.status is ItemStatus.answered
        # «Подписать» pressed again with the version the card had on sign-off: nothing changes.
        stale = Opt(act="sg", a=item.id or 0, b=signed.version - 1).pack()
        await head.press_data(asked, stale)
        await sys.expect(head, "уже изменилось")
    async with sm() as s:
        letters = list(await s.exec(select(Letter).where(Letter.item_id == item.id)))
        signs = list(
            await s.exec(
                select(ItemEvent).where(
                    ItemEvent.item_id == item.id, ItemEvent.action == "sign_answer"
                )
            )
        )
    assert [x.kind for x in letters] == ["answer"] and ANSWER in letters[0].text
    assert len(signs) == 1 and signs[0].data["answer"] == ANSWER
