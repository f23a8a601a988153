"""The VK API emulator driven by the real vk_api stack (VkApi, VkBotLongPoll, VkUpload)."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest
import vk_api
from aiohttp import web
from vk_api.bot_longpoll import VkBotEventType, VkBotLongPoll
from vk_api.exceptions import ApiError
from vk_api.keyboard import VkKeyboard, VkKeyboardColor

from tests.bot.vk.client import vk_for
from tests.bot.vk.emulator import Limits, ManualClock, UserHandle, VkApiEmulator
from tests.bot.vk.vk_media import TINY_PNG, png
from tests.forbidden import secret

GROUP = 218_000_001
TOKEN = secret("vk1.a.community-token", "ключ сообщества VK")


@pytest.fixture
async def emu() -> AsyncIterator[VkApiEmulator]:
    async with VkApiEmulator(limits=Limits(callback_retry_delay=0.01)) as emulator:
        emulator.add_group(GROUP, TOKEN, "Администрация")
        yield emulator


@pytest.fixture
def vk(emu: VkApiEmulator) -> vk_api.VkApi:
    return vk_for(emu, TOKEN)


async def call(vk: vk_api.VkApi, method: str, **values: Any) -> Any:
    """One vk_api call off the event loop (vk_api is synchronous, the emulator is not)."""
    return await asyncio.to_thread(vk.method, method, values)


async def refused(vk: vk_api.VkApi, method: str, **values: Any) -> ApiError:
    """The ApiError a call raises."""
    with pytest.raises(ApiError) as err:
        await call(vk, method, **values)
    return err.value


def last(user: UserHandle) -> dict[str, Any]:
    """The community's newest message to the user (there must be one)."""
    message = user.last_message(GROUP)
    assert message is not None, "the community sent nothing"
    return message


async def raw(emu: VkApiEmulator, path: str, verb: str = "POST", **kw: Any) -> Any:
    """A plain HTTP call to the emulator, returning the JSON body."""
    async with aiohttp.ClientSession() as http, http.request(verb, emu.url + path, **kw) as resp:
        assert resp.status == 200
        return await resp.json()


# -- requests, responses, errors -------------------------------------------------------------


