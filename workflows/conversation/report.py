"""«Сообщить о проблеме»: topic (or «не знаю» → «где это?») → description with photos →
place → summary → the number. Every step says what it expects, takes nothing else as its
input, and offers a way out."""

import secrets
from typing import Any

from models import PlaceKind
from models.item import MAX_TEXT
from workflows.conversation.duplicate import (
    ANSWERS,
    DupChoice,
    forget_question,
    repeat_duplicate,
)
from workflows.conversation.engine import Step, Turn
from workflows.conversation.parts import (
    Choice,
    Contact,
    File,
    Keyboard,
    Option,
    Place,
    Pressed,
    Text,
    rich,
)
from workflows.conversation.submit import submit
from workflows.items.context import MunicipalityContext, load_context
from workflows.items.transitions import PLACE_KIND_RU
from workflows.texts import citizen as tc
from workflows.texts.words import count, shorten

SECTOR, WHERE, DESCRIBE, PLACE, CONFIRM = (
    "report.sector",
    "report.where",
    "report.describe",
    "report.place",
    "report.confirm",
)
MAX_PLACE = 500
CANCEL = Option(tc.CANCEL, Choice("cancel"))
KINDS = tuple(PlaceKind)  # a «где это?» button carries its kind's position here, from 1


def intake_key(t: Turn, draft: int) -> str:
    """The key of the one item a draft may become."""
    return f"{t.chat.channel}:{t.chat.chat_id}:{draft}"


async def begin(t: Turn) -> None:
    if t.chat.municipality_id is None:
        t.say(tc.NOT_CONFIGURED)
        return
    ctx = await load_context(t.session, municipality_id=t.chat.municipality_id)
    t.end()
    t.go(
        SECTOR,
        municipality_id=t.chat.municipality_id,
        draft=secrets.randbelow(2**31 - 1) + 1,
        files=[],
        text="",
    )
    _ask_sector(t, ctx)


def _ask_sector(t: Turn, ctx: MunicipalityContext) -> None:
    options = [
        Option(name, Choice("sec", sid)) for sid, name in sorted(ctx.directory.sectors.items())
    ]
    options += [Option(tc.SECTOR_UNKNOWN, Choice("sec", 0)), CANCEL]
    t.say(tc.ASK_SECTOR, options)


async def sector_step(t: Turn) -> None:
    ctx = await _ctx(t)
    ev = t.event
    if isinstance(ev, Pressed):
        sid = ev.choice.a
        if sid and sid not in ctx.directory.sectors:  # a topic removed since the list was shown
            _ask_sector(t, ctx)
            return
        if not sid:  # «не знаю»: the kind of place helps routing find the sector
            t.go(WHERE, sector_id=None, place_kind=None)
            _ask_where(t)
            return
        _ask_describe(t, sector_id=sid, place_kind=None)
        return
    t.say(tc.SECTOR_TYPED)
    _ask_sector(t, ctx)


def _ask_describe(t: Turn, **data: Any) -> None:
    t.go(DESCRIBE, **data)
    t.say(rich(tc.DESCRIBE, photos=count(t.rt.settings.max_photos, "фото")), _done())


def _ask_where(t: Turn, *, typed: bool = False) -> None:
    options = [Option(tc.WHERE_BUTTONS[k], Choice("pk", i)) for i, k in enumerate(KINDS, 1)]
    t.say(rich(tc.WHERE_TYPED if typed else tc.ASK_WHERE), [*options, CANCEL])


async def where_step(t: Turn) -> None:
    """One tap: a kind of place; anything else (text, a photo, a forged button) is asked again
    and nothing is kept."""
    ev = t.event
    if isinstance(ev, Pressed) and 1 <= ev.choice.a <= len(KINDS):
        kind = KINDS[ev.choice.a - 1].value
        if t.data.get("kind_again"):  # changed from the summary: back to it
            t.data.update(place_kind=kind, kind_again=False)
            await show_summary(t)
            return
        _ask_describe(t, place_kind=kind)
        return
    _ask_where(t, typed=True)


def _done() -> list[Option]:
    return [Option(tc.DONE, Choice("done")), CANCEL]


async def describe_step(t: Turn) -> None:
    ev = t.event
    if isinstance(ev, Pressed):  # «Готово»
        if not t.data.get("text"):
            t.say(tc.NEED_WORDS, _done())
            return
        await ask_place(t)
    elif isinstance(ev, Text):
        _add_text(t, ev.text, reply=tc.NOTED)
    elif isinstance(ev, File):
        _add_file(t, ev)
    elif isinstance(ev, Contact):
        t.say(tc.CONTACT_REFUSED, _done())
    else:
        t.say(tc.NOT_ACCEPTED, _done())


def _add_text(t: Turn, text: str, *, reply: str | None) -> bool:
    joined = (str(t.data.get("text", "")) + "\n" + text).strip()
    if len(joined) > MAX_TEXT:
        t.say(rich(tc.TOO_LONG, limit=MAX_TEXT), _done())
        return False
    t.data["text"] = joined
    if reply:
        t.say(reply, _done())
    return True


