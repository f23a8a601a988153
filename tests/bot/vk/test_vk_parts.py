"""VK events read into conversation events, and outputs rendered within VK's limits: the parts
that need no server (the end-to-end tests drive them through the emulator)."""

import json

import pytest

from bot.vk.events import choice_of, read_event
from bot.vk.render import (
    INLINE_BUTTONS,
    inline_keyboards,
    outbox_random_id,
    payload,
    reply_random_id,
    standing,
    texts,
)
from models import Channel
from workflows.conversation.parts import (
    Choice,
    Command,
    File,
    Keyboard,
    Option,
    Other,
    Place,
    Pressed,
    Strong,
    Text,
)
from workflows.intake.inbox import get_chat_key, get_vk_update_id

GROUP = 229000001


def new_message(**message: object) -> dict[str, object]:
    body = {"peer_id": 501, "from_id": 501, "conversation_message_id": 7, "text": "", **message}
    return {
        "type": "message_new",
        "object": {"message": body, "client_info": {"keyboard": True}},
        "group_id": GROUP,
        "event_id": "e1",
        "v": "5.199",
    }


def test_a_message_becomes_text_command_file_or_place():
    assert read_event(new_message(text="Нет воды")).event == Text("Нет воды")
    assert read_event(new_message(text="Нет\x00 воды")).event == Text("Нет воды"), "no NUL"
    assert read_event(new_message(text="/start")).event == Command("start")
    start = new_message(text="Начать", payload=json.dumps({"command": "start"}))
    assert read_event(start).event == Command("start")
    photo = {
        "type": "photo",
        "photo": {
            "sizes": [
                {"type": "s", "url": "http://x/s.jpg", "width": 75, "height": 75},
                {"type": "z", "url": "http://x/z.jpg", "width": 1080, "height": 720},
            ]
        },
    }
    event = read_event(new_message(text="вот", attachments=[photo])).event
    assert event == File("photo", "http://x/z.jpg", "вот"), "the largest size, the caption kept"
    voice = {"type": "audio_message", "audio_message": {"link_ogg": "http://x/v.ogg"}}
    assert read_event(new_message(attachments=[voice])).event == File("voice", "http://x/v.ogg")
    geo = {"type": "point", "coordinates": {"latitude": 42.1, "longitude": 46.1}}
    assert read_event(new_message(geo=geo)).event == Place(42.1, 46.1)
    huge = {"type": "doc", "doc": {"url": "http://x/" + "a" * 3000}}
    assert read_event(new_message(attachments=[huge])).event == Other("doc"), "not kept"
    sticker = {"type": "sticker", "sticker": {"sticker_id": 1}}
    assert read_event(new_message(attachments=[sticker])).event == Other("sticker")


def test_events_nobody_answers_are_skipped():
    assert read_event(new_message(from_id=-GROUP)) is None, "the community's own message"
    assert read_event({"type": "message_typing_state", "object": {}, "group_id": GROUP}) is None
    assert read_event({"type": "message_new", "object": "x", "group_id": GROUP}) is None
    assert read_event({"type": "message_new", "object": {"message": {}}}) is None


def test_a_press_is_a_choice_and_anything_forged_is_stale():
    press = {
        "type": "message_event",
        "object": {
            "user_id": 501,
            "peer_id": 501,
            "event_id": "abc",
            "payload": {"o": ["tk", 12, 3]},
            "conversation_message_id": 9,
        },
        "group_id": GROUP,
        "event_id": "e2",
    }
    incoming = read_event(press)
    assert incoming is not None and incoming.event == Pressed(Choice("tk", 12, 3), 9)
    assert incoming.event_id == "abc" and incoming.key == f"ve{GROUP}:abc"
    stale = Choice("?")
    assert choice_of({"o": ["tk", "12"]}) == stale, "a number as a string"
    assert choice_of({"o": ["tk", True]}) == stale, "a boolean is not a number"
    assert choice_of({"o": ["x" * 9]}) == stale, "an action code longer than ours"
    assert choice_of({"o": ["tk", 1, 2, 3, 4]}) == stale
    assert choice_of({"o": ["tk", 2**70]}) == stale
    assert choice_of({"o": ["tk"], "pad": "x" * 300}) == stale, "over VK's 255 bytes"
    assert choice_of("{not json") == stale
    assert choice_of(None) == stale


def test_options_fit_vk_keyboards():
    many = tuple(Option(f"Вариант {i} " + "о" * 50, Choice("sec", i)) for i in range(23))
    keyboards = [json.loads(k) for k in inline_keyboards(many, 2)]
    assert len(keyboards) == 3, "ten buttons to a keyboard"
    for kb in keyboards:
        buttons = [b for row in kb["buttons"] for b in row]
        assert kb["inline"] and len(buttons) <= INLINE_BUTTONS and len(kb["buttons"]) <= 6
        assert all(len(row) <= 5 for row in kb["buttons"])
        for b in buttons:
            assert b["action"]["type"] == "callback" and len(b["action"]["label"]) <= 40
            assert len(b["action"]["payload"].encode()) <= 255
    assert choice_of(json.loads(keyboards[2]["buttons"][0][0]["action"]["payload"])) == Choice(
        "sec", 20
    )
    biggest = Choice("consent", 2**62, 2**62, 2**62)
    assert len(payload(biggest).encode()) <= 255 and choice_of(payload(biggest)) == biggest


def test_standing_keyboards_and_plain_text():
    menu = json.loads(standing(Keyboard.menu))
    assert [b["action"]["type"] for row in menu["buttons"] for b in row] == ["text"] * 3
    place = json.loads(standing(Keyboard.place))
    assert place["buttons"][0] == [{"action": {"type": "location"}}], "location alone in its row"
    assert json.loads(standing(Keyboard.remove))["buttons"] == []
    assert texts(("Номер ", Strong("БЖТ-1"), " <b>"))[0] == "Номер БЖТ-1 <b>", "no markup"
    long = texts(("слово " * 2000,))
    assert len(long) == 4 and all(len(p) <= 4096 for p in long)


def test_random_ids_are_stable_distinct_and_int32():
    assert reply_random_id("k1", 0) == reply_random_id("k1", 0) != reply_random_id("k1", 1)
    ids = {outbox_random_id(o, p, q) for o in range(1, 200) for p in range(1, 8) for q in range(4)}
    assert len(ids) == 199 * 7 * 4, "every outbox message its own"
    assert all(0 < i < 2**31 for i in ids | {reply_random_id(str(k), 0) for k in range(999)})
    assert max(ids) < min(reply_random_id(str(k), 0) for k in range(999)), "apart"


@pytest.mark.parametrize(
    "body,key,chat",
    [
        (new_message(), f"{GROUP}:e1", f"{GROUP}:501"),
        (
            {
                "type": "message_event",
                "object": {"peer_id": 7, "user_id": 7},
                "group_id": 3,
                "event_id": "z",
            },
            "3:z",
            "3:7",
        ),
        ({"type": "message_new", "group_id": "3", "event_id": "z"}, None, None),
        ({"type": "message_new", "group_id": 3, "event_id": ""}, None, None),
        ({"type": "message_new", "group_id": 3, "event_id": "x" * 51}, None, None),
    ],
)
def test_inbox_keys_of_vk_events(body, key, chat):
    assert get_vk_update_id(body) == key
    if key is not None:
        assert get_chat_key(channel=Channel.vk, payload=body) == chat
