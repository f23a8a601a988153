"""Webhook paths per bot: a setup's Telegram bot at /telegram/webhook/<bot id> with its own
secret, its updates saved under "<bot id>:<update id>" (another bot's ids never collide), the
polling offset read per bot; the environment's bot keeps /telegram/webhook."""

from sqlmodel import select

from api.bots import _cache
from models import Channel, Inbox
from tests.api.conftest import Api
from tests.fixtures import TEST_SETUP
from workflows.intake.inbox import get_last_update_id
from workflows.setup.apply import check_apply_setup

HEADER = "X-Telegram-Bot-Api-Secret-Token"
SETUP = TEST_SETUP + (
    "\nchannels:\n  telegram: {token: 'env:T3_TG', webhook_secret: 'env:T3_TG_SECRET'}\n"
)


async def test_each_bot_has_its_own_webhook_and_update_ids(api: Api, sm, clock, monkeypatch):
    monkeypatch.setenv("T3_TG", "424242:bot-token")
    monkeypatch.setenv("T3_TG_SECRET", "bot-secret-424242")
    async with sm() as s:
        await check_apply_setup(s, text=SETUP, clock=clock)
    _cache.clear()  # the endpoint's 30-second view of the bots
    update = {"update_id": 7, "message": {"message_id": 1, "chat": {"id": 5}, "text": "x"}}
    url = "/telegram/webhook/424242"
    assert (await api.client.post(url, json=update, headers={HEADER: "wrong"})).status_code == 401
    assert (await api.client.post(url, json=update)).status_code == 401
    unknown = await api.client.post("/telegram/webhook/1", json=update, headers={HEADER: "x"})
    assert unknown.status_code == 404
    ok = await api.client.post(url, json=update, headers={HEADER: "bot-secret-424242"})
    assert ok.status_code == 200 and ok.json() == {"ok": True, "duplicate": False}
    again = await api.client.post(url, json=update, headers={HEADER: "bot-secret-424242"})
    assert again.json()["duplicate"] is True
    async with sm() as s:
        rows = list(await s.exec(select(Inbox)))
        assert [(r.update_id, r.chat_key) for r in rows] == [("424242:7", "5")]
        # The environment's bot's update 7 is another update; each bot's offset is its own.
        s.add(
            Inbox(
                channel=Channel.telegram,
                update_id="9",
                payload={"update_id": 9},
                received_at=clock.now(),
            )
        )
        await s.commit()
        assert await get_last_update_id(s, channel=Channel.telegram) == 9
        assert await get_last_update_id(s, channel=Channel.telegram, prefix="424242:") == 7
        assert await get_last_update_id(s, channel=Channel.telegram, prefix="1:") is None
