"""«Мои обращения», adding details, and the citizen's answers: clarification, solved, rating."""

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.telegram import callbacks as cb
from bot.telegram import keyboards as kb
from bot.telegram.routers.report import citizen_of
from bot.telegram.texts import MENU_MINE, local, quote, status_ru
from models import Channel, Item, ItemStatus, Municipality
from workflows.actors import Actor
from workflows.errors import DomainError
from workflows.items import get_citizen_items, get_timeline
from workflows.jobs import Runtime
from workflows.lifecycle import ActionInput, check_act
from workflows.transitions import OPEN, Action

EVENT_RU = {
    "register": "зарегистрировано",
    "assign": "передано исполнителю",
    "reassign": "передано другому исполнителю",
    "take": "взято в работу",
    "ask_clarification": "запрошено уточнение",
    "clarify": "вы дали уточнение",
    "add_details": "вы дополнили",
    "answer": "дан ответ",
    "approve_extension": "срок продлён",
    "extend": "срок продлён",
    "redirect": "перенаправлено",
    "reject": "отклонено",
    "merge": "объединено с другим",
    "close": "закрыто",
    "confirm": "вы подтвердили решение",
    "reopen": "открыто повторно",
    "rate": "вы оценили ответ",
}


class Details(StatesGroup):
    text = State()


def build() -> Router:
    router = Router(name="mine")

    @router.message(F.text == MENU_MINE)
    async def mine(message: Message, rt: Runtime) -> None:
        assert message.from_user is not None
        citizen = await citizen_of(rt, message.from_user.id)
        if citizen is None:
            await message.answer("Сначала нужно ваше согласие на обработку данных: /start")
            return
        async with rt.sm() as s:
            items = await get_citizen_items(s, citizen_id=citizen.id or 0, limit=10)
        tz = await tz_of(rt, items[0].municipality_id) if items else "Europe/Moscow"
        if not items:
            await message.answer("У вас пока нет обращений.", reply_markup=kb.menu())
            return
        lines = ["Ваши последние обращения:"]
        buttons = []
        for item in items:
            lines.append(
                f"• <b>{item.number}</b> от {local(item.registered_at, tz)}"
                f" — {status_ru(item.status)}"
            )
            buttons.append(kb.button(item.number, cb.Citizen(act="open", item=item.id or 0)))
        await message.answer("\n".join(lines), reply_markup=kb.rows(buttons, 2))

    @router.callback_query(cb.Citizen.filter(F.act == "open"))
    async def open_item(
        query: CallbackQuery, callback_data: cb.Citizen, rt: Runtime, state: FSMContext
    ) -> None:
        item = await own_item(rt, query.from_user.id, callback_data.item)
        await query.answer()
        if item is None or not isinstance(query.message, Message):
            return
        await state.clear()
        async with rt.sm() as s:
            events = await get_timeline(s, item_id=item.id or 0)
        tz = await tz_of(rt, item.municipality_id)
        lines = [f"<b>{item.number}</b> — {status_ru(item.status)}", quote(item.text, 800), ""]
        for e in events:
            if e.action in EVENT_RU:
                lines.append(f"{local(e.at, tz, with_time=True)} — {EVENT_RU[e.action]}")
        if item.answer_text:
            lines += ["", f"Ответ: {quote(item.answer_text, 1500)}"]
        markup = kb.reply_to(item.id or 0, "➕ Дополнить") if item.status in OPEN else None
        await query.message.answer("\n".join(lines), reply_markup=markup)

    @router.callback_query(cb.Citizen.filter(F.act == "details"))
    async def details(
        query: CallbackQuery, callback_data: cb.Citizen, rt: Runtime, state: FSMContext
    ) -> None:
        item = await own_item(rt, query.from_user.id, callback_data.item)
        await query.answer()
        if item is None or not isinstance(query.message, Message):
            return
        await state.set_state(Details.text)
        await state.update_data(item=item.id)
        await query.message.answer(f"Напишите, что добавить к {item.number} (или /cancel).")

    @router.message(Details.text, F.text)
    async def details_text(message: Message, rt: Runtime, state: FSMContext) -> None:
        assert message.from_user is not None
        data = await state.get_data()
        item = await own_item(rt, message.from_user.id, data.get("item", 0))
        if item is None:
            await state.clear()
            return
        action = Action.clarify if item.status is ItemStatus.clarification else Action.add_details
        reply = await citizen_act(
            rt, message.from_user.id, item, action, ActionInput(text=message.text)
        )
        await state.clear()
        await message.answer(reply or "Спасибо, передали исполнителю.", reply_markup=kb.menu())

    @router.message(Details.text)
    async def details_other(message: Message) -> None:
        await message.answer("Пришлите, пожалуйста, текст (или /cancel).")

    @router.callback_query(cb.Citizen.filter(F.act.in_({"solved", "unsolved", "rate"})))
    async def feedback(query: CallbackQuery, callback_data: cb.Citizen, rt: Runtime) -> None:
        item = await own_item(rt, query.from_user.id, callback_data.item)
        if item is None or not isinstance(query.message, Message):
            await query.answer()
            return
        if callback_data.act == "solved":
            error = await citizen_act(rt, query.from_user.id, item, Action.confirm, ActionInput())
            await query.answer(error or "Спасибо!")
            if error is None:
                await query.message.answer(
                    "Рады, что проблема решена! Оцените, пожалуйста, ответ:",
                    reply_markup=kb.rating(item.id or 0),
                )
        elif callback_data.act == "unsolved":
            error = await citizen_act(
                rt,
                query.from_user.id,
                item,
                Action.reopen,
                ActionInput(reason="гражданин: проблема не решена"),
            )
            await query.answer(error or "Мы вернули обращение в работу")
            if error is None:
                await query.message.answer(
                    f"Обращение {item.number} снова в работе; руководитель центра в курсе."
                )
        else:
            error = await citizen_act(
                rt, query.from_user.id, item, Action.rate, ActionInput(rating=callback_data.arg)
            )
            await query.answer(error or "Спасибо за оценку!")
        await query.message.edit_reply_markup(reply_markup=None)

    return router


async def tz_of(rt: Runtime, municipality_id: int) -> str:
    """The municipality's time zone: dates are told as its residents read them."""
    async with rt.sm() as s:
        muni = await s.get(Municipality, municipality_id)
    return muni.tz if muni else "Europe/Moscow"


async def own_item(rt: Runtime, user_id: int, item_id: int) -> Item | None:
    """The item if it is this citizen's; anyone else's is not shown."""
    citizen = await citizen_of(rt, user_id)
    async with rt.sm() as s:
        item = await s.get(Item, item_id)
    if citizen is None or item is None or item.citizen_id != citizen.id:
        return None
    return item


async def citizen_act(
    rt: Runtime, user_id: int, item: Item, action: Action, data: ActionInput
) -> str | None:
    """Apply a citizen's action; a refusal comes back as the text to show."""
    citizen = await citizen_of(rt, user_id)
    if citizen is None:
        return "Сначала нужно ваше согласие: /start"
    async with rt.sm() as s:
        try:
            await check_act(
                s,
                clock=rt.clock,
                item_id=item.id or 0,
                action=action,
                actor=Actor.of_citizen(citizen.id or 0, channel=Channel.telegram),
                version=None,
                data=data,
            )
        except DomainError as e:
            return "Это уже неактуально: " + e.reason
    return None
