"""The citizen's journey outside the report dialog: /start and consent, the menu, help,
«Мои сообщения» with the timeline and «Дополнить», answers to a question, «Проблема решена?»
and the rating, erasure. Commands are never taken as text."""

from sqlmodel import col, select

from models import Item, ItemStatus, Municipality
from workflows.citizens.consent import check_give_consent
from workflows.citizens.erasure import check_erase_citizen
from workflows.conversation.engine import Step, Turn
from workflows.conversation.parts import (
    Choice,
    Command,
    Keyboard,
    Option,
    Pressed,
    Rich,
    Text,
    Unbutton,
    rich,
)
from workflows.conversation.staff import CHOICES as STAFF_CHOICES
from workflows.core.actors import Actor
from workflows.core.errors import DomainError
from workflows.items.effects import ActionInput
from workflows.items.lifecycle import do_act
from workflows.items.queries import get_citizen_items, get_timeline
from workflows.items.transitions import OPEN, STATUS_RU, Action
from workflows.texts import citizen as tc
from workflows.texts import staff as ts
from workflows.texts.events import EVENT_RU
from workflows.texts.words import local_date, sentence, shorten

DETAILS = "details"


async def command(t: Turn, ev: Command, *, in_dialog: bool) -> None:
    if ev.name == "cancel":
        if in_dialog:
            t.end()
            t.say(tc.CANCELLED, keyboard=Keyboard.menu)
        else:
            t.say(tc.NOTHING_TO_CANCEL, keyboard=_menu(t))
    elif ev.name == "help":
        t.say(tc.HELP, keyboard=_menu(t))
    elif ev.name == "delete_me":
        erased = await check_erase_citizen(
            t.session, channel=t.chat.channel, external_id=t.chat.user_id, now=t.rt.clock.now()
        )
        t.forget()
        t.say(tc.ERASED if erased else tc.NOTHING_TO_ERASE, keyboard=Keyboard.remove)
    elif in_dialog:
        t.say(rich(tc.COMMAND_IN_DIALOG, name=ev.name[:32]))
    elif ev.name == "start":
        await start(t)
    else:
        t.say(tc.UNKNOWN_COMMAND)


async def start(t: Turn) -> None:
    muni = await _municipality(t)
    if muni is None:
        t.say(tc.NOT_CONFIGURED)
    elif t.citizen is not None:
        t.say(tc.CONSENT_GIVEN, keyboard=Keyboard.menu)
    else:
        t.say(
            rich(tc.GREETING, municipality=muni.name),
            [Option(tc.CONSENT_BUTTON, Choice("consent"))],
        )


async def menu(t: Turn, what: str, *, in_dialog: bool) -> None:
    if what == "help":
        t.say(tc.HELP, keyboard=None if in_dialog else _menu(t))
    elif in_dialog:
        t.say(tc.MENU_IN_DIALOG)
    elif t.citizen is None:
        t.say(tc.CONSENT_FIRST)
    elif what == "report":
        from workflows.conversation.report import begin

        await begin(t)
    else:
        await mine(t)


async def idle(t: Turn) -> None:
    """Whatever a citizen writes outside a dialog: a hint, never silence."""
    if t.citizen is None:
        t.say(tc.HELLO_STRANGER)
    else:
        t.say(tc.IDLE_HINT, keyboard=Keyboard.menu)


async def pressed_anywhere(t: Turn, ev: Pressed) -> None:
    handler = CHOICES.get(ev.choice.act)
    if handler is None:
        staff_only = ev.choice.act in STAFF_CHOICES
        t.refuse(ts.STAFF_BUTTON_ONLY if staff_only else tc.STALE_BUTTON, keyboard=_menu(t))
        return
    if t.citizen is None and ev.choice.act != "consent":
        t.refuse(tc.CONSENT_FIRST)
        return
    await handler(t, ev.choice)


async def consent(t: Turn, _: Choice) -> None:
    if t.citizen is None:
        t.citizen = await check_give_consent(
            t.session,
            channel=t.chat.channel,
            external_id=t.chat.user_id,
            text_version=tc.CONSENT_VERSION,
            text=tc.CONSENT_TEXT,
            municipality_id=t.chat.municipality_id,
            now=t.rt.clock.now(),
        )
    # The consent button stays on the greeting: pressing it again is harmless, and editing it
    # away would cost the chat a second message in Telegram's one-a-second budget.
    t.say(tc.CONSENT_GIVEN, keyboard=Keyboard.menu)


async def cancel(t: Turn, _: Choice) -> None:
    t.end()
    t.say(tc.CANCELLED, keyboard=Keyboard.menu)


async def mine(t: Turn) -> None:
    assert t.citizen is not None
    items = await get_citizen_items(t.session, citizen_id=t.citizen.id or 0, limit=10)
    if not items:
        t.say(tc.NO_ITEMS, keyboard=Keyboard.menu)
        return
    tz = await _tz(t, items[0].municipality_id)
    lines = [tc.MY_ITEMS]
    for item in items:
        line = rich(
            tc.MY_ITEM_LINE,
            number=item.number,
            date=local_date(item.registered_at, tz),
            status=STATUS_RU[item.status],
        )
        lines.append("\n")
        lines.extend(line)
    options = [Option(item.number, Choice("open", item.id or 0)) for item in items]
    t.say(tuple(lines), options)


