"""Staff in a chat: joining by invite, /inbox, the card's options and the prompts they open
(answer, question, reason, person, days, body). At a prompt, /cancel and its button cancel, and any
other command is refused: it is never sent to a citizen as the answer."""

from models import ItemKind, Municipality, Role
from workflows.conversation.acting import actor_of, apply_in_turn, item_number
from workflows.conversation.cards import CODES, MERGE, OPEN, PING
from workflows.conversation.engine import Step, Turn
from workflows.conversation.forward_picker import PICKED, offer_bodies
from workflows.conversation.parts import (
    Card,
    Choice,
    Command,
    Edit,
    File,
    Option,
    Pressed,
    Text,
    rich,
)
from workflows.conversation.route_picks import SUGGESTED, picked_sector
from workflows.conversation.staff_stats import STATS_CHOICES, stats
from workflows.conversation.wall_replies import WALL_CHOICES
from workflows.core.errors import DomainError
from workflows.items.access import access_item
from workflows.items.effects import ActionInput
from workflows.items.ping import check_ping
from workflows.items.queries import get_items
from workflows.items.transitions import STATUS_RU, Action
from workflows.items.views import ItemView, get_item_view
from workflows.privacy.mask import mask
from workflows.staff.invites import check_redeem_invite
from workflows.staff.lookups import get_assignable
from workflows.texts import staff as ts
from workflows.texts.words import local_date, sentence, shorten

PROMPT = "staff.text"
PAGE = 8
EXTEND_DAYS = (3, 5, 10, 15, 30)
DIRECT = (Action.take, Action.close, Action.approve_extension, Action.sign_answer)
TEXTS = (Action.answer, Action.draft_answer, Action.ask_clarification)  # the rest give reasons
CANCEL = Option(ts.CANCEL, Choice("pc"))


async def join(t: Turn, code: str) -> None:
    bound = await check_redeem_invite(
        t.session, code=code, telegram_id=int(t.chat.user_id), now=t.rt.clock.now()
    )
    t.end()
    t.say(rich(ts.JOINED, name=bound.name))


async def route(t: Turn, step: Step | None) -> None:
    ev = t.event
    if step is not None and step.who != "staff":
        t.end()  # a citizen's draft left from before this account became staff
        step = None
    if isinstance(ev, Command):
        await command(t, ev, at_prompt=step is not None)
    elif isinstance(ev, Pressed):
        handler = CHOICES.get(ev.choice.act)
        if handler is None:
            t.say(ts.UNKNOWN_BUTTON)
        else:
            await handler(t, ev.choice)
    elif step is not None:
        await step.handle(t)
    else:
        hint = ts.STAFF_HINT
        if t.staff is not None and t.staff.role in (
            Role.head,
            Role.glava,
            Role.curator,
            Role.admin,
        ):
            hint += ts.STAFF_HINT_STATS
        t.say(hint)


async def command(t: Turn, ev: Command, *, at_prompt: bool) -> None:
    if ev.name == "cancel":
        await cancel_prompt(t, Choice("pc"))
    elif at_prompt:
        number = await item_number(t, int(t.data.get("item") or 0))
        t.say(rich(ts.COMMAND_AT_PROMPT, name=ev.name[:32], number=number), [CANCEL])
    elif ev.name == "inbox":
        await inbox(t, Choice("ip", 0))
    elif ev.name == "stats":
        await stats(t, ev.args)
    else:
        assert t.staff is not None
        t.say(rich(ts.ALREADY_STAFF, name=t.staff.name))


async def cancel_prompt(t: Turn, _: Choice) -> None:
    if t.state != PROMPT:
        t.say(ts.STAFF_HINT)
        return
    number = await item_number(t, int(t.data.get("item") or 0))
    t.end()
    t.say(rich(ts.PROMPT_CANCELLED, number=number))


