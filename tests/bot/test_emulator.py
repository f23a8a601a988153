"""The Bot API emulator driven by the real aiogram stack (Bot + AiohttpSession over loopback)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiohttp import web

from tests.bot.emulator import BotApiEmulator, ManualClock
from tests.bot.tg_html import EntityParseError, parse_html, strip_formatted
from tests.forbidden import secret

TOKEN = secret("123456:TEST-token", "токен бота Telegram")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    row = [InlineKeyboardButton(text=text, callback_data=data) for text, data in buttons]
    return InlineKeyboardMarkup(inline_keyboard=[row])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def emu(clock: ManualClock) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(clock=clock) as emulator:
        emulator.add_bot(TOKEN, username="mcu_test_bot")
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    tg = Bot(TOKEN, session=session)
    yield tg
    await tg.session.close()


async def raw(emu: BotApiEmulator, method: str, token: str = TOKEN, **kw: Any) -> tuple[int, Any]:
    """A plain HTTP call (kw: data=, json=, params=) returning (status, JSON body)."""
    async with (
        aiohttp.ClientSession() as http,
        http.request(kw.pop("verb", "POST"), f"{emu.base_url}/bot{token}/{method}", **kw) as resp,
    ):
        return resp.status, await resp.json()


# -- basics ----------------------------------------------------------------------------------


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.first_name) == (
        123456,
        "mcu_test_bot",
        True,
        "mcu_test_bot",
    )


async def test_unknown_token_is_401(emu: BotApiEmulator) -> None:
    stranger = Bot("999:other", session=emu.session())
    with pytest.raises(TelegramUnauthorizedError) as err:
        await stranger.get_me()
    await stranger.session.close()
    assert err.value.message == "Unauthorized"
    assert await raw(emu, "getMe", token="999:other") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


async def test_http_shapes_case_and_encodings(emu: BotApiEmulator, clock: ManualClock) -> None:
    user = emu.user(42, started=True)
    status, body = await raw(emu, "GETME", verb="GET")
    assert (status, body["ok"], body["result"]["id"]) == (200, True, 123456)
    assert await raw(emu, "sendNothing") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await raw(emu, "sendmessage", data={"chat_id": "42", "text": "формой"})
    assert (status, body["result"]["text"], body["result"]["chat"]["id"]) == (200, "формой", 42)
    clock.advance(1)
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    payload = {"chat_id": 42, "text": "json", "reply_markup": markup}
    status, body = await raw(emu, "sendMessage", json=payload)
    assert (status, body["result"]["reply_markup"]) == (200, markup)
    assert [m["text"] for m in user.messages()] == ["формой", "json"]
    assert [m["message_id"] for m in user.messages()] == [1, 2]


# -- messages, keyboards, callbacks ----------------------------------------------------------


async def test_html_keyboard_press_and_answer(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(42, "Иван", username="ivan")
    await user.start()
    first = await bot.get_updates()
    assert len(first) == 1 and first[0].message is not None
    assert first[0].message.text == "/start"
    assert first[0].message.from_user is not None and first[0].message.from_user.id == 42
    assert [e.type for e in first[0].message.entities or []] == ["bot_command"]

    html = 'Жалоба <b>№1</b> &amp; <a href="https://example.ru/1">ссылка</a>'
    sent = await bot.send_message(
        42, html, parse_mode="HTML", reply_markup=keyboard(("Принять", "acc:1"))
    )
    assert sent.text == "Жалоба №1 & ссылка"
    assert [e.model_dump(exclude_none=True) for e in sent.entities or []] == [
        {"type": "bold", "offset": 7, "length": 2},
        {"type": "text_link", "offset": 12, "length": 6, "url": "https://example.ru/1"},
    ]
    assert user.button_texts() == ["Принять"]
    with pytest.raises(LookupError):
        await user.press(sent.message_id, "Отклонить")

    query = await user.press(sent, "Принять")
    updates = await bot.get_updates(offset=first[-1].update_id + 1)
    assert len(updates) == 1 and updates[0].update_id == first[0].update_id + 1
    callback = updates[0].callback_query
    assert callback is not None and callback.message is not None
    assert (callback.id, callback.data, callback.message.message_id) == (query["id"], "acc:1", 2)
    assert await bot.answer_callback_query(callback.id, text="Принято") is True
    assert user.callback_answer(query) == {"show_alert": False, "text": "Принято"}
    with pytest.raises(TelegramBadRequest) as err:
        await bot.answer_callback_query(callback.id)
    assert err.value.message == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == []


async def test_forged_callback_data(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(5, started=True)
    sent = await bot.send_message(5, "x", reply_markup=keyboard(("A", "a")))
    await user.press_data(sent.message_id, "evil:' OR 1=1")
    await user.press_data(999, "old")
    updates = await bot.get_updates()
    assert [u.callback_query.data for u in updates if u.callback_query] == ["evil:' OR 1=1", "old"]
    gone = updates[1].callback_query
    assert gone is not None and isinstance(gone.message, InaccessibleMessage)
    assert (gone.message.message_id, gone.message.chat.id) == (999, 5)


async def test_edit_not_modified_and_history(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(42, started=True)
    kb = keyboard(("Да", "y"))
    sent = await bot.send_message(42, "черновик", reply_markup=kb)
    edited = await bot.edit_message_text(
        "итог", chat_id=42, message_id=sent.message_id, reply_markup=kb
    )
    assert isinstance(edited, Message) and edited.text == "итог"
    with pytest.raises(TelegramBadRequest) as err:
        await bot.edit_message_text("итог", chat_id=42, message_id=sent.message_id, reply_markup=kb)
    assert err.value.message == NOT_MODIFIED
    with pytest.raises(TelegramBadRequest) as err:
        await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id, reply_markup=kb)
    assert err.value.message == NOT_MODIFIED
    await bot.edit_message_text(
        "итог", chat_id=42, message_id=sent.message_id
    )  # drops the keyboard
    stored = user.message(sent.message_id)
    assert "reply_markup" not in stored
    assert [v["text"] for v in stored["edit_history"]] == ["черновик", "итог"]
    with pytest.raises(TelegramBadRequest) as err:
        await bot.edit_message_text("x", chat_id=42, message_id=77)
    assert err.value.message == "Bad Request: message to edit not found"
    assert emu.stats.errors[400] == 3


async def test_delete_reply_keyboard_and_tap(
    emu: BotApiEmulator, bot: Bot, clock: ManualClock
) -> None:
    user = emu.user(8, started=True)
    share = KeyboardButton(text="📍 Место", request_location=True)
    sent = await bot.send_message(
        8,
        "Где?",
        reply_markup=ReplyKeyboardMarkup(keyboard=[[share, KeyboardButton(text="Назад")]]),
    )
    assert sent.reply_markup is None  # reply keyboards are not part of the Message object
    assert user.reply_keyboard() == [
        [{"text": "📍 Место", "request_location": True}, {"text": "Назад"}]
    ]
    await user.tap("📍 Место", location=(55.75, 37.62))
    updates = await bot.get_updates()
    location = updates[-1].message.location if updates[-1].message else None
    assert location is not None and (location.latitude, location.longitude) == (55.75, 37.62)
    assert await bot.delete_message(8, sent.message_id) is True
    assert [m["message_id"] for m in emu.chat(8).deleted] == [sent.message_id]
    with pytest.raises(TelegramBadRequest) as err:
        await bot.delete_message(8, sent.message_id)
    assert err.value.message == "Bad Request: message to delete not found"


# -- flood limits ----------------------------------------------------------------------------


async def test_private_chat_rate_limit(emu: BotApiEmulator, bot: Bot, clock: ManualClock) -> None:
    emu.user(42, started=True)
    await bot.send_message(42, "1")
    with pytest.raises(TelegramRetryAfter) as err:
        await bot.send_message(42, "2")
    assert err.value.retry_after == 1
    assert err.value.message.endswith("Original description: Too Many Requests: retry after 1")
    clock.advance(0.5)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(42, "2")
    clock.advance(0.5)
    await bot.send_message(42, "2")
    stats = emu.stats
    assert (stats.too_many_requests, stats.sends, stats.calls["sendMessage"]) == (2, 2, 4)
    assert (stats.first_send_at, stats.last_send_at) == (1000.0, 1001.0)


async def test_burst_and_bot_wide_limits(clock: ManualClock) -> None:
    async with BotApiEmulator(clock=clock, private_chat_burst=3) as emu:
        emu.add_bot(TOKEN)
        tg = Bot(TOKEN, session=emu.session())
        for uid in range(1, 33):
            emu.user(uid, started=True)
        for text in "abc":
            await tg.send_message(1, text)
        with pytest.raises(TelegramRetryAfter):
            await tg.send_message(1, "d")
        for uid in range(2, 29):  # 3 + 27 = 30 messages within one second
            await tg.send_message(uid, "hi")
        with pytest.raises(TelegramRetryAfter) as err:
            await tg.send_message(31, "one too many")
        assert err.value.retry_after == 1
        clock.advance(1.0)
        await tg.send_message(31, "ok now")
        assert emu.stats.too_many_requests == 2
        await tg.session.close()


async def test_group_limit_per_minute(emu: BotApiEmulator, bot: Bot, clock: ManualClock) -> None:
    group = emu.group(-100500, "Диспетчерская")
    for i in range(20):
        await bot.send_message(-100500, f"#{i}")
        clock.advance(1.0)
    with pytest.raises(TelegramRetryAfter) as err:
        await bot.send_message(-100500, "#20")
    assert err.value.retry_after == 40
    assert len(group.bot_messages()) == 20
    assert group.messages()[0]["chat"] == {
        "id": -100500,
        "type": "supergroup",
        "title": "Диспетчерская",
    }


# -- Telegram's refusals ---------------------------------------------------------------------


async def test_text_length_limits(emu: BotApiEmulator, bot: Bot, clock: ManualClock) -> None:
    emu.user(42, started=True)
    ok = ["я" * 4096, "😀" * 2048, "<b>" + "a" * 4096 + "</b>"]
    for text in ok:
        sent = await bot.send_message(42, text, parse_mode="HTML")
        assert sent.text == text.removeprefix("<b>").removesuffix("</b>")
        clock.advance(1)
    for text, reason in [
        ("я" * 4097, "message is too long"),
        ("😀" * 2049, "message is too long"),  # 2049 characters but 4098 UTF-16 units
        (" \n ", "message text is empty"),
    ]:
        with pytest.raises(TelegramBadRequest) as err:
            await bot.send_message(42, text)
        assert err.value.message == f"Bad Request: {reason}"
    photo = BufferedInputFile(b"jpeg", "a.jpg")
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_photo(42, photo, caption="c" * 1025)
    assert err.value.message == "Bad Request: message caption is too long"
    assert emu.stats.sends == 3


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>жирный", 'Can\'t find end tag corresponding to start tag "b"'),
        ("Привет <", 'Unescaped "<" at byte offset 13'),
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("A&amp", 'Unescaped "&" at byte offset 1'),
        ("x<b", 'Unescaped "<" at byte offset 1'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;" at byte offset 1'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_bad_html_refused(emu: BotApiEmulator, bot: Bot, html: str, reason: str) -> None:
    emu.user(42, started=True)
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_message(42, html, parse_mode="HTML")
    assert err.value.message == f"Bad Request: can't parse entities: {reason}"
    assert emu.chat(42).messages == []


async def test_markdown_unsupported(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(42, started=True)
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_message(42, "*x*", parse_mode="MarkdownV2")
    assert err.value.message.startswith("Bad Request: unsupported parse_mode")


async def test_callback_data_bytes_and_buttons(
    emu: BotApiEmulator, bot: Bot, clock: ManualClock
) -> None:
    emu.user(42, started=True)
    await bot.send_message(42, "64 байта", reply_markup=keyboard(("ok", "я" * 32)))
    for data in ["a" * 65, "я" * 32 + "a", ""]:
        raw_button = InlineKeyboardButton(text="x", callback_data=data)
        with pytest.raises(TelegramBadRequest) as err:
            await bot.send_message(
                42, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[raw_button]])
            )
        assert err.value.message == "Bad Request: BUTTON_DATA_INVALID"
    text_only = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x")]])
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_message(42, "x", reply_markup=text_only)
    assert "Text buttons are unallowed" in err.value.message
    both = InlineKeyboardButton(text="x", callback_data="d", url="https://e.ru")
    with pytest.raises(TelegramBadRequest, match="exactly one of the optional fields"):
        await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[both]]))
    many = [[InlineKeyboardButton(text=str(i), callback_data=str(i))] for i in range(101)]
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=many))
    assert err.value.message == "Bad Request: reply markup is too long"


async def test_chat_not_found_blocked_and_not_started(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest) as bad:
        await bot.send_message(777, "кто здесь?")
    assert bad.value.message == "Bad Request: chat not found"
    emu.user(9)
    with pytest.raises(TelegramForbiddenError) as never:
        await bot.send_message(9, "привет")
    assert never.value.message == "Forbidden: bot can't initiate conversation with a user"
    user = emu.user(42)
    await user.start()
    await user.block()
    with pytest.raises(TelegramForbiddenError) as blocked:
        await bot.send_message(42, "ау")
    assert blocked.value.message == "Forbidden: bot was blocked by the user"
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    assert emu.stats.errors == {400: 1, 403: 2}


async def test_injected_failures_refuse_the_next_calls_then_pass(
    emu: BotApiEmulator, bot: Bot
) -> None:
    from aiogram.exceptions import TelegramServerError

    user = emu.user(42)
    await user.start()
    emu.fail_next("sendMessage", code=429, retry_after=3)
    emu.fail_next("sendMessage", code=502, description="Bad Gateway")
    with pytest.raises(TelegramRetryAfter) as slow:
        await bot.send_message(42, "раз")
    assert slow.value.retry_after == 3
    with pytest.raises(TelegramServerError):
        await bot.send_message(42, "два")
    await bot.send_message(42, "три")
    assert [m["text"] for m in user.bot_messages()] == ["три"], "a refused call sends nothing"


# -- getUpdates ------------------------------------------------------------------------------


async def test_long_poll_wakes_on_update_and_conflicts(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(42)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    await user.send_text("проснись")
    updates = await asyncio.wait_for(poll, 1.0)
    assert [u.message.text for u in updates if u.message] == ["проснись"]

    older = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.05)
    newer = asyncio.create_task(bot.get_updates(timeout=5))
    with pytest.raises(TelegramConflictError) as err:
        await asyncio.wait_for(older, 1.0)
    assert err.value.message == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    await user.send_text("ещё")
    assert [u.message.text for u in await asyncio.wait_for(newer, 1.0) if u.message] == ["ещё"]


async def test_offsets_duplicates_and_allowed_updates(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(42)
    sent = await user.send_text("раз")
    raw_update = {"message": {**sent, "text": "дубль"}}
    copies = await emu.deliver_update(raw_update, times=2)
    assert copies[0]["update_id"] == copies[1]["update_id"] == 2
    updates = await bot.get_updates()
    assert [(u.update_id, u.message.text if u.message else None) for u in updates] == [
        (1, "раз"),
        (2, "дубль"),
        (2, "дубль"),
    ]
    await user.send_text("два")
    await user.send_text("три")
    last = await bot.get_updates(offset=-1)
    assert [u.update_id for u in last] == [4]
    assert [u.update_id for u in await bot.get_updates()] == [4]
    await user.press_data(1, "cb")
    only_callbacks = await bot.get_updates(offset=5, allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in only_callbacks if u.callback_query] == ["cb"]
    await user.send_text("не пройдёт")
    assert await bot.get_updates(offset=6) == []


# -- webhooks ----------------------------------------------------------------------------------


class Receiver:
    """A tiny webhook endpoint on loopback recording what Telegram would POST."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.requests.append((dict(request.headers), update))
        text = (update.get("message") or {}).get("text")
        if text == "сломайся":
            return web.Response(status=500, text="boom")
        if text == "ответь":
            reply = {
                "method": "sendMessage",
                "chat_id": update["message"]["chat"]["id"],
                "text": "ок",
            }
            return web.json_response(reply)
        return web.json_response({})

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_webhook_delivery_secret_and_conflict(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(42, "Мария")
    await user.send_text("до вебхука")
    async with Receiver() as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="s3cr3t-Token_1") is True
        assert (await bot.get_webhook_info()).url == receiver.url
        await emu.wait_until(lambda: len(receiver.requests) == 1)  # the queued update is flushed
        await user.send_text("привет")
        headers, update = receiver.requests[1]
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t-Token_1"
        assert (update["update_id"], update["message"]["text"]) == (2, "привет")
        assert update["message"]["from"] == {
            "id": 42,
            "is_bot": False,
            "first_name": "Мария",
            "language_code": "ru",
        }
        with pytest.raises(TelegramConflictError) as err:
            await bot.get_updates()
        assert err.value.message == (
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )

        await user.send_text("ответь")
        assert user.last_from_bot() is not None and user.last_from_bot()["text"] == "ок"  # type: ignore[index]
        await user.send_text("сломайся")
        deliveries = emu.webhook_deliveries()
        assert [d.status for d in deliveries] == [200, 200, 200, 500]
        assert deliveries[2].reply is not None and deliveries[2].reply[0] == 200
        info = await bot.get_webhook_info()
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert info.pending_update_count == 0

    assert await bot.delete_webhook() is True
    await user.send_text("снова опрос")
    assert [u.message.text for u in await bot.get_updates() if u.message] == ["снова опрос"]


