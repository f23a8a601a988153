"""Answering under a post as the community: success, closed comments, a deleted post."""

import pytest

from integrations.vk_wall import CommentsClosed, PostGone, do_comment
from tests.integrations.vk_wall_kit import GROUP, wall_world
from workflows.core.clock import FakeClock

OWNER = -401


async def test_the_answer_appears_under_the_post(clock: FakeClock) -> None:
    async with wall_world(clock) as (emu, client):
        post = emu.post(OWNER, "Яма на дороге")
        comment_id = await do_comment(
            client, owner_id=OWNER, post_id=post.id, message="Заявка принята", group_id=GROUP
        )
        [made] = emu.wall(OWNER).posts[post.id].comments
        assert (made.id, made.from_id, made.text) == (comment_id, -GROUP, "Заявка принята")


async def test_closed_comments_and_a_deleted_post_are_told_apart(clock: FakeClock) -> None:
    async with wall_world(clock) as (emu, client):
        closed = emu.post(OWNER, "Комментарии закрыты")
        emu.close_comments(OWNER, closed.id)
        with pytest.raises(CommentsClosed) as err:
            await do_comment(
                client, owner_id=OWNER, post_id=closed.id, message="Ответ", group_id=GROUP
            )
        assert err.value.code == 213
        gone = emu.post(OWNER, "Удалят")
        emu.delete_post(OWNER, gone.id)
        with pytest.raises(PostGone):
            await do_comment(
                client, owner_id=OWNER, post_id=gone.id, message="Ответ", group_id=GROUP
            )
        assert emu.wall(OWNER).posts[closed.id].comments == []


async def test_a_repeated_guid_returns_the_first_comment_and_posts_nothing(
    clock: FakeClock,
) -> None:
    async with wall_world(clock) as (emu, client):
        post = emu.post(OWNER, "Яма на дороге")
        first = await do_comment(
            client, owner_id=OWNER, post_id=post.id, message="Ответ", group_id=GROUP, guid="g-1"
        )
        again = await do_comment(
            client, owner_id=OWNER, post_id=post.id, message="Ответ", group_id=GROUP, guid="g-1"
        )
        other = await do_comment(
            client, owner_id=OWNER, post_id=post.id, message="Ответ", group_id=GROUP, guid="g-2"
        )
        assert first == again != other
        assert [c.id for c in emu.wall(OWNER).posts[post.id].comments] == [first, other]


async def test_a_reply_in_a_thread_names_a_comment_of_that_post(clock: FakeClock) -> None:
    async with wall_world(clock) as (emu, client):
        post = emu.post(OWNER, "Нет света")
        resident = emu.comment(OWNER, post.id, "И у нас нет")
        made = await do_comment(
            client,
            owner_id=OWNER,
            post_id=post.id,
            message="Свет дали",
            group_id=GROUP,
            reply_to_comment=resident.id,
        )
        assert emu.wall(OWNER).posts[post.id].comments[-1].reply_to == resident.id
        with pytest.raises(PostGone):  # VK's 100 (invalid parameter) reads as gone
            await do_comment(
                client,
                owner_id=OWNER,
                post_id=post.id,
                message="Свет дали",
                group_id=GROUP,
                reply_to_comment=made + 100,
            )
