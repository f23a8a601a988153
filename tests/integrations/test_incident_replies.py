"""An incident's answer published as the community's comment under its first post: through the
VK emulator over HTTP with the real vk_api client, on Postgres. Auto, approve, decline, a
deleted post, closed comments and a retry, a staff name refused, a second answer after a
reopen, publishing off, and a crash between VK's accepting and our marking."""

from datetime import timedelta

import pytest

from integrations.vk_wall.publisher import CLOSED, GONE
from models import Publish, ReplyStatus
from tests.helpers import act, actor
from tests.integrations.reply_kit import (
    WALL,
    Publisher,
    Sm,
    answer,
    events,
    incident,
    monitor,
    notices,
    port_for,
    replies,
)
from tests.integrations.vk_wall_kit import GROUP, wall_world
from workflows.core.clock import FakeClock
from workflows.core.errors import Forbidden, IllegalTransition, Invalid
from workflows.incidents.publishing import LEASE, do_claim_replies
from workflows.incidents.replies import (
    check_approve_reply,
    check_decline_reply,
    check_retry_reply,
)
from workflows.items.transitions import Action

TEXT = "В селе Тестовое прорвало водопровод, третий день нет воды"
ANSWER = "Аварийная бригада заменила участок трубы, вода подана с 14:00."


async def decide(sm: Sm, fn, reply_id: int, who: str, clock: FakeClock):  # type: ignore[no-untyped-def]
    async with sm() as s:
        return await fn(s, reply_id=reply_id, actor=await actor(sm, who), clock=clock)


async def test_auto_publishes_under_the_first_post(sm: Sm, clock: FakeClock, muni: int) -> None:
    await monitor(sm, muni, Publish.auto)
    async with wall_world(clock) as (emu, client):
        first = emu.post(WALL, TEXT)
        second = emu.post(WALL, "И на верхней улице нет воды")
        item = await incident(sm, clock, muni, [(first.id, 0, TEXT), (second.id, 0, "нет воды")])
        answered = await answer(sm, clock, item, ANSWER)
        [reply] = await replies(sm)
        assert reply.status is ReplyStatus.approved
        assert (reply.owner_id, reply.post_id, reply.reply_to_comment) == (WALL, first.id, None)
        assert reply.answer_version == answered.version
        assert reply.guid == f"mcu-{item.id}-{answered.version}"
        assert await notices(sm, "reply_approval") == [], "auto asks nobody"

        assert await Publisher(sm, clock, port_for(client, muni)).run() == 1
        [made] = emu.wall(WALL).posts[first.id].comments
        assert (made.from_id, made.text) == (-GROUP, ANSWER), "the community speaks, text only"
        assert emu.wall(WALL).posts[second.id].comments == []
        [sent] = await replies(sm)
        assert sent.status is ReplyStatus.sent and sent.comment_id == made.id
        assert sent.sent_at == clock.now()
        [event] = await events(sm, item.id, "reply_published")
        assert event.data["link"] == f"https://vk.com/wall{WALL}_{first.id}?reply={made.id}"
        assert await Publisher(sm, clock, port_for(client, muni)).run() == 0, "once"
        assert len(emu.wall(WALL).posts[first.id].comments) == 1


async def test_a_comment_as_first_post_is_answered_in_its_thread(
    sm: Sm, clock: FakeClock, muni: int
) -> None:
    await monitor(sm, muni, Publish.auto)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, "Новости села")
        comment = emu.comment(WALL, post.id, TEXT)
        item = await incident(sm, clock, muni, [(post.id, comment.id, TEXT)])
        await answer(sm, clock, item, ANSWER)
        assert await Publisher(sm, clock, port_for(client, muni)).run() == 1
        made = emu.wall(WALL).posts[post.id].comments[-1]
        assert made.reply_to == comment.id and made.text == ANSWER