async def inbox(t: Turn, choice: Choice) -> None:
    """Open items in the staff member's scope, overdue first, nearest deadline next."""
    page = max(choice.a, 0)
    items, total = await get_items(
        t.session, actor=actor_of(t), open_only=True, limit=PAGE, offset=page * PAGE
    )
    if total == 0:
        t.say(ts.INBOX_EMPTY)
        return
    now = t.rt.clock.now()
    muni = await t.session.get(Municipality, items[0].municipality_id)
    tz = muni.tz if muni else "Europe/Moscow"
    parts = list(rich(ts.INBOX_TITLE, total=total))
    for item in items:
        parts.append("\n")
        parts += rich(
            ts.INBOX_LINE,
            flag="⚠️ " if item.due_at and item.due_at < now else "",
            number=item.number,
            status=STATUS_RU[item.status],
            due=local_date(item.due_at, tz) if item.due_at else ts.NO_DEADLINE,
            text=shorten(mask(item.text), 80),  # masked whole, then cut: no half a phone
        )
    options = [Option(i.number, Choice(OPEN, i.id or 0, i.version)) for i in items]
    if page > 0:
        options.append(Option("⬅️", Choice("ip", page - 1)))
    if (page + 1) * PAGE < total:
        options.append(Option("➡️", Choice("ip", page + 1)))
    t.say(tuple(parts), options)


async def open_card(t: Turn, choice: Choice) -> None:
    await access_item(t.session, item_id=choice.a, actor=actor_of(t))
    t.out.append(Card(choice.a))


async def press(t: Turn, choice: Choice) -> None:
    """A card's action: done at once, or a picker or a prompt for what it needs."""
    action = CODES[choice.act]
    item_id, version = choice.a, choice.b
    refusal, view = await _precheck(t, item_id, version, action)
    if view is None:
        t.say(refusal or ts.NOT_FOUND)
        t.out.append(Card(item_id, redraw=True))
        return
    if action in DIRECT:
        await apply_in_turn(t, item_id, action, version, ActionInput(), redraw=True)
    elif action in (Action.reassign, Action.assign):
        await _offer_people(t, view, version)
    elif action is Action.forward:
        await offer_bodies(t, view, version, CANCEL)
    elif action in (Action.extend, Action.request_extension):
        options = [
            Option(ts.DAYS.format(days=d), Choice("pd", item_id, version, d)) for d in EXTEND_DAYS
        ]
        t.say(rich(ts.PICK_DAYS, number=view.item.number), [*options, CANCEL], columns=5)
    else:
        await _prompt(t, view.item.number, item_id, version, action, kind=view.item.kind)


async def _prompt(
    t: Turn,
    number: str,
    item_id: int,
    version: int,
    action: Action,
    days: int = 0,
    kind: ItemKind | None = None,
    body: int = 0,
) -> None:
    t.go(PROMPT, item=item_id, v=version, act=action.value, days=days or None, body=body or None)
    # An incident has no citizen to write to: its answer is for the residents, under the post.
    text = ts.INCIDENT_ANSWER if kind is ItemKind.incident and action is Action.answer else None
    t.say(
        ts.PROMPT_FOR.format(number=number) + (text or ts.PROMPTS[action]) + ts.PROMPT_TAIL,
        [CANCEL],
    )


async def _precheck(
    t: Turn, item_id: int, version: int, action: Action
) -> tuple[str | None, ItemView | None]:
    """The item's view when the press can lead somewhere; otherwise why not (moved on, or not
    theirs), said before any input is asked for."""
    actor = actor_of(t)
    try:
        item = await access_item(t.session, item_id=item_id, actor=actor)
    except DomainError:
        return ts.NOT_FOUND, None
    view = await get_item_view(t.session, item_id=item.id or 0)
    if view.item.version != version:
        return ts.MOVED_ON.format(number=view.item.number), None
    if action not in view.allowed(actor):
        return ts.NOT_ALLOWED.format(number=view.item.number), None
    return None, view


async def _offer_people(t: Turn, view: ItemView, version: int) -> None:
    item_id = view.item.id or 0
    people = await get_assignable(t.session, municipality_id=view.item.municipality_id)
    options = [
        Option(shorten(p.name, 40), Choice("pp", item_id, version, p.id or 0))
        for p in people
        if p.id != view.item.assignee_id
    ]
    if not options:
        t.say(rich(ts.NOBODY_TO_PICK, number=view.item.number))
        return
    t.say(rich(ts.PICK_PERSON, number=view.item.number), [*options, CANCEL], columns=1)


