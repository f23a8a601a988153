"""«Сообщить о проблеме»: sector → description with photos → place → summary → number."""

from datetime import timedelta
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.telegram import callbacks as cb
from bot.telegram import keyboards as kb
from bot.telegram.context import default_municipality
from bot.telegram.texts import MENU_REPORT, local, quote
from models import Channel, Citizen, ItemKind
from models.item import MAX_TEXT
from workflows.actors import Actor
from workflows.citizens import (
    do_add_attachments,
    get_citizen_by_identity,
    get_reports_since,
    get_similar_open_item,
)
from workflows.context import load_context
from workflows.items import NewItem, check_register_item
from workflows.jobs import Runtime

DESCRIBE = (
    "Опишите проблему: что случилось и с какого времени. Можно приложить фото "
    "(до {n}) или голосовое сообщение. Когда закончите, нажмите «Готово»."
)


class Report(StatesGroup):
    sector = State()
    describe = State()
    place = State()
    confirm = State()


async def citizen_of(rt: Runtime, user_id: int) -> Citizen | None:
    async with rt.sm() as s:
        return await get_citizen_by_identity(s, channel=Channel.telegram, external_id=str(user_id))


def summary(data: dict[str, Any], names: dict[str, str]) -> str:
    photos = sum(1 for kind, _ in data.get("files", []) if kind == "photo")
    voices = sum(1 for kind, _ in data.get("files", []) if kind == "voice")
    place = (
        data.get("place_text")
        or names.get("locality")
        or ("геопозиция" if data.get("lat") is not None else "не указано")
    )
    lines = [
        "<b>Проверьте, всё ли верно:</b>",
        f"Тема: {quote(names.get('sector') or 'не знаю')}",
        f"Место: {quote(place, 300)}",
        "",
        quote(data.get("text", ""), 1500),
    ]
    if photos or voices:
        lines.append(f"\nВложения: фото — {photos}, голосовых — {voices}")
    return "\n".join(lines)


