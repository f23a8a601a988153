"""A bot shared by several municipalities: before anything else the citizen says which one
they write about; the choice is kept with the chat (/municipality changes it)."""

from dataclasses import replace

from sqlmodel import col, select

from models import Municipality
from workflows.conversation.engine import Turn, get_consented_citizen
from workflows.conversation.parts import Choice, Command, Option, Pressed, rich
from workflows.texts import citizen as tc

PICK = "mu"
CHANGE = "municipality"
ANYWHERE = frozenset({"help", "delete_me", "cancel"})  # need no municipality


async def settled(t: Turn) -> bool:
    """True when the turn may go on: its municipality is known, or the event needs none.
    Otherwise this turn asks for it (or takes the pick) and is done."""
    chat, ev = t.chat, t.event
    if not chat.municipalities:
        return True
    if isinstance(ev, Command) and ev.name == CHANGE:
        t.chat = replace(chat, municipality_id=None)
        t.end()
        await ask(t)
        return False
    if isinstance(ev, Pressed) and ev.choice.act == PICK:
        if ev.choice.a not in chat.municipalities:
            await ask(t)  # an old list, or one never shown: ask again
            return False
        t.chat = replace(chat, municipality_id=ev.choice.a)
        t.citizen = await get_consented_citizen(t.session, t.chat)  # its consent, if any
        t.end()
        muni = await t.session.get(Municipality, ev.choice.a)
        t.say(rich(tc.MUNICIPALITY_CHOSEN, name=muni.name if muni else ""))
        from workflows.conversation.citizen import start

        await start(t)
        return False
    if chat.municipality_id is not None or (isinstance(ev, Command) and ev.name in ANYWHERE):
        return True
    await ask(t)
    return False


async def ask(t: Turn) -> None:
    rows = await t.session.exec(
        select(Municipality)
        .where(col(Municipality.id).in_(t.chat.municipalities))
        .order_by(col(Municipality.name))
    )
    options = [Option(m.name, Choice(PICK, m.id or 0)) for m in rows]
    t.say(tc.ASK_MUNICIPALITY, options, columns=1)