def _add_file(t: Turn, ev: File) -> None:
    files: list[list[str]] = list(t.data.get("files", []))
    limit = t.rt.settings.max_photos
    if ev.kind == "photo" and sum(1 for k, _ in files if k == "photo") >= limit:
        t.say(rich(tc.TOO_MANY_PHOTOS, photos=count(limit, "фото")), _done())
        return
    if ev.caption.strip() and not _add_text(t, ev.caption, reply=None):
        return
    files.append([ev.kind, ev.file_id])
    t.data["files"] = files
    t.say(tc.FILE_SAVED, _done())


async def ask_place(t: Turn) -> None:
    ctx = await _ctx(t)
    t.go(PLACE, locality_id=None, place_text=None, lat=None, lon=None)
    places = sorted(ctx.directory.localities.items(), key=lambda x: x[1])
    t.say(tc.ASK_PLACE, [*(Option(n, Choice("loc", lid)) for lid, n in places), CANCEL])
    t.say(tc.PLACE_BUTTON_HINT, keyboard=Keyboard.place)


async def place_step(t: Turn) -> None:
    ev = t.event
    if isinstance(ev, Pressed):
        ctx = await _ctx(t)
        if ev.choice.a not in ctx.directory.localities:
            await ask_place(t)
            return
        t.data["locality_id"] = ev.choice.a
    elif isinstance(ev, Place):
        t.data.update(lat=ev.lat, lon=ev.lon)
    elif isinstance(ev, Text) and ev.text.strip():
        if len(ev.text.strip()) > MAX_PLACE:
            t.say(tc.PLACE_TOO_LONG)
            return
        t.data["place_text"] = ev.text.strip()
    else:
        t.say(tc.PLACE_OTHER, [CANCEL])
        return
    await show_summary(t)


async def show_summary(t: Turn) -> None:
    ctx = await _ctx(t)
    t.go(CONFIRM)
    forget_question(t)
    t.say(tc.ALMOST, keyboard=Keyboard.remove)
    t.say(summary(t.data, ctx), _confirm_options(t.data))


def _confirm_options(data: dict[str, Any]) -> list[Option]:
    draft = int(data.get("draft") or 0)
    return [
        Option(tc.SEND, Choice("send", draft)),
        Option(tc.EDIT_TEXT, Choice("etx")),
        Option(tc.EDIT_PLACE, Choice("epl")),
        *([Option(tc.EDIT_KIND, Choice("ekd"))] if data.get("place_kind") else []),
        CANCEL,
    ]


def summary(data: dict[str, Any], ctx: MunicipalityContext) -> tuple[str, ...]:
    d = ctx.directory
    place = (
        data.get("place_text")
        or d.localities.get(data.get("locality_id") or -1)
        or (tc.SUMMARY_GEO if data.get("lat") is not None else tc.SUMMARY_NO_PLACE)
    )
    kind = data.get("place_kind")
    where = PLACE_KIND_RU[PlaceKind(kind)] if kind in PLACE_KIND_RU else None
    segments = rich(
        tc.SUMMARY,
        sector=d.sectors.get(data.get("sector_id") or -1) or tc.SUMMARY_NO_SECTOR,
        where=tc.SUMMARY_WHERE.format(where=where) if where else "",
        place=shorten(str(place), 300),
        text=shorten(str(data.get("text", "")), 1500),
    )
    kinds = [k for k, _ in data.get("files", [])]
    if kinds:
        counted = [
            count(kinds.count(kind), phrase)
            for kind, phrase in (
                ("photo", "фото"),
                ("voice", "голосовое сообщение"),
                ("document", "файл"),
            )
            if kind in kinds
        ]
        segments += rich(tc.SUMMARY_FILES, files=", ".join(counted))
    return segments


async def confirm_step(t: Turn) -> None:
    ev = t.event
    if not isinstance(ev, Pressed):
        ctx = await _ctx(t)
        if await repeat_duplicate(t, ctx):
            return
        t.say(tc.CONFIRM_TYPED)
        t.say(summary(t.data, ctx), _confirm_options(t.data))
        return
    act = ev.choice.act
    if act == "etx":
        t.go(DESCRIBE, text="")
        t.say(tc.DESCRIBE_AGAIN, _done())
    elif act == "epl":
        await ask_place(t)
    elif act == "ekd":
        t.go(WHERE, kind_again=True)
        _ask_where(t)
    elif ev.choice.a != t.data.get("draft"):  # the summary of an earlier draft
        t.say(tc.STALE_BUTTON)
        t.say(summary(t.data, await _ctx(t)), _confirm_options(t.data))
    elif act in ANSWERS:  # «та же проблема?» answered: registered either way
        dup = DupChoice(ev.choice.b, ANSWERS[act])
        await submit(t, key=intake_key(t, ev.choice.a), check_similar=False, dup=dup)
    else:
        await submit(t, key=intake_key(t, ev.choice.a), check_similar=act == "send")


async def _ctx(t: Turn) -> MunicipalityContext:
    return await load_context(t.session, municipality_id=int(t.data["municipality_id"]))


STEPS = (
    Step(SECTOR, sector_step, frozenset({"sec"})),
    Step(WHERE, where_step, frozenset({"pk"})),
    Step(DESCRIBE, describe_step, frozenset({"done"})),
    Step(PLACE, place_step, frozenset({"loc"})),
    Step(CONFIRM, confirm_step, frozenset({"send", "any", "etx", "epl", "ekd", *ANSWERS})),
)