def build() -> Router:
    router = Router(name="report")

    @router.message(F.text == MENU_REPORT)
    async def begin(message: Message, rt: Runtime, state: FSMContext) -> None:
        assert message.from_user is not None
        if await citizen_of(rt, message.from_user.id) is None:
            await message.answer("Сначала нужно ваше согласие на обработку данных: /start")
            return
        muni = await default_municipality(rt)
        if muni is None:
            await message.answer("Бот ещё не настроен. Попробуйте позже.")
            return
        async with rt.sm() as s:
            ctx = await load_context(s, municipality_id=muni.id or 0)
        await state.clear()
        await state.set_state(Report.sector)
        await state.update_data(municipality_id=muni.id, files=[], text="")
        await message.answer(
            "О чём ваше сообщение? Выберите тему:",
            reply_markup=kb.sectors(sorted(ctx.directory.sectors.items())),
        )

    @router.callback_query(Report.sector, cb.Sector.filter())
    async def sector(
        query: CallbackQuery, callback_data: cb.Sector, rt: Runtime, state: FSMContext
    ) -> None:
        await state.update_data(sector_id=callback_data.id or None)
        await state.set_state(Report.describe)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                DESCRIBE.format(n=rt.settings.max_photos), reply_markup=kb.describe_done()
            )

    @router.message(Report.describe, F.text)
    async def describe_text(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        text = (data.get("text", "") + "\n" + (message.text or "")).strip()
        if len(text) > MAX_TEXT:
            await message.answer(
                f"Слишком длинное описание: можно до {MAX_TEXT} символов. "
                "Сократите, пожалуйста, последнее сообщение."
            )
            return
        await state.update_data(text=text)
        await message.answer(
            "Записал. Добавьте ещё текст или фото, либо нажмите «Готово».",
            reply_markup=kb.describe_done(),
        )

    @router.message(Report.describe, F.photo | F.voice)
    async def describe_media(message: Message, rt: Runtime, state: FSMContext) -> None:
        data = await state.get_data()
        files: list[list[str]] = data.get("files", [])
        if message.photo:
            if sum(1 for k, _ in files if k == "photo") >= rt.settings.max_photos:
                await message.answer(f"Можно приложить не больше {rt.settings.max_photos} фото.")
                return
            files.append(["photo", message.photo[-1].file_id])
        elif message.voice:
            files.append(["voice", message.voice.file_id])
        caption = (message.caption or "").strip()
        text = (data.get("text", "") + "\n" + caption).strip() if caption else data.get("text", "")
        await state.update_data(files=files, text=text[:MAX_TEXT])
        await message.answer("Вложение сохранено.", reply_markup=kb.describe_done())

    @router.message(Report.describe)
    async def describe_other(message: Message) -> None:
        await message.answer(
            "Такое вложение я не принимаю. Пришлите текст, фото или голосовое сообщение.",
            reply_markup=kb.describe_done(),
        )

    @router.callback_query(Report.describe, cb.Citizen.filter(F.act == "desc_done"))
    async def describe_done(query: CallbackQuery, rt: Runtime, state: FSMContext) -> None:
        data = await state.get_data()
        await query.answer()
        if not isinstance(query.message, Message):
            return
        if not data.get("text"):
            await query.message.answer("Напишите хотя бы пару слов о проблеме.")
            return
        await ask_place(query.message, rt, state)

    async def ask_place(message: Message, rt: Runtime, state: FSMContext) -> None:
        data = await state.get_data()
        async with rt.sm() as s:
            ctx = await load_context(s, municipality_id=data["municipality_id"])
        await state.set_state(Report.place)
        await message.answer(
            "Где это? Выберите населённый пункт, отправьте геопозицию или напишите адрес.",
            reply_markup=kb.localities(
                sorted(ctx.directory.localities.items(), key=lambda x: x[1])
            ),
        )
        await message.answer(
            "Геопозицию можно отправить кнопкой ниже.", reply_markup=kb.location_request()
        )

    @router.callback_query(Report.place, cb.Locality.filter())
    async def place_locality(
        query: CallbackQuery, callback_data: cb.Locality, rt: Runtime, state: FSMContext
    ) -> None:
        await state.update_data(locality_id=callback_data.id)
        await query.answer()
        if isinstance(query.message, Message):
            await show_summary(query.message, rt, state)

    @router.message(Report.place, F.location)
    async def place_location(message: Message, rt: Runtime, state: FSMContext) -> None:
        assert message.location is not None
        await state.update_data(lat=message.location.latitude, lon=message.location.longitude)
        await show_summary(message, rt, state)

    @router.message(Report.place, F.text == "Отменить")
    async def place_cancel(message: Message, state: FSMContext) -> None:
        await state.clear()
        await message.answer("Хорошо, сообщение не отправлено.", reply_markup=kb.menu())

    @router.message(Report.place, F.text)
    async def place_text(message: Message, rt: Runtime, state: FSMContext) -> None:
        text = (message.text or "").strip()
        if len(text) > 500:
            await message.answer("Адрес слишком длинный: напишите короче (до 500 символов).")
            return
        await state.update_data(place_text=text)
        await show_summary(message, rt, state)

    @router.message(Report.place)
    async def place_other(message: Message) -> None:
        await message.answer(
            "Выберите населённый пункт кнопкой, отправьте геопозицию или напишите адрес текстом."
        )

    async def show_summary(message: Message, rt: Runtime, state: FSMContext) -> None:
        data = await state.get_data()
        async with rt.sm() as s:
            ctx = await load_context(s, municipality_id=data["municipality_id"])
        names = {
            "sector": ctx.directory.sectors.get(data.get("sector_id") or -1, ""),
            "locality": ctx.directory.localities.get(data.get("locality_id") or -1, ""),
        }
        await state.set_state(Report.confirm)
        await message.answer("Почти готово.", reply_markup=ReplyKeyboardRemove())
        await message.answer(summary(data, names), reply_markup=kb.confirm())

    @router.callback_query(Report.confirm, cb.Citizen.filter(F.act == "edit_text"))
    async def edit_text(query: CallbackQuery, rt: Runtime, state: FSMContext) -> None:
        await state.update_data(text="")
        await state.set_state(Report.describe)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                "Напишите описание заново (фото сохранены).", reply_markup=kb.describe_done()
            )

    @router.callback_query(Report.confirm, cb.Citizen.filter(F.act == "edit_place"))
    async def edit_place(query: CallbackQuery, rt: Runtime, state: FSMContext) -> None:
        await state.update_data(locality_id=None, place_text=None, lat=None, lon=None)
        await query.answer()
        if isinstance(query.message, Message):
            await ask_place(query.message, rt, state)

    @router.callback_query(Report.confirm, cb.Citizen.filter(F.act.in_({"send", "send_anyway"})))
    async def send(
        query: CallbackQuery, callback_data: cb.Citizen, rt: Runtime, state: FSMContext
    ) -> None:
        await query.answer()
        if not isinstance(query.message, Message):
            return
        reply = await register(
            query.from_user.id, rt, state, check_similar=callback_data.act == "send"
        )
        await query.message.answer(reply[0], reply_markup=reply[1] or kb.menu())

    @router.message(Report.sector)
    async def sector_typed(message: Message) -> None:
        await message.answer("Выберите тему кнопкой выше (или «Не знаю»). /cancel — отменить.")

    @router.message(Report.confirm)
    async def confirm_typed(message: Message) -> None:
        await message.answer(
            "Нажмите «Отправить» под сводкой или исправьте описание и место "
            "кнопками. /cancel — отменить."
        )

    @router.callback_query(cb.Citizen.filter(F.act == "cancel"))
    async def cancel(query: CallbackQuery, state: FSMContext) -> None:
        await state.clear()
        await query.answer("Отменено")
        if isinstance(query.message, Message):
            await query.message.answer("Хорошо, сообщение не отправлено.", reply_markup=kb.menu())

    return router


