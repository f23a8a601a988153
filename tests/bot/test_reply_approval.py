"""The approval of an incident's answer pressed in Telegram (the Bot API emulator, the real
aiogram stack), then published by the embedded loop through the VK emulator; a second press
on the other approver's request is refused and changes nothing."""

from models import Publish, ReplyStatus
from tests.bot.harness import running_system, text_of
from tests.integrations.reply_kit import WALL, answer, incident, monitor, port_for, replies
from tests.integrations.vk_wall_kit import wall_world

TEXT = "В селе Тестовое прорвало водопровод, третий день нет воды"
ANSWER = "Участок трубы заменён, вода подана."


async def test_the_head_approves_in_telegram_and_the_answer_appears(engine, sm, muni) -> None:
    await monitor(sm, muni, Publish.approve)
    async with running_system(engine) as sys, wall_world(sys.clock) as (emu, client):
        head = await sys.staff_user("head", 9010)
        operator = await sys.staff_user("operator", 9011)
        sys.rt.wall = port_for(client, muni)
        post = emu.post(WALL, TEXT)
        item = await incident(sm, sys.clock, muni, [(post.id, 0, TEXT)])
        await answer(sm, sys.clock, item, ANSWER)
        asked = await sys.expect(head, "Опубликовать ответ под записью")
        assert ANSWER in text_of(asked) and item.number in text_of(asked)
        assert head.button_texts(asked) == ["📢 Опубликовать", "🙅 Не публиковать"]
        other = await sys.expect(operator, "Опубликовать ответ под записью")
        assert emu.wall(WALL).posts[post.id].comments == [], "not before the approval"

        await head.press(asked, "📢 Опубликовать")
        await sys.edited(head, asked["message_id"], "Ответ одобрен")
        await emu.wait_until(lambda: emu.wall(WALL).posts[post.id].comments, timeout=10)
        [made] = emu.wall(WALL).posts[post.id].comments
        assert made.text == ANSWER

        await operator.press(other, "🙅 Не публиковать")
        refusal = await sys.expect(operator, "Ответ нельзя")
        assert "опубликован" in text_of(refusal) or "одобрен" in text_of(refusal)
    [reply] = await replies(sm)
    assert reply.status is ReplyStatus.sent and reply.comment_id == made.id
