"""The Telegram channel for the outbox sender: staff cards (edited in place) and citizen
messages, rendered in HTML with escaped user text, Telegram's errors mapped for the sender."""

from functools import partial
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.telegram import keyboards as kb
from bot.telegram.cards import card_keyboard, card_text
from bot.telegram.split import split_plain
from bot.telegram.texts import quote
from models import Channel, Staff
from workflows.actors import Actor
from workflows.citizens import get_attachments
from workflows.digest import get_digest_file
from workflows.jobs import Runtime
from workflows.notices import TITLES
from workflows.outbox import Notice, PermanentFailure, RetryAfter, Send, send_parts
from workflows.staff import do_save_card, get_card
from workflows.views import ContextCache, get_item_view

CITIZEN_TEXT = {
    "registered": "Ваше сообщение зарегистрировано под номером <b>{number}</b>. "
    "Ответ ожидается до {due_date}.",
    "taken": "Ваше сообщение <b>{number}</b> взято в работу.",
    "clarification_asked": "По сообщению <b>{number}</b> исполнитель просит уточнить:\n\n"
    "{question}\n\nНажмите «Ответить» и напишите ответ.",
    "extended": "Срок рассмотрения сообщения <b>{number}</b> продлён до {new_due_date}.\n"
    "Причина: {reason}",
    "redirected": "Сообщение <b>{number}</b> перенаправлено: {reason}",
    "rejected": "Сообщение <b>{number}</b> отклонено. Причина: {reason}",
    "merged": "Сообщение <b>{number}</b> объединено с {into_number}: это одна и та же проблема, "
    "о ходе работы мы сообщим по нему.",
    "closed": "Сообщение <b>{number}</b> закрыто. Спасибо, что сообщили!",
}


# Kinds that deserve a new message (a notification on the phone); the rest edit the card.
ALERTS = frozenset(
    {
        "assigned",
        "triage",
        "escalation",
        "reminder",
        "extension_requested",
        "reopened",
        "citizen_replied",
        "ping",
    }
)