async def register(
    user_id: int, rt: Runtime, state: FSMContext, *, check_similar: bool
) -> tuple[str, Any]:
    """Flood control, the duplicate hint, then the item itself; returns the reply."""
    data = await state.get_data()
    citizen = await citizen_of(rt, user_id)
    if citizen is None or not data.get("text"):
        await state.clear()
        return "Начнём сначала: нажмите «Сообщить о проблеме».", None
    now = rt.clock.now()
    async with rt.sm() as s:
        recent = await get_reports_since(
            s, citizen_id=citizen.id or 0, since=now - timedelta(hours=1)
        )
        if recent >= rt.settings.max_reports_per_hour:
            return (
                "Вы уже отправили несколько сообщений за последний час. Пожалуйста, "
                "подождите немного — мы обязательно рассмотрим всё, что вы прислали."
            ), None
        similar = await get_similar_open_item(
            s, citizen_id=citizen.id or 0, text=data["text"], since=now - timedelta(days=30)
        )
    if check_similar and similar is not None:
        return (
            f"Похоже, вы уже сообщали об этом: {similar.number}. Отправить ещё одно сообщение?",
            kb.similar(similar.id or 0),
        )
    async with rt.sm() as s:
        item = await check_register_item(
            s,
            clock=rt.clock,
            municipality_id=data["municipality_id"],
            actor=Actor.of_citizen(citizen.id or 0, channel=Channel.telegram),
            new=NewItem(
                kind=ItemKind.message,
                channel=Channel.telegram,
                text=data["text"],
                sector_id=data.get("sector_id"),
                locality_id=data.get("locality_id"),
                place_text=data.get("place_text"),
                lat=data.get("lat"),
                lon=data.get("lon"),
                citizen_id=citizen.id,
            ),
        )
        if data.get("files"):
            await do_add_attachments(
                s,
                item_id=item.id or 0,
                channel=Channel.telegram,
                files=[(k, f) for k, f in data["files"]],
                from_citizen=True,
                now=now,
            )
            await s.commit()
        ctx = await load_context(s, municipality_id=item.municipality_id)
    await state.clear()
    muni = ctx.municipality
    lines = [f"Спасибо! Ваше сообщение зарегистрировано под номером <b>{item.number}</b>."]
    if item.due_at is not None:
        lines.append(f"Ответ ожидается до {local(item.due_at, muni.tz)}.")
    lines.append("Мы сообщим, когда его возьмут в работу.")
    if muni.pos_link:
        lines.append(
            f"\nЕсли вы хотите подать официальное обращение по 59-ФЗ, это можно "
            f"сделать на Госуслугах: {muni.pos_link}"
        )
    return "\n".join(lines), None