async def test_aiogram_webhook_handler_reply_in_response(emu: BotApiEmulator, bot: Bot) -> None:
    """aiogram's own SimpleRequestHandler checks the secret and answers with a multipart method."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    router = Router()

    @router.message(F.text)
    async def reply_inline(message: Message) -> Any:
        return message.answer(f"<i>{message.text}</i>", parse_mode="HTML")

    dp = Dispatcher()
    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="tok").register(
        app, path="/tg"
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
        await bot.set_webhook(url, secret_token="tok")
        user = emu.user(42)
        await user.send_text("в ответе вебхука")
        assert user.last_from_bot() is not None
        assert (user.last_from_bot() or {}).get("entities") == [
            {"type": "italic", "offset": 0, "length": 16}
        ]
        delivery = emu.webhook_deliveries()[-1]
        assert delivery.status == 200
        assert delivery.reply is not None and delivery.reply[0] == 200
        assert delivery.reply[1]["result"]["text"] == "в ответе вебхука"
        await bot.set_webhook(url, secret_token="wrong")
        await user.send_text("чужой секрет")
        assert emu.webhook_deliveries()[-1].status == 401
    finally:
        await runner.cleanup()


# -- files -----------------------------------------------------------------------------------


async def test_send_photo_get_file_and_download(
    emu: BotApiEmulator, bot: Bot, clock: ManualClock
) -> None:
    emu.user(42, started=True)
    content = b"\xff\xd8\xff\xe0fake-jpeg-bytes\xff\xd9"
    sent = await bot.send_photo(
        42, BufferedInputFile(content, "map.jpg"), caption="<i>фото</i> места", parse_mode="HTML"
    )
    assert sent.photo is not None and sent.caption == "фото места"
    assert [e.model_dump(exclude_none=True) for e in sent.caption_entities or []] == [
        {"type": "italic", "offset": 0, "length": 4}
    ]
    file_id = sent.photo[-1].file_id
    tg_file = await bot.get_file(file_id)
    assert tg_file.file_path is not None and tg_file.file_path.startswith("photos/")
    assert tg_file.file_size == len(content)
    downloaded = await bot.download_file(tg_file.file_path)
    assert downloaded is not None and downloaded.read() == content

    clock.advance(1)
    again = await bot.send_photo(42, file_id)
    assert again.photo is not None and again.photo[-1].file_id == file_id
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_photo(42, "no-such-file-id")
    assert err.value.message == "Bad Request: wrong file identifier/HTTP URL specified"
    with pytest.raises(TelegramBadRequest) as err:
        await bot.get_file("no-such-file-id")
    assert err.value.message == "Bad Request: invalid file_id"


async def test_user_photo_and_voice_downloadable(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(42)
    await user.send_photo(b"user-photo", caption="яма во дворе")
    await user.send_voice(b"OggS-voice", duration=7)
    photo_update, voice_update = await bot.get_updates()
    assert photo_update.message is not None and photo_update.message.photo is not None
    assert photo_update.message.caption == "яма во дворе"
    buffer = await bot.download(photo_update.message.photo[-1].file_id)
    assert buffer is not None and buffer.read() == b"user-photo"
    voice = voice_update.message.voice if voice_update.message else None
    assert voice is not None and (voice.duration, voice.mime_type) == (7, "audio/ogg")
    tg_file = await bot.get_file(voice.file_id)
    assert tg_file.file_path == "voice/file_2.oga"


async def test_send_media_group(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(42, started=True)
    first = InputMediaPhoto(
        media=BufferedInputFile(b"one", "1.jpg"), caption="<b>1</b>", parse_mode="HTML"
    )
    second = InputMediaPhoto(media=BufferedInputFile(b"two", "2.jpg"))
    album = await bot.send_media_group(42, [first, second])
    assert [m.message_id for m in album] == [1, 2]
    assert (
        album[0].media_group_id is not None and album[0].media_group_id == album[1].media_group_id
    )
    assert (album[0].caption, album[1].caption) == ("1", None)
    assert [m.get("caption") for m in user.messages()] == ["1", None]
    second_file = await bot.get_file(album[1].photo[-1].file_id)  # type: ignore[index]
    assert second_file.file_size == 3
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_media_group(42, [InputMediaPhoto(media=album[0].photo[-1].file_id)])  # type: ignore[index]
    assert err.value.message == "Bad Request: media group must contain 2-10 items"


# -- misc methods and the full aiogram Dispatcher --------------------------------------------


async def test_commands_and_chat_action(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(42, started=True)
    commands = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="help", description="Помощь"),
    ]
    assert await bot.set_my_commands(commands) is True
    assert [c.model_dump() for c in await bot.get_my_commands()] == [
        c.model_dump() for c in commands
    ]
    with pytest.raises(TelegramBadRequest) as err:
        await bot.set_my_commands([BotCommand(command="Start!", description="x")])
    assert err.value.message == "Bad Request: BOT_COMMAND_INVALID"
    assert await bot.send_chat_action(42, "typing") is True
    assert emu.chat(42).actions == ["typing"]
    with pytest.raises(TelegramBadRequest) as err:
        await bot.send_chat_action(42, "dancing")
    assert err.value.message == "Bad Request: wrong parameter action in request"


def echo_router() -> Router:
    """A bot under test: echoes text with a button; the button edits the message."""
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(
            f"Эхо: <b>{message.text}</b>",
            parse_mode="HTML",
            reply_markup=keyboard(("Готово", "done")),
        )

    @router.callback_query(F.data == "done")
    async def done(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("Закрыто")
        await query.answer("Спасибо")

    return router


async def test_dispatcher_polling_end_to_end(emu: BotApiEmulator, bot: Bot) -> None:
    dp = Dispatcher()
    dp.include_router(echo_router())
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        user = emu.user(42, "Олег")
        await user.send_text("яма")
        reply = await user.wait_bot_message()
        assert (reply["text"], reply["entities"]) == (
            "Эхо: яма",
            [{"type": "bold", "offset": 5, "length": 3}],
        )
        query = await user.press(reply, "Готово")
        assert await user.wait_answer(query) == {"show_alert": False, "text": "Спасибо"}
        await emu.wait_until(lambda: user.message(reply)["text"] == "Закрыто")
        assert "reply_markup" not in user.message(reply)
        assert emu.stats.calls["getUpdates"] >= 2
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)


# -- the HTML parser on its own ----------------------------------------------------------------


def test_html_entities_in_utf16() -> None:
    text, entities = parse_html(
        "😀 <b>жирный <i>курсив</i></b> <tg-spoiler>тс</tg-spoiler> "
        '<pre><code class="language-python">x = 1</code></pre><blockquote expandable>q</blockquote>'
    )
    assert text == "😀 жирный курсив тс x = 1q"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 13},
        {"type": "italic", "offset": 10, "length": 6},
        {"type": "spoiler", "offset": 17, "length": 2},
        {"type": "pre", "language": "python", "offset": 20, "length": 5},
        {"type": "expandable_blockquote", "offset": 25, "length": 1},
    ]
    assert parse_html("&lt;&gt;&amp;&quot;&#1071;&#x41;") == ('<>&"ЯA', [])
    with pytest.raises(EntityParseError):
        parse_html("a &amp b")
    bold = [{"type": "bold", "offset": 1, "length": 3}]
    assert strip_formatted("\n x \n", bold) == ("x", [{"type": "bold", "offset": 0, "length": 1}])


async def test_direct_call_and_json_errors(emu: BotApiEmulator) -> None:
    emu.user(1, started=True)
    status, body = await emu.call(
        None, "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": "{bad"}
    )
    assert (status, body) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: can't parse reply keyboard markup JSON object",
        },
    )
    status, body = await emu.call(None, "sendMessage", {"chat_id": 1, "text": "x"})
    assert status == 200 and json.loads(json.dumps(body))["result"]["text"] == "x"
