"""«Переадресовать» on an appeal's card: the staff member picks the competent body (never the
one complained about), then types the reason; the forward itself is the lifecycle's action."""

from models import Appeal
from workflows.conversation.engine import Turn
from workflows.conversation.parts import Choice, Option, rich
from workflows.items.appeal.bodies import get_bodies
from workflows.items.views import ItemView
from workflows.texts import staff as ts
from workflows.texts.words import shorten

PICKED = "pb"


async def offer_bodies(t: Turn, view: ItemView, version: int, cancel: Option) -> None:
    """The municipality's active bodies as buttons, less the body the appeal complains about."""
    item = view.item
    appeal = await t.session.get(Appeal, item.id)
    complained = appeal.complained_body_id if appeal is not None else None
    bodies = await get_bodies(t.session, municipality_id=item.municipality_id)
    options = [
        Option(shorten(b.name, 40), Choice(PICKED, item.id or 0, version, b.id or 0))
        for b in bodies
        if b.id != complained
    ]
    if not options:
        t.say(rich(ts.NO_BODIES, number=item.number))
        return
    t.say(rich(ts.PICK_BODY, number=item.number), [*options, cancel], columns=1)
