"""The bots a deployment runs: those the municipalities' setups name (table `channelbot`, their
secrets by reference) and the one the environment names (TELEGRAM_TOKEN, VK_TOKEN …), each with
the municipalities it serves. Bots named by several municipalities are one shared bot."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, ChannelBot, Municipality
from models.settings import Settings
from models.settings_check import secret_weakness
from workflows.core.errors import Invalid

MAX_SECRET_FILE = 64 * 1024


@dataclass(frozen=True)
class BotSpec:
    channel: Channel
    key: str  # "vk:<group id>", "tg:<token reference>" (or "tg:env" for the environment's)
    token: SecretStr
    municipality_codes: tuple[str, ...] = ()  # empty: the deployment's only municipality
    group_id: int | None = None  # VK
    secret: SecretStr | None = field(default=None, repr=False)  # VK callback / TG webhook
    confirmation: str | None = None  # VK Callback API's confirmation code
    callback: bool = False  # VK: events come by Callback API (else Bots Long Poll)


def resolve_secret(ref: str, *, what: str) -> SecretStr:
    """A secret by reference: `env:NAME` (an environment variable) or `file:/path` (a file's
    first line, as Docker and systemd hand secrets over). The value never enters a setup file."""
    kind, _, name = ref.partition(":")
    if kind == "env" and name:
        value = os.environ.get(name)
        if not value:
            raise Invalid(f"{what}: переменная окружения {name} не задана")
        return SecretStr(value.strip())
    if kind == "file" and name:
        path = Path(name)
        try:
            with path.open("rb") as f:
                raw = f.read(MAX_SECRET_FILE)
        except OSError as e:
            raise Invalid(f"{what}: файл {name} не прочитан ({type(e).__name__})") from e
        lines = raw.decode("utf-8", "replace").strip().splitlines()
        if not lines or not lines[0].strip():
            raise Invalid(f"{what}: файл {name} пуст")
        return SecretStr(lines[0].strip())
    raise Invalid(f"{what}: ссылка на секрет пишется как env:ИМЯ или file:/путь")


def from_environment(settings: Settings) -> list[BotSpec]:
    """The bots the environment names (a single-municipality deployment's usual way)."""
    specs: list[BotSpec] = []
    if settings.telegram_token is not None:
        codes = (settings.telegram_municipality,) if settings.telegram_municipality else ()
        specs.append(
            BotSpec(
                Channel.telegram,
                "tg:env",
                settings.telegram_token,
                codes,
                secret=settings.telegram_webhook_secret,
            )
        )
    if settings.vk_token is not None and settings.vk_group_id is not None:
        codes = (settings.vk_municipality,) if settings.vk_municipality else ()
        specs.append(
            BotSpec(
                Channel.vk,
                f"vk:{settings.vk_group_id}",
                settings.vk_token,
                codes,
                group_id=settings.vk_group_id,
                secret=settings.vk_callback_secret,
                confirmation=settings.vk_confirmation_code,
                callback=bool(settings.vk_callback_url),
            )
        )
    return specs


async def get_bot_specs(
    session: AsyncSession, settings: Settings
) -> tuple[list[BotSpec], list[str]]:
    """Every bot to run: the setups' (rows sharing a key are one bot serving all their
    municipalities) and the environment's, unless a setup names the same one; and why any
    named bot cannot run (a secret not given, or in production too weak), one line each: the
    others run regardless."""
    rows = list(
        await session.exec(
            select(ChannelBot, Municipality.code)
            .join(Municipality, col(Municipality.id) == ChannelBot.municipality_id)
            .where(col(ChannelBot.active).is_(True))
            .order_by(col(ChannelBot.id))
        )
    )
    grouped: dict[str, tuple[ChannelBot, list[str]]] = {}
    for bot, code in rows:
        grouped.setdefault(bot.key, (bot, []))[1].append(code)
    specs: list[BotSpec] = []
    problems: list[str] = []
    for bot, codes in grouped.values():
        try:
            specs.append(_spec(bot, tuple(codes), production=settings.env == "production"))
        except Invalid as e:
            problems.append(e.reason)
    keys = {s.key for s in specs} | set(grouped)
    tokens = {s.token.get_secret_value() for s in specs}
    env = [
        s
        for s in from_environment(settings)
        if s.key not in keys and s.token.get_secret_value() not in tokens  # one bot, one poller
    ]
    return specs + env, problems


def _spec(bot: ChannelBot, codes: tuple[str, ...], *, production: bool) -> BotSpec:
    c: dict[str, Any] = bot.config
    what = f"{bot.channel} ({', '.join(codes)})"
    token = resolve_secret(str(c.get("token", "")), what=f"{what}: token")
    secret_ref = c.get("secret") or c.get("webhook_secret")  # VK's callback, Telegram's webhook
    secret = resolve_secret(str(secret_ref), what=f"{what}: secret") if secret_ref else None
    weakness = secret_weakness(secret.get_secret_value()) if production and secret else None
    if weakness:  # the same rule as TELEGRAM_WEBHOOK_SECRET and VK_CALLBACK_SECRET
        raise Invalid(f"{what}: secret ({secret_ref}): {weakness}")
    confirmation = c.get("confirmation")
    return BotSpec(
        bot.channel,
        bot.key,
        token,
        codes,
        group_id=int(c["group_id"]) if c.get("group_id") else None,
        secret=secret,
        confirmation=str(confirmation) if confirmation else None,
        callback=bool(c.get("callback")),
    )
