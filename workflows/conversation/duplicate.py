"""«Похоже, об этом уже сообщили…»: before a draft is registered, another citizen's open item
that looks the same is named by its number, date, topic and locality (never that citizen's
words), and the citizen says whether it is the same problem. Either way the draft is registered."""

from dataclasses import dataclass

from models import Item
from workflows.conversation.engine import Turn
from workflows.conversation.parts import Choice, Option, Rich, rich
from workflows.items.context import MunicipalityContext
from workflows.items.duplicates.score import Report
from workflows.items.duplicates.search import get_duplicate_candidate
from workflows.items.transitions import OPEN
from workflows.texts import citizen as tc
from workflows.texts.words import local_date

SAME, OTHER = "dsame", "dother"
ANSWERS = {SAME: "same", OTHER: "other"}
ASKED = "dup_asked"  # the draft's data: the item the waiting question names


@dataclass(frozen=True)
class DupChoice:
    """What the citizen answered about a suggested item (its id)."""

    item_id: int
    answer: str  # "same" or "other"


def describe(item: Item, ctx: MunicipalityContext) -> Rich:
    """The other item as the citizen may see it: number, date, topic, locality."""
    d = ctx.directory
    what = rich(tc.DUP_WHAT, number=item.number, date=local_date(item.registered_at, d.tz))
    extra = [
        x
        for x in (d.sectors.get(item.sector_id or -1), d.localities.get(item.locality_id or -1))
        if x
    ]
    return what + ((", " + ", ".join(extra),) if extra else ())


async def ask_duplicate(t: Turn, ctx: MunicipalityContext) -> bool:
    """Ask about another citizen's look-alike open item, if there is one (True: asked)."""
    assert t.citizen is not None
    data = t.data
    new = Report(
        text=str(data.get("text") or ""),
        at=t.rt.clock.now(),
        lat=data.get("lat"),
        lon=data.get("lon"),
        locality_id=data.get("locality_id"),
        place_text=data.get("place_text"),
    )
    match = await get_duplicate_candidate(
        t.session,
        municipality_id=ctx.municipality.id or 0,
        citizen_id=t.citizen.id or 0,
        new=new,
    )
    if match is None:
        return False
    t.data[ASKED] = match.item.id or 0
    _say_question(t, ctx, match.item)
    return True


async def repeat_duplicate(t: Turn, ctx: MunicipalityContext) -> bool:
    """Something typed while the question waits for a button: say how to answer and ask again
    (True), unless no question waits or its item is gone (the caller shows the summary)."""
    item_id = t.data.get(ASKED)
    item = await t.session.get(Item, item_id) if isinstance(item_id, int) else None
    if item is None or item.status not in OPEN:
        t.data.pop(ASKED, None)
        return False
    t.say(rich(tc.DUP_TYPED, same=tc.DUP_SAME, other=tc.DUP_OTHER))
    _say_question(t, ctx, item)
    return True


def forget_question(t: Turn) -> None:
    """The draft is back at its summary (or edited): no question waits any more."""
    t.data.pop(ASKED, None)


def _say_question(t: Turn, ctx: MunicipalityContext, item: Item) -> None:
    draft, other = int(t.data["draft"]), item.id or 0
    question = tc.DUP_QUESTION.split("{what}")
    t.say(
        (*rich(question[0]), *describe(item, ctx), *rich(question[1])),
        [
            Option(tc.DUP_SAME, Choice(SAME, draft, other)),
            Option(tc.DUP_OTHER, Choice(OTHER, draft, other)),
        ],
        columns=2,
    )


async def check_dup_choice(
    t: Turn, ctx: MunicipalityContext, choice: DupChoice
) -> tuple[DupChoice | None, Rich]:
    """The answer to keep, and what to add to the registration reply. An item that closed (or
    was never another citizen's open item here) since the question: nothing kept, and said so."""
    assert t.citizen is not None
    item = await t.session.get(Item, choice.item_id, populate_existing=True)
    if (
        item is None
        or item.municipality_id != ctx.municipality.id
        or item.citizen_id in (None, t.citizen.id)
    ):
        return None, ()
    if item.status not in OPEN:
        return None, rich(tc.DUP_GONE, number=item.number)
    if choice.answer == "same":
        return choice, rich(tc.DUP_NOTED_SAME, number=item.number)
    return choice, ()
