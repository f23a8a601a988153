"""aiogram FSM storage in our database: a dialog survives a restart like everything else."""

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DialogState
from workflows.clock import Clock


def _key(key: StorageKey) -> str:
    return f"{key.bot_id}:{key.chat_id}:{key.user_id}:{key.thread_id or 0}:{key.destiny}"


class DbStorage(BaseStorage):
    """One row per dialog (bot, chat, user)."""

    def __init__(self, sm: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sm, self.clock = sm, clock

    async def _row(self, s: AsyncSession, key: StorageKey) -> DialogState:
        row = await s.get(DialogState, _key(key))
        if row is None:
            row = DialogState(key=_key(key), updated_at=self.clock.now())
            s.add(row)
        return row

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        async with self.sm() as s:
            row = await self._row(s, key)
            row.state = state.state if isinstance(state, State) else state
            row.updated_at = self.clock.now()
            await s.commit()

    async def get_state(self, key: StorageKey) -> str | None:
        async with self.sm() as s:
            row = await s.get(DialogState, _key(key))
            return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self.sm() as s:
            row = await self._row(s, key)
            row.data = dict(data)
            row.updated_at = self.clock.now()
            await s.commit()

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self.sm() as s:
            row = await s.get(DialogState, _key(key))
            return dict(row.data) if row else {}

    async def close(self) -> None:
        return None
