"""Staff in Telegram: joining by invite, /inbox, and every card button (checked on the server)."""

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.telegram import callbacks as cb
from bot.telegram import keyboards as kb
from bot.telegram.cards import CODES, PING, card_keyboard, card_text
from bot.telegram.routers.mine import tz_of
from bot.telegram.texts import local, quote, status_ru
from models import Channel, Staff
from workflows.access import check_redeem_invite
from workflows.actors import Actor
from workflows.errors import DomainError, IllegalTransition, StaleVersion
from workflows.item_access import sees_item
from workflows.items import check_ping, get_items
from workflows.jobs import Runtime
from workflows.lifecycle import ActionInput, check_act
from workflows.staff import do_save_card, get_assignable
from workflows.transitions import Action
from workflows.views import get_item_view

PAGE = 8
PROMPTS = {
    Action.answer: "Напишите ответ гражданину (он увидит его целиком).",
    Action.ask_clarification: "Напишите вопрос гражданину.",
    Action.redirect: "Куда и почему перенаправлено? Гражданин увидит этот текст.",
    Action.reject: "Причина отклонения (гражданин увидит её):",
    Action.deny_extension: "Причина отказа в продлении:",
    Action.extend: "Причина продления (гражданин увидит её):",
    Action.request_extension: "Причина продления (для руководителя и гражданина):",
}
EXTEND_DAYS = (3, 5, 10, 15, 30)


class StaffInput(StatesGroup):
    text = State()


def build() -> Router:
    router = Router(name="staff")

    @router.message(CommandStart(deep_link=True, magic=F.args.len() > 10))
    async def join(message: Message, command: CommandObject, rt: Runtime) -> None:
        assert message.from_user is not None
        try:
            async with rt.sm() as s:
                bound = await check_redeem_invite(
                    s, code=command.args or "", telegram_id=message.from_user.id, now=rt.clock.now()
                )
        except DomainError as e:
            await message.answer(e.reason)
            return
        await message.answer(
            f"Готово: вы подключены как «{quote(bound.name)}». Новые "
            "обращения будут приходить сюда. Список ваших: /inbox"
        )

    @router.message(Command("inbox"))
    async def inbox(message: Message, rt: Runtime, actor: Actor | None) -> None:
        if actor is None:
            await message.answer("Эта команда для сотрудников.")
            return
        await send_inbox(message, rt, actor, 0)

    @router.callback_query(cb.Page.filter(F.what == "inbox"))
    async def inbox_page(
        query: CallbackQuery, callback_data: cb.Page, rt: Runtime, actor: Actor | None
    ) -> None:
        await query.answer()
        if actor is not None and isinstance(query.message, Message):
            await send_inbox(query.message, rt, actor, callback_data.n)

    @router.callback_query(cb.ItemAct.filter())
    async def press(
        query: CallbackQuery,
        callback_data: cb.ItemAct,
        rt: Runtime,
        actor: Actor | None,
        staff: Staff | None,
        state: FSMContext,
    ) -> None:
        if actor is None or staff is None:
            await query.answer("Эта кнопка для сотрудников.", show_alert=True)
            return
        item_id, version, code = callback_data.item, callback_data.v, callback_data.act
        if code == "op":
            await query.answer()
            await send_card(query, rt, actor, staff, item_id)
            return
        if code == PING:
            await run(query, rt, actor, staff, item_id, ping=True)
            return
        action = CODES.get(code)
        if action is None:
            await query.answer("Неизвестная кнопка.", show_alert=True)
            return
        if action not in (Action.take, Action.close, Action.approve_extension):
            refusal = await precheck(rt, actor, item_id, version, action)
            if refusal is not None:  # before asking for input: the press itself is refused
                await query.answer(refusal[:190], show_alert=True)
                return
        if action in (Action.reassign, Action.assign):
            await query.answer()
            await offer_people(query, rt, item_id, version)
        elif action in (Action.extend, Action.request_extension):
            await query.answer()
            await offer_days(query, item_id, version)
        elif action in PROMPTS:
            await query.answer()
            await state.set_state(StaffInput.text)
            await state.update_data(item=item_id, v=version, act=action.value)
            if isinstance(query.message, Message):
                await query.message.answer(PROMPTS[action] + " /cancel — отменить.")
        else:
            await run(query, rt, actor, staff, item_id, action=action, version=version)

    @router.callback_query(cb.PickStaff.filter())
    async def picked(
        query: CallbackQuery,
        callback_data: cb.PickStaff,
        rt: Runtime,
        actor: Actor | None,
        staff: Staff | None,
    ) -> None:
        if actor is None or staff is None:
            await query.answer("Эта кнопка для сотрудников.", show_alert=True)
            return
        async with rt.sm() as s:
            view = await get_item_view(s, item_id=callback_data.item)
        action = Action.assign if view.item.status.value == "new" else Action.reassign
        error = await apply(
            rt,
            actor,
            callback_data.item,
            action,
            callback_data.v,
            ActionInput(assignee_id=callback_data.staff),
        )
        await query.answer(error[:190] if error else "Передано", show_alert=error is not None)
        if isinstance(query.message, Message):  # the picker shows the outcome; cards refresh
            await query.message.edit_text(error or f"{view.item.number}: передано.")

    @router.callback_query(cb.PickDays.filter())
    async def days(
        query: CallbackQuery,
        callback_data: cb.PickDays,
        rt: Runtime,
        actor: Actor | None,
        state: FSMContext,
    ) -> None:
        if actor is None:
            await query.answer("Эта кнопка для сотрудников.", show_alert=True)
            return
        async with rt.sm() as s:
            view = await get_item_view(s, item_id=callback_data.item)
        allowed = view.allowed(actor)
        policy = view.ctx.policy_of(view.item)
        direct = Action.extend in allowed and not (
            policy and policy.extension_needs_head and actor.role and actor.role.value != "head"
        )
        await query.answer()
        await state.set_state(StaffInput.text)
        action = Action.extend if direct else Action.request_extension
        await state.update_data(
            item=callback_data.item, v=callback_data.v, act=action.value, days=callback_data.days
        )
        if isinstance(query.message, Message):
            await query.message.answer(PROMPTS[action] + " /cancel — отменить.")

    @router.message(StaffInput.text, F.text)
    async def typed(
        message: Message, rt: Runtime, actor: Actor | None, staff: Staff | None, state: FSMContext
    ) -> None:
        data = await state.get_data()
        await state.clear()
        if actor is None or staff is None:
            return
        action = Action(data["act"])
        text = message.text or ""
        payload = ActionInput(text=text, days=data.get("days"))
        if action not in (Action.answer, Action.ask_clarification):
            payload = ActionInput(reason=text, days=data.get("days"))
        error = await apply(rt, actor, data["item"], action, data["v"], payload)
        await message.answer(error or "Готово, карточка обновится.")

    @router.message(StaffInput.text, F.photo)
    async def answered_with_photo(
        message: Message, rt: Runtime, actor: Actor | None, state: FSMContext
    ) -> None:
        """An answer may be a photo of the work done, its caption being the text."""
        data = await state.get_data()
        if actor is None or data.get("act") != Action.answer.value or not message.photo:
            await message.answer("Фото можно приложить только к ответу. Нужен текст.")
            return
        if not (message.caption or "").strip():
            await message.answer("Добавьте к фото подпись — это и будет ответ гражданину.")
            return
        await state.clear()
        photo = ("photo", message.photo[-1].file_id)
        error = await apply(
            rt,
            actor,
            data["item"],
            Action.answer,
            data["v"],
            ActionInput(text=message.caption, files=(photo,)),
        )
        await message.answer(error or "Готово, ответ с фото отправлен.")

    @router.message(StaffInput.text)
    async def typed_other(message: Message) -> None:
        await message.answer("Нужен текст. /cancel — отменить.")

    return router