async def open_item(t: Turn, choice: Choice) -> None:
    item = await _own(t, choice.a)
    if item is None:
        t.refuse(tc.NOT_YOURS)
        return
    if t.state == DETAILS:
        t.end()
    tz = await _tz(t, item.municipality_id)
    parts = [*rich("*{n}* — {s}\n", n=item.number, s=STATUS_RU[item.status])]
    parts.append(shorten(item.text, 800) + "\n")
    for e in await get_timeline(t.session, item_id=item.id or 0):
        if e.action in EVENT_RU:
            parts.append(f"\n{local_date(e.at, tz, with_time=True)} — {EVENT_RU[e.action]}")
    if item.answer_text:
        parts.append("\n\nОтвет: " + shorten(item.answer_text, 1500))
    options = [Option(tc.ADD_DETAILS, Choice("det", item.id or 0))] if item.status in OPEN else []
    t.say(tuple(parts), options)


async def details(t: Turn, choice: Choice) -> None:
    item = await _own(t, choice.a)
    if item is None or item.status not in OPEN:
        t.refuse(
            tc.NOT_YOURS if item is None else rich(tc.NO_LONGER, reason=STATUS_RU[item.status])
        )
        return
    t.go(DETAILS, item=item.id)
    t.say(rich(tc.ASK_DETAILS, number=item.number), [Option(tc.CANCEL, Choice("cancel"))])


async def details_step(t: Turn) -> None:
    ev = t.event
    if not isinstance(ev, Text) or not ev.text.strip():
        t.say(tc.DETAILS_TEXT_ONLY, [Option(tc.CANCEL, Choice("cancel"))])
        return
    item = await _own(t, int(t.data.get("item") or 0))
    t.end()
    if item is None:
        t.refuse(tc.NOT_YOURS, keyboard=Keyboard.menu)
        return
    action = Action.clarify if item.status is ItemStatus.clarification else Action.add_details
    error = await _act(t, item, action, ActionInput(text=ev.text))
    t.say(error or tc.DETAILS_SENT, keyboard=Keyboard.menu)


async def feedback(t: Turn, choice: Choice) -> None:
    item = await _own(t, choice.a)
    if item is None:
        t.refuse(tc.NOT_YOURS)
        return
    t.out.append(Unbutton())
    if choice.act == "ok":
        error = await _act(t, item, Action.confirm, ActionInput())
        if error is None:
            stars = [Option("⭐" * n, Choice("rate", item.id or 0, n)) for n in range(1, 6)]
            t.say(tc.RATE_PLEASE, stars, columns=5)
    elif choice.act == "no":
        reason = ActionInput(reason=tc.UNSOLVED_REASON)
        error = await _act(t, item, Action.reopen, reason)
        if error is None:
            t.say(rich(tc.REOPENED, number=item.number))
    else:
        error = await _act(t, item, Action.rate, ActionInput(rating=choice.b))
        if error is None:
            t.say(tc.RATED)
    if error is not None:
        t.refuse(error)


async def _act(t: Turn, item: Item, action: Action, data: ActionInput) -> Rich | None:
    """A citizen's action in this turn's transaction; a refusal comes back as the text."""
    assert t.citizen is not None
    try:
        async with t.session.begin_nested():
            await do_act(
                t.session,
                clock=t.rt.clock,
                item_id=item.id or 0,
                action=action,
                actor=Actor.of_citizen(t.citizen.id or 0, channel=t.chat.channel),
                version=None,
                data=data,
            )
    except DomainError as e:
        return rich(tc.NO_LONGER, reason=sentence(e.reason))
    return None


async def _own(t: Turn, item_id: int) -> Item | None:
    """The item if it is this citizen's; anyone else's is not shown."""
    if t.citizen is None:
        return None
    item = await t.session.get(Item, item_id, populate_existing=True)
    return item if item is not None and item.citizen_id == t.citizen.id else None


async def _municipality(t: Turn) -> Municipality | None:
    if t.chat.municipality_id is None:
        return None
    return await t.session.get(Municipality, t.chat.municipality_id)


async def _tz(t: Turn, municipality_id: int) -> str:
    muni = await t.session.get(Municipality, municipality_id)
    return muni.tz if muni else "Europe/Moscow"


def _menu(t: Turn) -> Keyboard | None:
    return Keyboard.menu if t.citizen is not None else None


async def sent_before(t: Turn, choice: Choice) -> None:
    """«Отправить» pressed again after the draft was sent: its number, not a second item."""
    from workflows.conversation.report import intake_key

    item = (
        await t.session.exec(select(Item).where(col(Item.intake_key) == intake_key(t, choice.a)))
    ).first()
    if item is not None:
        t.say(rich(tc.ALREADY_SENT, number=item.number), keyboard=Keyboard.menu)
    else:
        t.refuse(tc.DRAFT_GONE, keyboard=Keyboard.menu)


CHOICES = {
    "consent": consent,
    "cancel": cancel,
    "open": open_item,
    "det": details,
    "ok": feedback,
    "no": feedback,
    "rate": feedback,
    "send": sent_before,
    "any": sent_before,
    "dsame": sent_before,  # «Да, та же» / «Нет, другая» pressed again after the draft was sent
    "dother": sent_before,
}
STEPS = (Step(DETAILS, details_step, frozenset()),)
