"""Talking to the conversation core with no transport: events in, outputs read as a person
reads them (texts, option labels), options pressed by their label."""

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from models import Channel, DialogState, Staff
from models.db import make_sessionmaker
from models.settings import Settings
from workflows.conversation.engine import Chat, converse, dialog_key
from workflows.conversation.parts import (
    Choice,
    Command,
    Edit,
    Event,
    Option,
    Output,
    Pressed,
    Say,
    Text,
    plain,
)
from workflows.core.clock import Clock
from workflows.jobs.runtime import Runtime

_keys = itertools.count(1)


def runtime(engine: AsyncEngine, clock: Clock, **settings: Any) -> Runtime:
    config = Settings.model_validate({"MCU_ENV": "test", **settings})
    return Runtime(engine, make_sessionmaker(engine), clock, config)


class Talk:
    """One person in one chat."""

    def __init__(self, rt: Runtime, muni: int, user: int) -> None:
        self.rt = rt
        self.chat = Chat(Channel.telegram, str(user), str(user), muni)
        self.last: list[Output] = []

    async def send(self, event: Event | str, *, key: str | None = None) -> list[Output]:
        if isinstance(event, str):
            event = Command(event[1:]) if event.startswith("/") else Text(event)
        self.last = await converse(
            self.rt, chat=self.chat, event=event, key=key or f"k{next(_keys)}"
        )
        return self.last

    async def press(self, label: str, *, key: str | None = None) -> list[Output]:
        return await self.send(Pressed(self.option(label).choice, 1), key=key)

    def option(self, label: str) -> Option:
        for out in self.last:
            for o in getattr(out, "options", ()):
                if o.label == label:
                    return o
        raise LookupError(f"no option {label!r}; there are {self.labels()}")

    def labels(self) -> list[str]:
        return [o.label for out in self.last for o in getattr(out, "options", ())]

    def text(self) -> str:
        return "\n".join(plain(o.text) for o in self.last if isinstance(o, Say | Edit))

    async def state(self) -> tuple[str | None, dict[str, Any]]:
        async with self.rt.sm() as s:
            row = (
                await s.exec(select(DialogState).where(DialogState.key == dialog_key(self.chat)))
            ).first()
        if row is None:
            return None, {}
        return row.state, {k: v for k, v in row.data.items() if not k.startswith("_")}

    async def set_state(self, state: str | None, data: dict[str, Any]) -> None:
        async with self.rt.sm() as s:
            row = await s.get(DialogState, dialog_key(self.chat))
            assert row is not None
            row.state, row.data = state, dict(data)
            s.add(row)
            await s.commit()


async def bind_staff(rt: Runtime, code: str, telegram_id: int) -> None:
    async with rt.sm() as s:
        staff = (await s.exec(select(Staff).where(Staff.code == code))).one()
        staff.telegram_id = telegram_id
        s.add(staff)
        await s.commit()


async def consented(rt: Runtime, muni: int, user: int) -> Talk:
    talk = Talk(rt, muni, user)
    await talk.send("/start")
    await talk.press("✅ Согласен(на)")
    return talk


async def report(talk: Talk, text: str = "Нет воды на улице Садовой") -> str:
    """The whole report dialog; returns the reply's text."""
    await talk.send("📝 Сообщить о проблеме")
    await talk.press("ЖКХ")
    await talk.send(text)
    await talk.press("Готово ➡️")
    await talk.press("село Тестовое")
    await talk.press("✅ Отправить")
    return talk.text()


def choice(act: str, a: int = 0, b: int = 0, c: int = 0) -> Pressed:
    return Pressed(Choice(act, a, b, c), 1)
