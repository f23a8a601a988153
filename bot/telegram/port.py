"""The Telegram channel for the outbox sender: staff cards (edited in place) and citizen
messages, rendered in HTML with escaped user text, Telegram's errors mapped for the sender."""

from functools import partial

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.telegram.cards import render_card
from bot.telegram.files import telegram_file
from bot.telegram.fleet import Fleet
from bot.telegram.render import html, inline
from models import Attachment, Channel, Staff
from workflows.conversation.cards import card_text
from workflows.conversation.notices import citizen_lines
from workflows.conversation.parts import rich
from workflows.conversation.wall_replies import reply_options
from workflows.core.actors import Actor
from workflows.digest.schedule import get_digest_file
from workflows.items.attachments import get_attachments
from workflows.items.views import ContextCache, get_item_view
from workflows.items.wall_reply import APPROVAL
from workflows.jobs.runtime import Runtime
from workflows.outbox.ports import Notice, PermanentFailure, RetryAfter, Send, send_parts
from workflows.staff.cards import do_save_card, get_card
from workflows.texts.notices import TITLES

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
        "forwarded_late",
        "unclear_late",
        "to_register",
        "registered_late",
    }
)


class TelegramPort:
    """Sends through aiogram's Bot; one instance per bot."""

    self_paced = True  # every request is paced by PacingMiddleware, replies to citizens too

    def __init__(self, bot: Bot | None, rt: Runtime, fleet: Fleet | None = None) -> None:
        self.bot, self.rt, self.fleet = bot, rt, fleet
        self.contexts = ContextCache()
        self.per_second = rt.settings.telegram_per_second

    def chat_interval(self, chat_id: str) -> float:
        """A message a second to a person, twenty a minute to a group (Telegram's limits)."""
        base = self.rt.settings.telegram_chat_interval
        return 3 * base if chat_id.startswith("-") else base

    async def bot_for(self, municipality_id: int | None) -> Bot | None:
        """The bot of the notice's municipality: a setup's own, else the environment's (else
        the only bot there is); None when there is none."""
        if self.fleet is not None:
            own = await self.fleet.serving(municipality_id)
            if own is not None:
                return own.bot
        if self.bot is not None:
            return self.bot
        bots = await self.fleet.all() if self.fleet is not None else []
        return bots[0].bot if len(bots) == 1 else None

    async def send(self, notice: Notice) -> None:
        bot = await self.bot_for(notice.municipality_id)
        if bot is None:  # no Telegram bot for it (none configured yet): said on the console
            console = self.rt.ports.get(Channel.console)
            if console is None:
                raise PermanentFailure("нет бота Telegram для этого муниципалитета")
            await console.send(notice)
            return
        try:
            if notice.staff_id is not None:
                await self._staff(bot, notice)
            else:
                await self._citizen(bot, notice)
        except TelegramRetryAfter as e:
            raise RetryAfter(float(e.retry_after)) from e
        except (TelegramForbiddenError, TelegramNotFound) as e:
            raise PermanentFailure(str(e)) from e
        except TelegramBadRequest as e:
            if "not modified" in str(e):
                return  # the card already shows this: nothing to do
            raise PermanentFailure(str(e)) from e  # a bad request will not get better

    async def _staff(self, bot: Bot, notice: Notice) -> None:
        async with self.rt.sm() as s:
            staff = await s.get(Staff, notice.staff_id)
        if staff is None:
            raise PermanentFailure("сотрудник удалён")
        if notice.kind == "digest":
            await self._digest(bot, notice)
            return
        if notice.item_id is None:  # not about one item (a dead letter, say): plain text
            body = rich(
                "{title}\n{text}",
                title=TITLES.get(notice.kind, notice.kind),
                text=notice.payload.get("text", ""),
            )
            reply_id = notice.payload.get("reply_id")
            markup = (  # a refused answer for the wall: the operator decides right here
                inline(reply_options(int(reply_id), failed=True), 2)
                if notice.kind == "reply_failed" and reply_id
                else None
            )
            await bot.send_message(notice.chat_id, html(body), reply_markup=markup)
            return
        actor = Actor.of_staff(staff, channel=Channel.telegram)
        async with self.rt.sm() as s:
            view = await get_item_view(s, item_id=notice.item_id, cache=self.contexts)
        if notice.kind == APPROVAL:  # its own message with its own buttons, never the card
            asked = card_text(
                view,
                self.rt.clock.now(),
                headline=TITLES[APPROVAL],
                note=str(notice.payload.get("answer") or ""),
            )
            options = reply_options(int(notice.payload["reply_id"]))
            await bot.send_message(notice.chat_id, html(asked), reply_markup=inline(options, 2))
            return
        async with self.rt.sm() as s:
            card = await get_card(s, item_id=notice.item_id, staff_id=staff.id or 0)
            photos = [
                a for a in await get_attachments(s, item_id=notice.item_id) if a.kind == "photo"
            ]
        now = self.rt.clock.now()
        headline, note = self._headline(notice)
        if notice.kind not in ALERTS and card is not None:
            # News about an item they already see: the card changes in place, no new message.
            text, markup = render_card(
                view,
                actor,
                now,
                headline=None if notice.kind == "refresh" else headline,
                note=note,
                short=card.has_photo,
            )
            await self._edit(bot, card.chat_id, card.message_id, card.has_photo, text, markup)
            return
        if notice.kind == "refresh":
            return
        text, markup = render_card(
            view, actor, now, headline=headline, note=note, short=bool(photos)
        )
        if photos:
            sent = await bot.send_photo(
                notice.chat_id,
                await telegram_file(self.rt, photos[0]),
                caption=text,
                reply_markup=markup,
            )
        else:
            sent = await bot.send_message(notice.chat_id, text, reply_markup=markup)
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
            await s.commit()

    async def _digest(self, bot: Bot, notice: Notice) -> None:
        """The weekly note: its text (our own HTML, names escaped), then each chart and the
        workbook as separate outbox rows, so a failed upload is retried alone."""
        p = notice.payload
        if p.get("part") == "text":
            await bot.send_message(notice.chat_id, p["text"])
            return
        async with self.rt.sm() as s:
            file = await get_digest_file(s, file_id=int(p["file_id"]))
        upload = BufferedInputFile(file.content, filename=file.name)
        if file.mime.startswith("image/"):
            await bot.send_photo(notice.chat_id, upload)
        else:
            await bot.send_document(notice.chat_id, upload)

    @staticmethod
    def _headline(notice: Notice) -> tuple[str, str | None]:
        """The card's bold first line and, under it, the citizen's reply or the reason."""
        p = notice.payload
        title = TITLES.get(notice.kind, notice.kind)
        if notice.kind == "escalation" and p.get("anchor") == "take_due":
            title = TITLES["escalation_take"]
        if notice.kind == "citizen_replied" and p.get("reply"):
            return title, f"«{p['reply']}»"
        return title, str(p["reason"]) if p.get("reason") else None

    async def _edit(
        self,
        bot: Bot,
        chat_id: str,
        message_id: int,
        has_photo: bool,
        text: str,
        markup: InlineKeyboardMarkup | None,
    ) -> None:
        if has_photo:
            await bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=text, reply_markup=markup
            )
        else:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )

    async def _citizen(self, bot: Bot, notice: Notice) -> None:
        """What the citizen is told (workflows/conversation/notices.py), message by message; a
        retry goes on after the messages already delivered."""
        item_id = notice.item_id or 0
        async with self.rt.sm() as s:
            photos = [
                a
                for a in await get_attachments(s, item_id=item_id)
                if a.kind == "photo" and not a.from_citizen
            ]
        chat = notice.chat_id
        sends: list[Send] = []
        for line in citizen_lines(notice.kind, notice.payload, item_id, len(photos)):
            if line.photo is not None:
                sends.append(partial(self._photo, bot, chat, photos[line.photo]))
            else:
                markup = inline(line.options, 2)
                sends.append(partial(bot.send_message, chat, html(line.text), reply_markup=markup))
        await send_parts(notice, sends)

    async def _photo(self, bot: Bot, chat_id: str, attachment: Attachment) -> None:
        await bot.send_photo(chat_id, await telegram_file(self.rt, attachment))
