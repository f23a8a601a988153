"""The inbox: saved once per update id; the last id compares as a number."""

from models import Channel
from workflows.intake.inbox import do_save_update, get_last_update_id, get_unprocessed


async def test_redelivery_is_saved_once_and_ids_compare_as_numbers(sm, engine, clock):
    async with sm() as s:
        assert await get_last_update_id(s, channel=Channel.telegram) is None
        saved = [
            await do_save_update(
                engine,
                channel=Channel.telegram,
                update_id=uid,
                payload={"update_id": int(uid)},
                now=clock.now(),
            )
            for uid in ("999", "1000", "999")
        ]
        assert saved == [True, True, False]  # the second "999" is a redelivery
        assert await get_last_update_id(s, channel=Channel.telegram) == 1000
        rows = await get_unprocessed(s, channel=Channel.telegram, limit=10)
    assert [r.update_id for r in rows] == ["999", "1000"]