async def picked_person(t: Turn, choice: Choice) -> None:
    view = await get_item_view(t.session, item_id=choice.a)
    action = Action.assign if view.item.status.value == "new" else Action.reassign
    error = await apply_in_turn(t, choice.a, action, choice.b, ActionInput(assignee_id=choice.c))
    t.out.append(Edit((error or ts.HANDED.format(number=view.item.number),)))


async def picked_days(t: Turn, choice: Choice) -> None:
    view = await get_item_view(t.session, item_id=choice.a)
    actor = actor_of(t)
    policy = view.ctx.policy_of(view.item)
    direct = Action.extend in view.allowed(actor) and not (
        policy and policy.extension_needs_head and actor.role is not Role.head
    )
    action = Action.extend if direct else Action.request_extension
    await _prompt(t, view.item.number, choice.a, choice.b, action, days=choice.c)


async def picked_body(t: Turn, choice: Choice) -> None:
    view = await get_item_view(t.session, item_id=choice.a)
    await _prompt(t, view.item.number, choice.a, choice.b, Action.forward, body=choice.c)


async def typed(t: Turn) -> None:
    """The text a prompt asked for (or, for an answer, a photo with its caption)."""
    ev, data = t.event, t.data
    action = Action(data["act"])
    files: tuple[tuple[str, str], ...] = ()
    if isinstance(ev, File) and ev.kind == "photo":
        if action is not Action.answer:
            no_photo = ts.PHOTO_NOT_IN_LETTER if action is Action.draft_answer else None
            t.say(no_photo or ts.PHOTO_ONLY_ANSWER, [CANCEL])
            return
        if not ev.caption.strip():
            t.say(ts.PHOTO_NEEDS_CAPTION, [CANCEL])
            return
        text, files = ev.caption, ((ev.kind, ev.file_id),)
    elif isinstance(ev, Text) and ev.text.strip():
        text = ev.text
    else:
        t.say(ts.NEED_TEXT, [CANCEL])
        return
    days = data.get("days")
    payload = (
        ActionInput(text=text, days=days, files=files)
        if action in TEXTS
        else ActionInput(reason=text, days=days, body_id=data.get("body"))
    )
    item_id, version = int(data["item"]), int(data["v"])
    t.end()
    error = await apply_in_turn(t, item_id, action, version, payload)
    if error is None:
        t.say(ts.DONE_PHOTO if files else ts.DONE)


async def merge(t: Turn, choice: Choice) -> None:
    """«Объединить с …»: merge into the suggested duplicate, at the card's version."""
    refusal, view = await _precheck(t, choice.a, choice.b, Action.merge)
    if view is None:
        t.say(refusal or ts.NOT_FOUND)
    else:
        data = ActionInput(target_item_id=choice.c, reason=ts.MERGE_REASON)
        error = await apply_in_turn(t, choice.a, Action.merge, choice.b, data)
        if error is None:
            into = await item_number(t, choice.c)
            t.say(ts.MERGED_INTO.format(number=view.item.number, into=into))
    t.out.append(Card(choice.a, redraw=True))


async def ping(t: Turn, choice: Choice) -> None:
    try:
        await check_ping(t.session, clock=t.rt.clock, item_id=choice.a, actor=actor_of(t))
    except DomainError as e:
        t.say(sentence(e.reason))
    t.out.append(Card(choice.a, redraw=True))


CHOICES = {
    **{code: press for code in CODES},
    OPEN: open_card,
    PING: ping,
    MERGE: merge,
    "pp": picked_person,
    "pd": picked_days,
    PICKED: picked_body,
    SUGGESTED: picked_sector,
    "pc": cancel_prompt,
    "ip": inbox,
    **STATS_CHOICES,
    **WALL_CHOICES,
}
STEPS = (Step(PROMPT, typed, frozenset(), who="staff"),)
