"""A confirmed draft becomes an item in the turn's one transaction: the flood limit, the item
with its number, deadline and routing, its attachments, the staff notices and the dialog's end
commit together, keyed by the draft, so a crash, a redelivery or a double tap makes one item."""

from datetime import timedelta

from sqlmodel import col, select

from models import Channel, Citizen, Item, ItemKind, PlaceKind
from workflows.citizens.history import get_reports_since, get_similar_open_item
from workflows.conversation.duplicate import DupChoice, ask_duplicate, check_dup_choice
from workflows.conversation.engine import Turn
from workflows.conversation.parts import Choice, Keyboard, Option, rich
from workflows.core.actors import Actor
from workflows.items.attachments import do_add_attachments
from workflows.items.context import load_context
from workflows.items.register import NewItem, do_register_item, get_valid_text
from workflows.texts import citizen as tc
from workflows.texts.words import count, local_date

CANCEL = Option(tc.CANCEL, Choice("cancel"))


async def submit(t: Turn, *, key: str, check_similar: bool, dup: DupChoice | None = None) -> None:
    """Register the draft, unless a look-alike open item is found first: the citizen's own
    (`check_similar`), then another citizen's (asked until `dup` carries the answer)."""
    assert t.citizen is not None
    s, now, data = t.session, t.rt.clock.now(), t.data
    done = (await s.exec(select(Item).where(col(Item.intake_key) == key))).first()
    if done is not None:
        t.end()
        t.say(rich(tc.ALREADY_SENT, number=done.number), keyboard=Keyboard.menu)
        return
    # The citizen's row is locked for the count and the insert: two confirms at once (two
    # chats, two workers) cannot both slip under the limit.
    await s.exec(select(Citizen).where(col(Citizen.id) == t.citizen.id).with_for_update())
    limit = t.rt.settings.max_reports_per_hour
    recent = await get_reports_since(
        s, citizen_id=t.citizen.id or 0, since=now - timedelta(hours=1)
    )
    if recent >= limit:
        retry = Option(tc.SEND, Choice("send", int(data["draft"])))
        t.say(rich(tc.FLOOD, reports=count(recent, "сообщение")), [retry, CANCEL])
        return
    if check_similar:
        similar = await get_similar_open_item(
            s, citizen_id=t.citizen.id or 0, text=data["text"], since=now - timedelta(days=30)
        )
        if similar is not None:
            draft = int(data["draft"])
            t.say(
                rich(tc.SIMILAR, number=similar.number),
                [
                    Option(tc.SEND_ANYWAY, Choice("any", draft)),
                    Option(tc.OPEN_OLD, Choice("open", similar.id or 0)),
                    CANCEL,
                ],
                columns=1,
            )
            return
    ctx = await load_context(s, municipality_id=int(data["municipality_id"]))
    if dup is None and await ask_duplicate(t, ctx):
        return
    kept, dup_note = await check_dup_choice(t, ctx, dup) if dup else (None, ())
    actor = Actor.of_citizen(t.citizen.id or 0, channel=t.chat.channel)
    new = NewItem(
        kind=ItemKind.message,
        channel=t.chat.channel,
        text=data["text"],
        sector_id=data.get("sector_id"),
        locality_id=data.get("locality_id"),
        place_text=data.get("place_text"),
        lat=data.get("lat"),
        lon=data.get("lon"),
        citizen_id=t.citizen.id,
        intake_key=key,
        dup_of_id=kept.item_id if kept else None,
        dup_answer=kept.answer if kept else None,
        place_kind=PlaceKind(data["place_kind"]) if data.get("place_kind") else None,
    )
    text = await get_valid_text(s, ctx=ctx, new=new, actor=actor, now=now)
    item = await do_register_item(s, ctx=ctx, now=now, new=new, text=text, actor=actor)
    if data.get("files"):
        await do_add_attachments(
            s,
            item_id=item.id or 0,
            channel=Channel(t.chat.channel),
            files=[(k, f) for k, f in data["files"]],
            from_citizen=True,
            now=now,
        )
    t.end()
    muni = ctx.municipality
    reply = rich(tc.REGISTERED, number=item.number) + dup_note
    if item.due_at is not None:
        reply += rich("\n" + tc.REGISTERED_DUE, due=local_date(item.due_at, muni.tz))
    reply += rich("\n" + tc.REGISTERED_NEXT)
    if muni.pos_link:
        reply += rich(tc.REGISTERED_POS, link=muni.pos_link)
    t.say(reply, keyboard=Keyboard.menu)
