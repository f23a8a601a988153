"""The routing model's suggestions on a triage card: «➡️ Дороги (93%)» assigns the item to that
sector's lead at once; a press on a card that has moved on changes nothing."""

from models import ItemStatus
from workflows.conversation.acting import actor_of, apply_in_turn
from workflows.conversation.engine import Turn
from workflows.conversation.parts import Card, Choice, Option
from workflows.core.errors import DomainError
from workflows.items.access import access_item
from workflows.items.effects import ActionInput
from workflows.items.transitions import Action
from workflows.items.views import ItemView, get_item_view
from workflows.texts import staff as ts
from workflows.texts.words import shorten

SUGGESTED = "rs"


def suggestion_options(view: ItemView, allowed: set[Action]) -> list[Option]:
    """One button per suggested sector with a lead, while the item waits for triage."""
    item, directory = view.item, view.ctx.directory
    hint = item.route_hint or {}
    if item.status is not ItemStatus.new or Action.assign not in allowed:
        return []
    options = []
    for s in hint.get("suggestions") or []:
        sector = s.get("sector_id")
        if sector in directory.sectors and directory.leads.get(sector):
            label = ts.CARD_SUGGESTED.format(
                sector=shorten(directory.sectors[sector], 28), p=round(100 * float(s["p"]))
            )
            options.append(Option(label, Choice(SUGGESTED, item.id or 0, item.version, sector)))
    return options


async def picked_sector(t: Turn, choice: Choice) -> None:
    """Assign to the lead of the sector pressed, if the card is still current."""
    actor = actor_of(t)
    item_id, version, sector = choice.a, choice.b, choice.c
    try:
        await access_item(t.session, item_id=item_id, actor=actor)
    except DomainError:
        t.say(ts.NOT_FOUND)
        return
    view = await get_item_view(t.session, item_id=item_id)
    leads = view.ctx.directory.leads.get(sector, [])
    error = None
    if view.item.version != version or view.item.status is not ItemStatus.new:
        error = ts.MOVED_ON.format(number=view.item.number)
    elif not leads:
        error = ts.NO_SECTOR_LEAD.format(number=view.item.number)
    else:
        lead = min(leads, key=lambda s: s.id or 0)
        data = ActionInput(assignee_id=lead.id)
        error = await apply_in_turn(t, item_id, Action.assign, version, data, say=False)
    t.say(error or ts.HANDED.format(number=view.item.number))
    t.out.append(Card(item_id, redraw=True))