class TelegramPort:
    """Sends through aiogram's Bot; one instance per bot."""

    self_paced = True  # every request is paced by PacingMiddleware, replies to citizens too

    def __init__(self, bot: Bot, rt: Runtime) -> None:
        self.bot, self.rt = bot, rt
        self.contexts = ContextCache()
        self.per_second = rt.settings.telegram_per_second

    def chat_interval(self, chat_id: str) -> float:
        """A message a second to a person, twenty a minute to a group (Telegram's limits)."""
        base = self.rt.settings.telegram_chat_interval
        return 3 * base if chat_id.startswith("-") else base

    async def send(self, notice: Notice) -> None:
        try:
            if notice.staff_id is not None:
                await self._staff(notice)
            else:
                await self._citizen(notice)
        except TelegramRetryAfter as e:
            raise RetryAfter(float(e.retry_after)) from e
        except (TelegramForbiddenError, TelegramNotFound) as e:
            raise PermanentFailure(str(e)) from e
        except TelegramBadRequest as e:
            if "not modified" in str(e):
                return  # the card already shows this: nothing to do
            raise PermanentFailure(str(e)) from e  # a bad request will not get better

    async def _staff(self, notice: Notice) -> None:
        async with self.rt.sm() as s:
            staff = await s.get(Staff, notice.staff_id)
        if staff is None:
            raise PermanentFailure("сотрудник удалён")
        if notice.kind == "digest":
            await self._digest(notice)
            return
        if notice.item_id is None:  # not about one item (a dead letter, say): plain text
            text = quote(
                f"{TITLES.get(notice.kind, notice.kind)}\n{notice.payload.get('text', '')}"
            )
            await self.bot.send_message(notice.chat_id, text)
            return
        actor = Actor.of_staff(staff, channel=Channel.telegram)
        async with self.rt.sm() as s:
            view = await get_item_view(s, item_id=notice.item_id, cache=self.contexts)
            card = await get_card(s, item_id=notice.item_id, staff_id=staff.id or 0)
            photos = [
                a.file_id
                for a in await get_attachments(s, item_id=notice.item_id)
                if a.kind == "photo"
            ]
        now = self.rt.clock.now()
        markup = card_keyboard(view, actor)
        headline, note = self._headline(notice)
        if notice.kind not in ALERTS and card is not None:
            # News about an item they already see: the card changes in place, no new message.
            text = card_text(
                view,
                now,
                headline=None if notice.kind == "refresh" else headline,
                note=note,
                short=card.has_photo,
            )
            await self._edit(card.chat_id, card.message_id, card.has_photo, text, markup)
            return
        if notice.kind == "refresh":
            return
        if photos:
            caption = card_text(view, now, headline=headline, note=note, short=True)
            sent = await self.bot.send_photo(
                notice.chat_id, photos[0], caption=caption, reply_markup=markup
            )
        else:
            text = card_text(view, now, headline=headline, note=note)
            sent = await self.bot.send_message(notice.chat_id, text, reply_markup=markup)
        async with self.rt.sm() as s:
            await do_save_card(
                s,
                item_id=notice.item_id,
                staff_id=staff.id or 0,
                channel=Channel.telegram,
                chat_id=notice.chat_id,
                message_id=sent.message_id,
                has_photo=bool(photos),
                now=now,
            )

    async def _digest(self, notice: Notice) -> None:
        """The weekly note: its text (our own HTML, names escaped), then each chart and the
        workbook as separate outbox rows, so a failed upload is retried alone."""
        p = notice.payload
        if p.get("part") == "text":
            await self.bot.send_message(notice.chat_id, p["text"])
            return
        async with self.rt.sm() as s:
            file = await get_digest_file(s, file_id=int(p["file_id"]))
        upload = BufferedInputFile(file.content, filename=file.name)
        if file.mime.startswith("image/"):
            await self.bot.send_photo(notice.chat_id, upload)
        else:
            await self.bot.send_document(notice.chat_id, upload)

    @staticmethod
    def _headline(notice: Notice) -> tuple[str, str | None]:
        """The card's bold first line and, under it, the citizen's reply or the reason."""
        p = notice.payload
        title = TITLES.get(notice.kind, notice.kind)
        if notice.kind == "escalation" and p.get("anchor") == "take_due":
            title = "Эскалация: не взято в работу вовремя"
        if notice.kind == "citizen_replied" and p.get("reply"):
            return title, f"«{p['reply']}»"
        return title, str(p["reason"]) if p.get("reason") else None

    async def _edit(
        self,
        chat_id: str,
        message_id: int,
        has_photo: bool,
        text: str,
        markup: InlineKeyboardMarkup | None,
    ) -> None:
        if has_photo:
            await self.bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=text, reply_markup=markup
            )
        else:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )

    async def _citizen(self, notice: Notice) -> None:
        p: dict[str, Any] = {
            k: quote(str(v), 1000) if isinstance(v, str) else v for k, v in notice.payload.items()
        }
        item_id = notice.item_id or 0
        if notice.kind == "answered":
            await self._answer(notice, item_id)
            return
        template = CITIZEN_TEXT.get(notice.kind)
        if template is None:
            return  # a notice citizens do not get in chat
        fields = {
            "number": "",
            "due_date": "—",
            "question": "",
            "reason": "—",
            "new_due_date": "—",
            "into_number": "",
            **p,
        }
        for key in ("due_date", "new_due_date"):
            if isinstance(fields.get(key), str) and len(fields[key]) == 10:
                y, m, d = fields[key].split("-")
                fields[key] = f"{d}.{m}.{y}"
        markup = kb.reply_to(item_id) if notice.kind == "clarification_asked" else None
        await self.bot.send_message(notice.chat_id, template.format(**fields), reply_markup=markup)

    async def _answer(self, notice: Notice, item_id: int) -> None:
        """The answer in full (split if long), staff photos, then «Проблема решена?»."""
        answer = str(notice.payload.get("answer", ""))
        parts = split_plain(answer)
        header = f"Ответ по вашему сообщению <b>{quote(str(notice.payload.get('number', '')))}</b>:"
        texts = [
            (header + "\n\n" if i == 0 else "") + quote(p, len(p)) for i, p in enumerate(parts)
        ]
        async with self.rt.sm() as s:
            photos = [
                a.file_id
                for a in await get_attachments(s, item_id=item_id)
                if a.kind == "photo" and not a.from_citizen
            ]
        chat, bot = notice.chat_id, self.bot
        sends: list[Send] = [partial(bot.send_message, chat, text) for text in texts]
        sends += [partial(bot.send_photo, chat, photo) for photo in photos[:3]]
        sends.append(
            partial(bot.send_message, chat, "Проблема решена?", reply_markup=kb.feedback(item_id))
        )
        await send_parts(notice, sends)  # a retry goes on after the messages already delivered