async def test_approve_then_publish(sm: Sm, clock: FakeClock, muni: int) -> None:
    await monitor(sm, muni, Publish.approve)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, TEXT)
        item = await incident(sm, clock, muni, [(post.id, 0, TEXT)])
        await answer(sm, clock, item, ANSWER)
        [reply] = await replies(sm)
        assert reply.status is ReplyStatus.awaiting
        asked = await notices(sm, "reply_approval")
        operator, head = await actor(sm, "operator"), await actor(sm, "head")
        assert sorted(n.staff_id or 0 for n in asked) == sorted([operator.id or 0, head.id or 0])
        assert all(n.payload["reply_id"] == reply.id for n in asked)
        publisher = Publisher(sm, clock, port_for(client, muni))
        assert await publisher.run() == 0, "nothing goes out before the approval"
        assert emu.wall(WALL).posts[post.id].comments == []

        with pytest.raises(Forbidden):
            await decide(sm, check_approve_reply, reply.id or 0, "water", clock)
        approved = await decide(sm, check_approve_reply, reply.id or 0, "head", clock)
        assert approved.status is ReplyStatus.approved and approved.decided_by_id == head.id
        with pytest.raises(IllegalTransition) as err:
            await decide(sm, check_approve_reply, reply.id or 0, "operator", clock)
        assert "одобрен" in err.value.reason
        assert await publisher.run() == 1
        assert [c.text for c in emu.wall(WALL).posts[post.id].comments] == [ANSWER]
        assert len(await events(sm, item.id, "reply_approved")) == 1


async def test_declined_is_never_published(sm: Sm, clock: FakeClock, muni: int) -> None:
    await monitor(sm, muni, Publish.approve)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, TEXT)
        item = await incident(sm, clock, muni, [(post.id, 0, TEXT)])
        await answer(sm, clock, item, ANSWER)
        [reply] = await replies(sm)
        declined = await decide(sm, check_decline_reply, reply.id or 0, "operator", clock)
        assert declined.status is ReplyStatus.declined
        with pytest.raises(IllegalTransition):
            await decide(sm, check_approve_reply, reply.id or 0, "head", clock)
        assert await Publisher(sm, clock, port_for(client, muni)).run() == 0
        assert emu.wall(WALL).posts[post.id].comments == []
        assert (await replies(sm))[0].status is ReplyStatus.declined


async def test_a_post_deleted_before_publishing_fails_and_the_operator_decides(
    sm: Sm, clock: FakeClock, muni: int
) -> None:
    await monitor(sm, muni, Publish.auto)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, TEXT)
        item = await incident(sm, clock, muni, [(post.id, 0, TEXT)])
        await answer(sm, clock, item, ANSWER)
        emu.delete_post(WALL, post.id)
        assert await Publisher(sm, clock, port_for(client, muni)).run() == 0
        [reply] = await replies(sm)
        assert (reply.status, reply.error) == (ReplyStatus.failed, GONE)
        [event] = await events(sm, item.id, "reply_failed")
        assert event.data["error"] == GONE
        [alert] = await notices(sm, "reply_failed")
        assert alert.staff_id == (await actor(sm, "operator")).id
        assert GONE in alert.payload["text"] and item.number in alert.payload["text"]
        assert await Publisher(sm, clock, port_for(client, muni)).run() == 0, "not tried again"
        declined = await decide(sm, check_decline_reply, reply.id or 0, "operator", clock)
        assert declined.status is ReplyStatus.declined


async def test_closed_comments_then_retry_after_they_reopen(
    sm: Sm, clock: FakeClock, muni: int
) -> None:
    await monitor(sm, muni, Publish.auto)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, TEXT)
        emu.close_comments(WALL, post.id)
        item = await incident(sm, clock, muni, [(post.id, 0, TEXT)])
        await answer(sm, clock, item, ANSWER)
        publisher = Publisher(sm, clock, port_for(client, muni))
        assert await publisher.run() == 0
        [reply] = await replies(sm)
        assert (reply.status, reply.error) == (ReplyStatus.failed, CLOSED)
        assert CLOSED in (await notices(sm, "reply_failed"))[0].payload["text"]

        emu.close_comments(WALL, post.id, closed=False)
        with pytest.raises(Forbidden):
            await decide(sm, check_retry_reply, reply.id or 0, "water", clock)
        retried = await decide(sm, check_retry_reply, reply.id or 0, "operator", clock)
        assert retried.status is ReplyStatus.approved and retried.error is None
        assert await publisher.run() == 1
        assert [c.text for c in emu.wall(WALL).posts[post.id].comments] == [ANSWER]
        assert [e.action for e in await events(sm, item.id, "reply_published")] == [
            "reply_published"
        ]


async def test_transient_vk_errors_back_off_and_then_publish(
    sm: Sm, clock: FakeClock, muni: int
) -> None:
    await monitor(sm, muni, Publish.auto)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, TEXT)
        item = await incident(sm, clock, muni, [(post.id, 0, TEXT)])
        await answer(sm, clock, item, ANSWER)
        emu.fail_next("wall.createComment", 10)
        publisher = Publisher(sm, clock, port_for(client, muni))
        assert await publisher.run() == 0
        [reply] = await replies(sm)
        assert reply.status is ReplyStatus.approved and reply.attempts == 1
        assert reply.next_attempt_at > clock.now()
        assert await publisher.run() == 0, "not before its backoff"
        clock.advance(timedelta(minutes=5))
        assert await publisher.run() == 1
        assert len(emu.wall(WALL).posts[post.id].comments) == 1