async def precheck(
    rt: Runtime, actor: Actor, item_id: int, version: int, action: Action
) -> str | None:
    """Why a press cannot lead anywhere (moved on, or not theirs), before asking for input."""
    async with rt.sm() as s:
        try:
            view = await get_item_view(s, item_id=item_id)
        except DomainError as e:
            return e.reason
    if not actor.sees_municipality(view.item.municipality_id):
        return "Обращение не найдено."
    if view.item.version != version:
        return f"Обращение {view.item.number} уже изменилось, ничего не сделано."
    if action not in view.allowed(actor):
        return f"У вас нет права на это действие по обращению {view.item.number}."
    return None


async def apply(
    rt: Runtime, actor: Actor, item_id: int, action: Action, version: int, data: ActionInput
) -> str | None:
    """One action; a refusal comes back as the reason to show."""
    async with rt.sm() as s:
        try:
            await check_act(
                s,
                clock=rt.clock,
                item_id=item_id,
                action=action,
                actor=actor,
                version=version,
                data=data,
            )
        except (StaleVersion, IllegalTransition) as e:
            return "Обращение уже изменилось, ничего не сделано. " + e.reason
        except DomainError as e:
            return e.reason
    return None


async def run(
    query: CallbackQuery,
    rt: Runtime,
    actor: Actor,
    staff: Staff,
    item_id: int,
    *,
    action: Action | None = None,
    version: int = 0,
    data: ActionInput | None = None,
    ping: bool = False,
) -> None:
    """Apply a button's action, answer the press, and redraw the card in place."""
    if ping:
        try:
            async with rt.sm() as s:
                await check_ping(s, clock=rt.clock, item_id=item_id, actor=actor)
            error = None
        except DomainError as e:
            error = e.reason
    else:
        assert action is not None
        error = await apply(rt, actor, item_id, action, version, data or ActionInput())
    await query.answer(error[:190] if error else "Готово", show_alert=error is not None)
    if isinstance(query.message, Message):
        await redraw(query.message, rt, actor, item_id)


