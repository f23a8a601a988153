"""Saying a turn's outputs in a Telegram chat: new messages, edits of the pressed message,
staff cards (remembered so the outbox can edit them later), files."""

from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from bot.telegram.cards import render_card
from bot.telegram.files import telegram_file
from bot.telegram.render import html, inline, standing
from models import Channel
from workflows.conversation.parts import Card, Edit, Output, Say, Unbutton, Upload
from workflows.core.actors import Actor
from workflows.items.attachments import get_attachments
from workflows.items.views import get_item_view
from workflows.jobs.runtime import Runtime
from workflows.staff.cards import do_save_card
from workflows.staff.lookups import get_staff_by_telegram


@dataclass(frozen=True)
class Pressed:
    """The message whose button was pressed (edits go there)."""

    message_id: int
    has_photo: bool


async def deliver(
    rt: Runtime,
    bot: Bot,
    *,
    chat_id: int,
    user_id: int,
    outputs: list[Output],
    pressed: Pressed | None = None,
) -> None:
    for out in outputs:
        if isinstance(out, Say):
            markup = inline(out.options, out.columns) or (
                standing(out.keyboard) if out.keyboard else None
            )
            await bot.send_message(chat_id, html(out.text), reply_markup=markup)
        elif isinstance(out, Edit):
            markup = inline(out.options, out.columns)
            if pressed is None or pressed.has_photo:
                await bot.send_message(chat_id, html(out.text), reply_markup=markup)
            else:
                await _quietly(
                    bot.edit_message_text(
                        html(out.text),
                        chat_id=chat_id,
                        message_id=pressed.message_id,
                        reply_markup=markup,
                    )
                )
        elif isinstance(out, Unbutton) and pressed is not None:
            await _quietly(
                bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=pressed.message_id, reply_markup=None
                )
            )
        elif isinstance(out, Card):
            await _card(rt, bot, chat_id, user_id, out, pressed)
        elif isinstance(out, Upload):
            upload = BufferedInputFile(out.content, filename=out.name)
            if out.mime.startswith("image/"):
                await bot.send_photo(chat_id, upload)
            else:
                await bot.send_document(chat_id, upload)


async def _card(
    rt: Runtime, bot: Bot, chat_id: int, user_id: int, out: Card, pressed: Pressed | None
) -> None:
    """The item as it is now: redrawn on the pressed card, or sent as a new card."""
    async with rt.sm() as s:
        staff = await get_staff_by_telegram(s, telegram_id=user_id)
        if staff is None:
            return
        view = await get_item_view(s, item_id=out.item_id)
        photos = [
            a
            for a in await get_attachments(s, item_id=out.item_id)
            if a.kind == "photo" and a.from_citizen
        ]
    actor = Actor.of_staff(staff, channel=Channel.telegram)
    now = rt.clock.now()
    if out.redraw and pressed is not None:
        text, markup = render_card(view, actor, now, short=pressed.has_photo)
        if pressed.has_photo:
            call = bot.edit_message_caption(
                chat_id=chat_id, message_id=pressed.message_id, caption=text, reply_markup=markup
            )
        else:
            call = bot.edit_message_text(
                text, chat_id=chat_id, message_id=pressed.message_id, reply_markup=markup
            )
        await _quietly(call)
        return
    text, markup = render_card(view, actor, now, short=bool(photos))
    if photos:
        sent = await bot.send_photo(
            chat_id, await telegram_file(rt, photos[0]), caption=text, reply_markup=markup
        )
    else:
        sent = await bot.send_message(chat_id, text, reply_markup=markup)
    async with rt.sm() as s:
        await do_save_card(
            s,
            item_id=out.item_id,
            staff_id=staff.id or 0,
            channel=Channel.telegram,
            chat_id=str(chat_id),
            message_id=sent.message_id,
            has_photo=bool(photos),
            now=now,
        )
        await s.commit()


async def _quietly(call: object) -> None:
    """An edit that would change nothing ("message is not modified") is not an error."""
    try:
        await call  # type: ignore[misc]
    except TelegramBadRequest as e:
        if "not modified" not in str(e):
            raise
