"""Staff cards in Telegram: the neutral card rendered as HTML with its inline options."""

from datetime import datetime

from aiogram.types import InlineKeyboardMarkup

from bot.telegram.render import CAPTION_LIMIT, html, inline
from workflows.conversation.cards import card_options, card_text
from workflows.core.actors import Actor
from workflows.items.views import ItemView


def render_card(
    view: ItemView,
    actor: Actor,
    now: datetime,
    *,
    headline: str | None = None,
    note: str | None = None,
    short: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card's HTML (short enough for a photo caption when `short`) and its buttons."""
    text = card_text(view, now, headline=headline, note=note, short=short)
    limit = CAPTION_LIMIT if short else 4096
    return html(text, limit), inline(card_options(view, actor), 2)
