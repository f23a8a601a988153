"""/stats for the head and curators: this week's figures so far (or any week), and on a
button the charts and the workbook."""

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.telegram import callbacks as cb
from bot.telegram import keyboards as kb
from bot.telegram.routers.mine import tz_of
from models import Role
from workflows.actors import Actor
from workflows.errors import Invalid
from workflows.jobs import Runtime
from workflows.periods import Period, parse_period, week_period

ALLOWED = frozenset({Role.head, Role.curator, Role.admin})
USAGE = (
    "Сводка за неделю: /stats — текущая неделя, /stats last-week — прошлая, "
    "/stats 2026-W47 — любая неделя, /stats 2026-11-18 — неделя с этой датой."
)


def build() -> Router:
    router = Router(name="stats")

    @router.message(Command("stats"))
    async def stats(
        message: Message, command: CommandObject, rt: Runtime, actor: Actor | None
    ) -> None:
        if actor is None or actor.role not in ALLOWED or actor.municipality_id is None:
            await message.answer("Команда /stats доступна руководителю МЦУ и кураторам.")
            return
        try:
            week = await _week(rt, actor.municipality_id, command.args)
        except Invalid as e:
            await message.answer(f"{e.reason}\n\n{USAGE}")
            return
        from workflows.digest import note_text

        async with rt.sm() as s:
            text = await note_text(
                s, municipality_id=actor.municipality_id, week=week, now=rt.clock.now()
            )
        markup = kb.rows([kb.button("📊 Графики и таблица XLSX", cb.Stats(week=week.code))], 1)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(cb.Stats.filter())
    async def files(
        query: CallbackQuery, callback_data: cb.Stats, rt: Runtime, actor: Actor | None
    ) -> None:
        if actor is None or actor.role not in ALLOWED or actor.municipality_id is None:
            await query.answer("Доступно руководителю МЦУ и кураторам.", show_alert=True)
            return
        if not isinstance(query.message, Message):
            await query.answer()
            return
        await query.answer("Готовлю графики…")
        from workflows.digest import build_digest

        week = await _week(rt, actor.municipality_id, callback_data.week)
        async with rt.sm() as s:
            doc = await build_digest(
                s, municipality_id=actor.municipality_id, week=week, now=rt.clock.now()
            )
        for f in doc.files:
            upload = BufferedInputFile(f.content, filename=f.name)
            if f.mime.startswith("image/"):
                await query.message.answer_photo(upload)
            else:
                await query.message.answer_document(upload)

    return router


async def _week(rt: Runtime, municipality_id: int, text: str | None) -> Period:
    tz = ZoneInfo(await tz_of(rt, municipality_id))
    period = parse_period(text or "week", tz=tz, now=rt.clock.now())
    if period.days == 1:
        return week_period(period.first, tz)
    if period.days != 7 or period.first.weekday() != 0:
        raise Invalid(f"«{text}» — не неделя")
    return period
