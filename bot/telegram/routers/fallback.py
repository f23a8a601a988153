"""Whatever no other handler took: a hint, never silence."""

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.telegram import keyboards as kb
from bot.telegram.routers.report import citizen_of
from models import Role, Staff
from workflows.jobs import Runtime


def build() -> Router:
    router = Router(name="fallback")

    @router.message()
    async def anything(message: Message, rt: Runtime, staff: Staff | None) -> None:
        if staff is not None:
            hint = "Ваши обращения: /inbox. Кнопки на карточках — действия."
            if staff.role in (Role.head, Role.curator, Role.admin):
                hint += "\nСводка за неделю: /stats"
            await message.answer(hint)
            return
        if message.from_user is None or await citizen_of(rt, message.from_user.id) is None:
            await message.answer("Здравствуйте! Чтобы сообщить о проблеме, нажмите /start.")
            return
        await message.answer(
            "Чтобы сообщить о проблеме, нажмите «Сообщить о проблеме» в меню.",
            reply_markup=kb.menu(),
        )

    @router.callback_query()
    async def stale_button(query: CallbackQuery) -> None:
        await query.answer("Эта кнопка уже неактуальна.", show_alert=True)

    return router