async def test_a_crash_after_vk_accepted_posts_no_second_comment(
    sm: Sm, clock: FakeClock, muni: int
) -> None:
    await monitor(sm, muni, Publish.auto)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, TEXT)
        item = await incident(sm, clock, muni, [(post.id, 0, TEXT)])
        await answer(sm, clock, item, ANSWER)
        port = port_for(client, muni)
        # The crashed publisher: it claimed the row and VK took the comment, then it died.
        async with sm() as s:
            [claimed] = await do_claim_replies(s, now=clock.now(), limit=10)
            await s.commit()
        first_id = await port.comment(
            municipality_id=muni,
            owner_id=claimed.owner_id,
            post_id=claimed.post_id,
            message=claimed.text,
            guid=claimed.guid,
            reply_to_comment=None,
        )
        publisher = Publisher(sm, clock, port)
        assert await publisher.run() == 0, "leased by the dead publisher"
        clock.advance(LEASE + timedelta(seconds=1))
        assert await publisher.run() == 1
        [made] = emu.wall(WALL).posts[post.id].comments
        [reply] = await replies(sm)
        assert reply.status is ReplyStatus.sent and reply.comment_id == made.id == first_id


async def test_an_answer_naming_a_staff_member_is_refused(clock: FakeClock, sm: Sm) -> None:
    from tests.fixtures import TEST_SETUP
    from workflows.setup.apply import check_apply_setup

    named = TEST_SETUP.replace("Исполнитель водоснабжение", "Магомедов Али Гаджиевич")
    async with sm() as s:
        muni = (await check_apply_setup(s, text=named, clock=clock)).municipality_id
    await monitor(sm, muni, Publish.approve)
    item = await incident(sm, clock, muni, [(7, 0, TEXT)])
    for text in (
        "Ответ подготовил Магомедов Али Гаджиевич, звоните.",
        "Работы ведёт бригада, отвечает Али Гаджиевич Магомедов.",
        "Обратитесь к Магомедову Али Гаджиевичу.",
    ):
        with pytest.raises(Invalid) as err:
            await answer(sm, clock, item, text)
        assert "имя сотрудника" in err.value.reason and "Магомедов Али" in err.value.reason
    assert await replies(sm) == []
    # A title is not a person's name; the same words outside a name are fine.
    fine = "Руководитель МЦУ проверил: воду дали, улица Магомедова свободна."
    await answer(sm, clock, item, fine)
    assert [r.text for r in await replies(sm)] == [fine]


async def test_a_second_answer_after_a_reopen_is_a_second_reply(
    sm: Sm, clock: FakeClock, muni: int
) -> None:
    await monitor(sm, muni, Publish.auto)
    async with wall_world(clock) as (emu, client):
        post = emu.post(WALL, TEXT)
        item = await incident(sm, clock, muni, [(post.id, 0, TEXT)])
        first = await answer(sm, clock, item, ANSWER)
        publisher = Publisher(sm, clock, port_for(client, muni))
        assert await publisher.run() == 1
        reopened = await act(sm, clock, first, Action.reopen, await actor(sm, "operator"))
        second = await answer(sm, clock, reopened, "Повторная проверка: напор восстановлен.")
        assert await publisher.run() == 1
        texts = [c.text for c in emu.wall(WALL).posts[post.id].comments]
        assert texts == [ANSWER, "Повторная проверка: напор восстановлен."]
        versions = [r.answer_version for r in await replies(sm)]
        assert versions == [first.version, second.version] and len(set(versions)) == 2


@pytest.mark.parametrize("publish", [Publish.off, None])
async def test_publish_off_or_no_monitoring_plans_nothing(
    sm: Sm, clock: FakeClock, muni: int, publish: Publish | None
) -> None:
    await monitor(sm, muni, publish)
    item = await incident(sm, clock, muni, [(3, 0, TEXT)])
    answered = await answer(sm, clock, item, "Ответ подготовил Магомедов Али Гаджиевич")
    assert answered.status.value == "answered"
    assert await replies(sm) == []
    assert await notices(sm, "reply_approval") == []