async def redraw(message: Message, rt: Runtime, actor: Actor, item_id: int) -> None:
    """Show the item as it is now on the message that was pressed (not modified: fine)."""
    from aiogram.exceptions import TelegramBadRequest

    async with rt.sm() as s:
        view = await get_item_view(s, item_id=item_id)
    try:
        if message.photo:
            await message.edit_caption(
                caption=card_text(view, rt.clock.now(), short=True),
                reply_markup=card_keyboard(view, actor),
            )
        else:
            await message.edit_text(
                card_text(view, rt.clock.now()), reply_markup=card_keyboard(view, actor)
            )
    except TelegramBadRequest as e:
        if "not modified" not in str(e):
            raise


async def send_card(
    target: Message | CallbackQuery, rt: Runtime, actor: Actor, staff: Staff, item_id: int
) -> None:
    """A fresh card of the item for this staff member (remembered for later updates)."""
    message = target if isinstance(target, Message) else target.message
    if not isinstance(message, Message):
        return
    async with rt.sm() as s:
        try:
            view = await get_item_view(s, item_id=item_id)
        except DomainError as e:
            await message.answer(e.reason)
            return
    if not sees_item(actor, view.item):  # a lead reads their sector, a recipient their items
        await message.answer("Обращение не найдено.")
        return
    sent = await message.answer(
        card_text(view, rt.clock.now()), reply_markup=card_keyboard(view, actor)
    )
    async with rt.sm() as s:
        await do_save_card(
            s,
            item_id=item_id,
            staff_id=staff.id or 0,
            channel=Channel.telegram,
            chat_id=str(sent.chat.id),
            message_id=sent.message_id,
            has_photo=False,
            now=rt.clock.now(),
        )


async def offer_people(query: CallbackQuery, rt: Runtime, item_id: int, version: int) -> None:
    async with rt.sm() as s:
        view = await get_item_view(s, item_id=item_id)
        people = await get_assignable(s, municipality_id=view.item.municipality_id)
    buttons = [
        kb.button(p.name[:40], cb.PickStaff(item=item_id, v=version, staff=p.id or 0))
        for p in people
        if p.id != view.item.assignee_id
    ]
    if isinstance(query.message, Message):
        await query.message.answer(
            f"Кому передать {view.item.number}?", reply_markup=kb.rows(buttons, 1)
        )


async def offer_days(query: CallbackQuery, item_id: int, version: int) -> None:
    buttons = [
        kb.button(f"+{d} дн.", cb.PickDays(item=item_id, v=version, days=d)) for d in EXTEND_DAYS
    ]
    if isinstance(query.message, Message):
        await query.message.answer("На сколько продлить срок?", reply_markup=kb.rows(buttons, 5))


async def send_inbox(message: Message, rt: Runtime, actor: Actor, page: int) -> None:
    """Open items in the staff member's scope, overdue first, nearest deadline next."""
    async with rt.sm() as s:
        items, total = await get_items(
            s, actor=actor, open_only=True, limit=PAGE, offset=page * PAGE
        )
    if total == 0:
        await message.answer("Открытых обращений нет. 👍")
        return
    tz = await tz_of(rt, items[0].municipality_id)
    now = rt.clock.now()
    lines = [f"Открытые обращения: {total}"]
    buttons = []
    for item in items:
        flag = "⚠️ " if item.due_at and item.due_at < now else ""
        due = local(item.due_at, tz) if item.due_at else "без срока"
        lines.append(
            f"{flag}<b>{item.number}</b> · {status_ru(item.status)} · до {due}\n"
            f"   {quote(item.text, 80)}"
        )
        buttons.append(
            kb.button(item.number, cb.ItemAct(item=item.id or 0, v=item.version, act="op"))
        )
    nav = []
    if page > 0:
        nav.append(kb.button("⬅️", cb.Page(what="inbox", n=page - 1)))
    if (page + 1) * PAGE < total:
        nav.append(kb.button("➡️", cb.Page(what="inbox", n=page + 1)))
    markup = kb.rows(buttons, 2)
    if nav:
        markup.inline_keyboard.append(nav)
    await message.answer("\n".join(lines), reply_markup=markup)
