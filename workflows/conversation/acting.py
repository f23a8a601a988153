"""A staff member's action from a chat, shared by the card's buttons: who acts, and one action
in a savepoint of the turn whose refusal is said and changes nothing."""

from models import Item
from workflows.conversation.engine import Turn
from workflows.conversation.parts import Card
from workflows.core.actors import Actor
from workflows.core.errors import DomainError, IllegalTransition, StaleVersion
from workflows.items.effects import ActionInput
from workflows.items.lifecycle import do_act
from workflows.items.transitions import Action
from workflows.texts import staff as ts
from workflows.texts.words import sentence


def actor_of(t: Turn) -> Actor:
    assert t.staff is not None
    return Actor.of_staff(t.staff, channel=t.chat.channel)


async def item_number(t: Turn, item_id: int) -> str:
    item = await t.session.get(Item, item_id)
    return item.number if item is not None else "—"


async def apply_in_turn(
    t: Turn,
    item_id: int,
    action: Action,
    version: int,
    data: ActionInput,
    *,
    redraw: bool = False,
    say: bool = True,
) -> str | None:
    """One action in a savepoint of the turn; a refusal is returned (and said, unless the caller
    says it with its own words), nothing changed."""
    error: str | None = None
    try:
        async with t.session.begin_nested():
            await do_act(
                t.session,
                clock=t.rt.clock,
                item_id=item_id,
                action=action,
                actor=actor_of(t),
                version=version,
                data=data,
            )
    except (StaleVersion, IllegalTransition):
        error = ts.MOVED_ON.format(number=await item_number(t, item_id))
    except DomainError as e:
        error = sentence(e.reason)
    if error is not None and say:
        t.say(error)
    if redraw:
        t.out.append(Card(item_id, redraw=True))
    return error
