"""Citizen basics: /start with consent, the menu, help, and erasing one's data."""

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.telegram import callbacks as cb
from bot.telegram import keyboards as kb
from bot.telegram.context import default_municipality
from bot.telegram.texts import MENU_HELP, greeting
from models import Channel, Staff
from workflows.citizens import CONSENT_VERSION, check_erase_citizen, check_give_consent
from workflows.jobs import Runtime

HELP = (
    "Что умеет бот:\n"
    "• «Сообщить о проблеме» — опишите проблему, приложите фото и укажите место. "
    "Вы получите номер и дату, к которой ждать ответа.\n"
    "• «Мои обращения» — статус и история ваших сообщений, можно дополнить.\n"
    "• /cancel — прервать текущий шаг, /delete_me — удалить ваши данные.\n\n"
    "Бот принимает сообщения о проблемах. Официальное обращение по 59-ФЗ подаётся "
    "через Госуслуги."
)


def build() -> Router:
    router = Router(name="citizen")

    @router.message(CommandStart())
    async def start(message: Message, rt: Runtime, state: FSMContext, staff: Staff | None) -> None:
        await state.clear()
        if staff is not None:
            await message.answer(
                f"Вы подключены как сотрудник: {staff.name}.\nВаши обращения: /inbox"
            )
            return
        muni = await default_municipality(rt)
        if muni is None:
            await message.answer("Бот ещё не настроен. Попробуйте позже.")
            return
        await message.answer(greeting(muni.name), reply_markup=kb.consent())

    @router.callback_query(cb.Citizen.filter(F.act == "consent"))
    async def consent(query: CallbackQuery, rt: Runtime) -> None:
        async with rt.sm() as s:
            await check_give_consent(
                s,
                channel=Channel.telegram,
                external_id=str(query.from_user.id),
                text_version=CONSENT_VERSION,
                now=rt.clock.now(),
            )
        await query.answer("Спасибо!")
        if isinstance(query.message, Message):
            await query.message.answer(
                "Согласие получено. Выберите действие в меню ниже.", reply_markup=kb.menu()
            )

    @router.message(Command("help"))
    @router.message(F.text == MENU_HELP)
    async def help_(message: Message) -> None:
        await message.answer(HELP, reply_markup=kb.menu())

    @router.message(Command("cancel"))
    async def cancel(message: Message, state: FSMContext) -> None:
        await state.clear()
        await message.answer("Хорошо, отменено.", reply_markup=kb.menu())

    @router.message(Command("delete_me"))
    async def delete_me(message: Message, rt: Runtime, state: FSMContext) -> None:
        await state.clear()
        assert message.from_user is not None
        async with rt.sm() as s:
            erased = await check_erase_citizen(
                s,
                channel=Channel.telegram,
                external_id=str(message.from_user.id),
                now=rt.clock.now(),
            )
        await message.answer(
            "Ваши персональные данные удалены, согласие отозвано. Начать заново: /start"
            if erased
            else "У нас нет ваших данных."
        )

    return router