async def test_shapes_versions_and_auth(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    user = emu.user(42, "Иван", "Петров")
    await user.write(GROUP, "Здравствуйте")
    assert await call(vk, "messages.send", peer_id=42, message="Принято", random_id=1) == 2
    assert [m["text"] for m in user.messages(GROUP)] == ["Принято"]
    assert await call(vk, "users.get", user_ids="42") == [
        {"id": 42, "first_name": "Иван", "last_name": "Петров"}
        | {"can_access_closed": True, "is_closed": False}
    ]
    info = await call(vk, "groups.getById")
    assert (info["groups"][0]["id"], info["groups"][0]["name"]) == (GROUP, "Администрация")

    query = {"access_token": TOKEN, "v": "5.131", "group_id": str(GROUP)}
    body = await raw(emu, "/method/groups.getCallbackConfirmationCode", "GET", params=query)
    assert body == {"response": {"code": emu.group(GROUP).confirmation_code}}
    body = await raw(emu, "/method/messages.send", data={"access_token": TOKEN, "peer_id": "42"})
    assert body == {
        "error": {
            "error_code": 8,
            "error_msg": "Invalid request: v (version) is required",
            "request_params": [
                {"key": "method", "value": "messages.send"},
                {"key": "oauth", "value": "1"},
                {"key": "peer_id", "value": "42"},
            ],
        }
    }
    assert emu.group(GROUP).versions_seen == {"5.199": 3, "5.131": 1}

    assert (await refused(vk, "messages.sendSticker", peer_id=42)).code == 3
    old = vk_for(emu, TOKEN)
    old.api_version = "5.80"
    assert (await refused(old, "groups.getById")).code == 8
    stranger = await refused(vk_for(emu, "vk1.a.revoked"), "groups.getById")
    assert (stranger.code, stranger.error["error_msg"]) == (
        5,
        "User authorization failed: invalid access_token (4).",
    )
    assert emu.stats.errors == {8: 2, 3: 1, 5: 1}
    assert emu.stats.requests["groups.getById"] == 3


async def test_permission_length_and_injected_faults(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    never = await refused(vk, "messages.send", peer_id=7, message="Кто здесь?", random_id=1)
    assert (never.code, never.error["error_msg"]) == (
        901,
        "Can't send messages for users without permission",
    )
    user = emu.user(8)
    await user.write(GROUP, "Привет")
    await user.deny_messages(GROUP)
    assert (await refused(vk, "messages.send", peer_id=8, message="ау", random_id=2)).code == 901
    await user.allow_messages(GROUP)
    assert [e["type"] for e in emu.group(GROUP).events] == [
        "message_new",
        "message_deny",
        "message_allow",
    ]
    await call(vk, "messages.send", peer_id=8, message="я" * 4096, random_id=3)
    too_long = await refused(vk, "messages.send", peer_id=8, message="я" * 4097, random_id=4)
    assert (too_long.code, too_long.error["error_msg"]) == (914, "Message is too long")
    assert (await refused(vk, "messages.send", peer_id=8, message="x")).code == 100  # random_id
    assert (await refused(vk, "messages.send", peer_id=8, random_id=5)).code == 100  # empty

    emu.fail_next("messages.send", 10, times=2)
    for _ in range(2):
        assert (await refused(vk, "messages.send", peer_id=8, message="a", random_id=6)).code == 10
    await call(vk, "messages.send", peer_id=8, message="a", random_id=6)
    assert [m["text"] for m in user.messages(GROUP)] == ["я" * 4096, "a"]
    assert emu.stats.errors == {901: 2, 914: 1, 100: 2, 10: 2}


async def test_held_call_and_wait_message(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    user = emu.user(4)
    await user.write(GROUP, "Вопрос")
    emu.hold("messages.send")
    answer = dict(peer_id=4, message="Ответ готов", random_id=1)
    sending = asyncio.create_task(call(vk, "messages.send", **answer))
    await emu.wait_until(lambda: emu.held)
    assert user.messages(GROUP) == []
    emu.release("messages.send")
    message = await user.wait_message(GROUP, "готов")
    assert message["id"] == await sending
    with pytest.raises(TimeoutError):
        await user.wait_message(GROUP, timeout=0.05)  # nothing newer than the last one seen


async def test_random_id_dedupes_per_peer(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    first, second = emu.user(1), emu.user(2)
    await first.write(GROUP, "1")
    await second.write(GROUP, "2")
    sent = await call(vk, "messages.send", peer_id=1, message="Ответ", random_id=77)
    again = await call(vk, "messages.send", peer_id=1, message="Ответ ещё раз", random_id=77)
    other = await call(vk, "messages.send", peer_id=2, message="Ответ", random_id=77)
    assert again == sent != other
    assert [m["text"] for m in first.messages(GROUP)] == ["Ответ"]
    assert first.messages(GROUP)[0]["random_id"] == 77
    assert emu.group(GROUP).deduped == 1
    assert emu.stats.sends == 2
    big = await refused(vk, "messages.send", peer_id=1, message="x", random_id=2**31)
    assert big.code == 100
    many = await call(vk, "messages.send", peer_ids="1,2,3", message="Всем", random_id=78)
    assert [(r["peer_id"], r.get("error", {}).get("code")) for r in many] == [
        (1, None),
        (2, None),
        (3, 901),
    ]


async def test_flood_control_counts_same_text_per_peer() -> None:
    clock = ManualClock()
    async with VkApiEmulator(clock=clock, limits=Limits(same_text_per_minute=3)) as emu:
        emu.add_group(GROUP, TOKEN)
        vk = vk_for(emu, TOKEN)
        await emu.user(5).write(GROUP, "старт")
        for n in range(3):
            await call(vk, "messages.send", peer_id=5, message="Не понял", random_id=n + 1)
            clock.advance(1)
        flood = await refused(vk, "messages.send", peer_id=5, message="Не понял", random_id=9)
        assert (flood.code, flood.error["error_msg"]) == (9, "Flood control")
        await call(vk, "messages.send", peer_id=5, message="Другое", random_id=10)
        clock.advance(58)
        await call(vk, "messages.send", peer_id=5, message="Не понял", random_id=11)

        press = await emu.user(5).press(GROUP, None, {"cmd": "late"})
        clock.advance(61)  # a message_event may be answered for a minute
        answer = dict(event_id=press["event_id"], user_id=5, peer_id=5)
        assert (await refused(vk, "messages.sendMessageEventAnswer", **answer)).code == 100


# -- rate limit ------------------------------------------------------------------------------


async def test_more_than_20_calls_in_a_second_get_error_6(emu: VkApiEmulator) -> None:
    barrier = threading.Barrier(30, timeout=10)
    codes: list[int] = []

    def one() -> None:
        client = vk_for(emu, TOKEN)
        assert 6 not in client.error_handlers, "the transport never retries error 6 unpaced"
        barrier.wait()
        try:
            client.method("groups.getById")
            codes.append(0)
        except ApiError as exc:
            codes.append(exc.code)

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(30) as pool:  # the default executor may have fewer threads
        await asyncio.gather(*(loop.run_in_executor(pool, one) for _ in range(30)))
    assert sorted(codes) == [0] * 20 + [6] * 10
    assert emu.stats.errors == {6: 10}
    assert emu.stats.peak_per_second() == 20


async def test_19_calls_a_second_pass(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    assert 6 not in vk.error_handlers

    def paced() -> None:
        started = time.monotonic() - 1
        for _ in range(32):  # each call starts 1/19 s after the previous one started
            time.sleep(max(0.0, started + 1 / 19 - time.monotonic()))
            started = time.monotonic()
            vk.method("groups.getById")

    await asyncio.to_thread(paced)
    assert emu.stats.errors[6] == 0
    assert 18 <= emu.stats.peak_per_second() <= 20, "the pace reaches 0.9 of the budget"


# -- keyboards -------------------------------------------------------------------------------


def text_button(label: str, payload: str | None = None) -> dict[str, Any]:
    return {"action": {"type": "text", "label": label, "payload": payload}}


@pytest.mark.parametrize(
    ("keyboard", "rule"),
    [
        ({"buttons": [[text_button("a")]] * 11}, "at most 10 rows"),
        ({"buttons": [[text_button("a")] * 6]}, "at most 5 buttons"),
        ({"buttons": [[text_button("a")] * 5] * 8 + [[text_button("b")]]}, "at most 40 buttons"),
        ({"inline": True, "buttons": [[text_button("a")]] * 7}, "at most 6 rows"),
        ({"inline": True, "buttons": [[text_button("a")] * 4] * 3}, "at most 10 buttons"),
        ({"inline": True, "one_time": True, "buttons": []}, "one_time is not supported"),
        ({"buttons": [[{"action": {"type": "intent", "label": "a"}}]]}, "unsupported button"),
        ({"buttons": [[{"action": {"type": "callback"}}]]}, "label is required"),
        ({"buttons": [[text_button("я" * 41)]]}, "longer than 40"),
        ({"buttons": [[text_button("a", json.dumps("я" * 254))]]}, "longer than 255"),
        ({"buttons": [[text_button("a", "{cmd: 1}")]]}, "not valid JSON"),
        (
            {"buttons": [[{"action": {"type": "location"}}, text_button("a")]]},
            "location button takes the whole row",
        ),
        ({"buttons": [[{"action": {"type": "open_link", "label": "a"}}]]}, "http(s) URL"),
        ({"buttons": [[{"color": "green", **text_button("a")}]]}, "unknown color"),
        ({"buttons": [[]]}, "must not be empty"),
        ({"one_time": False}, "array of arrays"),
    ],
)
async def test_keyboard_rules(
    emu: VkApiEmulator, vk: vk_api.VkApi, keyboard: dict[str, Any], rule: str
) -> None:
    await emu.user(3).write(GROUP, "меню")
    err = await refused(
        vk, "messages.send", peer_id=3, message="x", random_id=1, keyboard=json.dumps(keyboard)
    )
    assert err.code == 911
    assert err.error["error_msg"].startswith("Keyboard format is invalid: ")
    assert rule in err.error["error_msg"]
    assert emu.user(3).messages(GROUP) == []


async def test_keyboards_buttons_and_one_time(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    user = emu.user(3)
    await user.write(GROUP, "меню")
    menu = VkKeyboard(one_time=True)
    menu.add_button("Сообщить о проблеме", VkKeyboardColor.PRIMARY, payload={"cmd": "report"})
    menu.add_line()
    menu.add_location_button()
    await call(
        vk, "messages.send", peer_id=3, message="Меню", random_id=1, keyboard=menu.get_keyboard()
    )
    keyboard = user.keyboard(GROUP)
    assert keyboard is not None and keyboard["author_id"] == -GROUP
    wrote = await user.press_text_button(GROUP, None, "Сообщить о проблеме")
    assert (wrote["text"], json.loads(wrote["payload"])) == (
        "Сообщить о проблеме",
        {"cmd": "report"},
    )
    assert user.keyboard(GROUP) is None, "a one_time keyboard hides after a text button"

    inline = VkKeyboard(inline=True)
    inline.add_callback_button("Принять", VkKeyboardColor.POSITIVE, payload={"a": "ok", "id": 5})
    inline.add_openlink_button("Карта", "https://example.ru/map")
    await call(
        vk,
        "messages.send",
        peer_id=3,
        message="Заявка",
        random_id=2,
        keyboard=inline.get_keyboard(),
    )
    shown = user.last_message(GROUP)
    assert shown is not None and shown["keyboard"]["inline"] is True
    with pytest.raises(LookupError, match="Принять"):
        await user.press_text_button(GROUP, shown, "Принять")
    empty = json.dumps({"buttons": []})
    await call(vk, "messages.send", peer_id=3, message="Без меню", random_id=3, keyboard=empty)
    assert user.keyboard(GROUP) is None and last(user)["keyboard"] is None


# -- events: Bots Long Poll ------------------------------------------------------------------


async def test_long_poll_message_press_and_answer(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    user = emu.user(42, "Мария")
    longpoll = await asyncio.to_thread(VkBotLongPoll, vk, GROUP, 1)
    waiting = asyncio.create_task(asyncio.to_thread(longpoll.check))
    await asyncio.sleep(0.05)
    await user.write(GROUP, "Яма во дворе", payload={"cmd": "report"})
    [event] = await asyncio.wait_for(waiting, 2.0)
    assert event.type is VkBotEventType.MESSAGE_NEW and event.from_user
    assert (event.message.text, event.message.from_id, event.message.peer_id) == (
        "Яма во дворе",
        42,
        42,
    )
    assert json.loads(event.message.payload) == {"cmd": "report"}
    assert event.raw["v"] == "5.199" and len(event.raw["event_id"]) == 40
    assert event.client_info.button_actions and event.client_info.inline_keyboard is True

    inline = VkKeyboard(inline=True)
    inline.add_callback_button("Принять", payload={"a": "ok", "id": 5})
    kb = inline.get_keyboard()
    await call(vk, "messages.send", peer_id=42, message="Заявка №5", random_id=1, keyboard=kb)
    sent = user.last_message(GROUP)
    assert sent is not None
    pressed = await user.press_callback_button(GROUP, sent, "Принять")
    [press] = await asyncio.to_thread(longpoll.check)
    assert press.type is VkBotEventType.MESSAGE_EVENT
    assert press.object.payload == {"a": "ok", "id": 5}
    assert press.object.conversation_message_id == sent["conversation_message_id"]
    assert press.object.event_id == pressed["event_id"]

    answer = {"type": "show_snackbar", "text": "Заявка принята"}
    answered = dict(event_id=press.object.event_id, user_id=42, peer_id=42)
    await call(vk, "messages.sendMessageEventAnswer", **answered, event_data=json.dumps(answer))
    assert user.snackbars(GROUP) == ["Заявка принята"]
    again = await refused(vk, "messages.sendMessageEventAnswer", **answered)
    assert again.code == 100
    await user.press(GROUP, sent, {"forged": True})
    long = json.dumps({"type": "show_snackbar", "text": "я" * 91})
    latest = emu.group(GROUP).events[-1]["object"]["event_id"]
    err = await refused(
        vk,
        "messages.sendMessageEventAnswer",
        event_id=latest,
        user_id=42,
        peer_id=42,
        event_data=long,
    )
    assert err.code == 100 and "90" in err.error["error_msg"]


async def test_long_poll_failures(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    server = await call(vk, "groups.getLongPollServer", group_id=GROUP)
    path = server["server"].removeprefix(emu.url)
    query = {"act": "a_check", "key": server["key"], "ts": server["ts"], "wait": "0"}
    assert await raw(emu, path, "GET", params=query) == {"ts": server["ts"], "updates": []}
    assert await raw(emu, path, "GET", params={**query, "ts": "99"}) == {
        "failed": 1,
        "ts": server["ts"],
    }
    emu.expire_long_poll_key(GROUP)
    assert await raw(emu, path, "GET", params=query) == {"failed": 2}

    longpoll = await asyncio.to_thread(VkBotLongPoll, vk, GROUP, 1)
    emu.expire_long_poll_key(GROUP)
    await emu.user(9).write(GROUP, "после смены ключа")
    assert await asyncio.to_thread(longpoll.check) == []  # failed 2: vk_api fetches a new key
    [event] = await asyncio.to_thread(longpoll.check)
    assert event.message.text == "после смены ключа"

    emu.disable_long_poll(GROUP)
    assert (await refused(vk, "groups.getLongPollServer", group_id=GROUP)).code == 100
    await emu.user(9).write(GROUP, "никто не слушает")
    assert [e["object"]["message"]["text"] for e in emu.group(GROUP).dropped] == [
        "никто не слушает"
    ]


# -- events: Callback API --------------------------------------------------------------------


class Receiver:
    """A tiny Callback API server: records every request, answers as `reply` says."""

    def __init__(self, reply: Callable[[dict[str, Any], int], tuple[int, str]]) -> None:
        self.reply = reply
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append((dict(request.headers), body))
        status, text = self.reply(body, len(self.requests))
        return web.Response(status=status, text=text)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/vk", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/vk"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def confirming(code: str, event_reply: Callable[[int], tuple[int, str]]) -> Any:
    """Answer the confirmation with `code`, the n-th event with event_reply(n)."""
    counter = {"events": 0}

    def reply(body: dict[str, Any], _: int) -> tuple[int, str]:
        if body["type"] == "confirmation":
            return 200, code
        counter["events"] += 1
        return event_reply(counter["events"])

    return reply


async def test_callback_wrong_confirmation_delivers_nothing(emu: VkApiEmulator) -> None:
    async with Receiver(confirming("wrong", lambda n: (200, "ok"))) as receiver:
        server = emu.set_callback(GROUP, receiver.url, secret="s3", confirmation_code="c0de")
        await emu.user(5).write(GROUP, "Алло")
        assert [body["type"] for _, body in receiver.requests] == ["confirmation"]
        assert receiver.requests[0][1] == {"type": "confirmation", "group_id": GROUP}
        assert server.confirmed is False and server.failure is not None
        assert "'c0de'" in server.failure and "'wrong'" in server.failure
        assert emu.group(GROUP).deliveries == []
        assert len(emu.group(GROUP).dropped) == 1

        emu.set_callback(GROUP, receiver.url, confirmation_code="wrong")  # fixed in settings
        await emu.user(5).write(GROUP, "Ещё раз")
        [delivery] = emu.group(GROUP).deliveries
        assert (delivery.attempt, delivery.status, delivery.body) == (1, 200, "ok")
        assert receiver.requests[-1][1]["object"]["message"]["text"] == "Ещё раз"
        assert "secret" not in receiver.requests[-1][1]


async def test_callback_retries_until_ok_then_gives_up(emu: VkApiEmulator) -> None:
    replies = {1: (500, "boom"), 2: (200, "not ok"), 3: (200, "ok")}
    reply = confirming("c0de", lambda n: replies.get(n, (200, "nope")))
    async with Receiver(reply) as receiver:
        emu.set_callback(GROUP, receiver.url, secret="s3", confirmation_code="c0de")
        await emu.user(5).write(GROUP, "Алло")
        group = emu.group(GROUP)
        events = [
            (headers, body) for headers, body in receiver.requests if body["type"] != "confirmation"
        ]
        assert [h.get("X-Retry-Counter") for h, _ in events] == [None, "1", "2"]
        assert len({body["event_id"] for _, body in events}) == 1
        assert all(body["secret"] == "s3" for _, body in events)
        assert events[0][1]["object"]["message"]["text"] == "Алло"
        assert [(d.attempt, d.status, d.body) for d in group.deliveries] == [
            (1, 500, "boom"),
            (2, 200, "not ok"),
            (3, 200, "ok"),
        ]
        await emu.user(6).write(GROUP, "Второе")
        assert len(group.deliveries) == 3 + 6  # the first try and 5 retries
        assert group.gave_up == [group.events[-1]["event_id"]]
        status, body = await emu.deliver_raw(
            GROUP, {"type": "message_new", "object": {}}, secret="x"
        )
        assert (status, body) == (200, "nope")
        assert receiver.requests[-1][1]["secret"] == "x"


# -- media and edits -------------------------------------------------------------------------


async def test_photo_and_document_uploads(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    user = emu.user(42)
    await user.write(GROUP, "Фото?")
    upload = vk_api.VkUpload(vk)
    image = png(1000, 750)
    [photo] = await asyncio.to_thread(upload.photo_messages, io.BytesIO(image), 42)
    assert photo["owner_id"] == -GROUP and photo["access_key"]
    assert [s["type"] for s in photo["sizes"]] == ["s", "m", "x", "y", "z"]
    assert (photo["sizes"][-1]["width"], photo["sizes"][-1]["height"]) == (1000, 750)
    doc = await asyncio.to_thread(
        upload.document_message, io.BytesIO(b"%PDF-1.4"), "report.pdf", None, 42
    )
    assert (doc["type"], doc["doc"]["title"], doc["doc"]["ext"]) == ("doc", "report.pdf", "pdf")
    refs = f"photo{photo['owner_id']}_{photo['id']},doc{doc['doc']['owner_id']}_{doc['doc']['id']}"
    await call(vk, "messages.send", peer_id=42, attachment=refs, random_id=1)
    [sent] = user.messages(GROUP)
    assert [a["type"] for a in sent["attachments"]] == ["photo", "doc"]
    async with aiohttp.ClientSession() as http:
        async with http.get(sent["attachments"][0]["photo"]["sizes"][0]["url"]) as resp:
            assert await resp.read() == image
        async with http.get(sent["attachments"][1]["doc"]["url"]) as resp:
            assert await resp.read() == b"%PDF-1.4"
    missing = await refused(vk, "messages.send", peer_id=42, attachment="photo-1_99", random_id=2)
    assert missing.code == 100
    save = await refused(vk, "photos.saveMessagesPhoto", photo="[]", server=1, hash="x")
    assert save.code == 118


async def test_user_media_in_vk_shapes(emu: VkApiEmulator, vk: vk_api.VkApi) -> None:
    user = emu.user(42)
    longpoll = await asyncio.to_thread(VkBotLongPoll, vk, GROUP, 1)
    await user.send_photo(GROUP, caption="Вот яма")
    await user.send_voice(GROUP, duration=3)
    await user.send_doc(GROUP, "акт.pdf", b"%PDF")
    await user.send_geo(GROUP, 55.75, 37.62)
    events = await asyncio.to_thread(longpoll.check)
    photo, voice, doc, geo = (e.message for e in events)
    assert photo.text == "Вот яма"
    size = photo.attachments[0]["photo"]["sizes"][0]
    assert (size["type"], size["width"], size["height"]) == ("s", 4, 3)
    audio = voice.attachments[0]["audio_message"]
    assert audio["duration"] == 3 and audio["link_ogg"].endswith(".ogg")
    assert audio["link_mp3"].endswith(".mp3")
    assert (doc.attachments[0]["doc"]["title"], doc.attachments[0]["doc"]["size"]) == ("акт.pdf", 4)
    assert geo.geo == {"type": "point", "coordinates": {"latitude": 55.75, "longitude": 37.62}}
    async with aiohttp.ClientSession() as http, http.get(size["url"]) as resp:
        assert (resp.content_type, await resp.read()) == ("image/png", TINY_PNG)


async def test_edit_replaces_text_and_keyboard() -> None:
    wall = ManualClock(1_700_000_000.0)
    async with VkApiEmulator(wall_clock=wall) as emu:
        emu.add_group(GROUP, TOKEN)
        vk = vk_for(emu, TOKEN)
        user = emu.user(42)
        mine = await user.write(GROUP, "Моё")
        inline = VkKeyboard(inline=True)
        inline.add_callback_button("Принять", payload={"a": 1})
        kb = inline.get_keyboard()
        message_id = await call(
            vk, "messages.send", peer_id=42, message="Черновик", random_id=1, keyboard=kb
        )
        cmid = last(user)["conversation_message_id"]
        assert (
            await call(
                vk, "messages.edit", peer_id=42, conversation_message_id=cmid, message="Итог"
            )
            == 1
        )
        edited = last(user)
        assert (edited["text"], edited["edited"], edited["keyboard"]) == ("Итог", True, None)
        await call(
            vk, "messages.edit", peer_id=42, message_id=message_id, message="С кнопкой", keyboard=kb
        )
        assert last(user)["keyboard"]["buttons"][0][0]["action"]["label"] == "Принять"
        assert len(user.messages(GROUP)) == 1
        missing = await refused(
            vk, "messages.edit", peer_id=42, conversation_message_id=99, message="x"
        )
        assert missing.code == 100
        cmid_mine = mine["conversation_message_id"]
        theirs = await refused(
            vk, "messages.edit", peer_id=42, conversation_message_id=cmid_mine, message="x"
        )
        assert theirs.code == 920
        wall.advance(24 * 3600 + 1)
        old = await refused(
            vk, "messages.edit", peer_id=42, conversation_message_id=cmid, message="x"
        )
        assert old.code == 909
