"""One turn of a conversation: load the chat's state, let the step handle the event, save the
new state with whatever the step changed, in one transaction; return the outputs to render.

A refusal from the domain rolls the step back and is said as one sentence, the state unchanged.
A redelivered update (same key as the last one handled) gets the same reply and changes
nothing: the state row remembers the last update's key and outputs."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Citizen, DialogState, Municipality, Staff
from workflows.citizens.consent import get_consented
from workflows.citizens.identity import get_citizen_by_identity
from workflows.conversation.parts import (
    Event,
    Keyboard,
    Option,
    Output,
    Rich,
    Say,
    from_json,
    to_json,
)
from workflows.core.errors import DomainError
from workflows.jobs.runtime import Runtime
from workflows.staff.lookups import get_staff_by_telegram
from workflows.texts.words import sentence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chat:
    """Where a turn happens: the channel, the chat to answer in, the person writing, the
    municipality this bot serves (None when the deployment cannot tell which), and the bot
    itself when a channel has several (a person has one conversation with each)."""

    channel: Channel
    chat_id: str
    user_id: str
    municipality_id: int | None
    bot: str = ""
    # A bot shared by several municipalities serves these; the citizen picks one (kept with
    # the chat's state) and the turn then has it as municipality_id.
    municipalities: tuple[int, ...] = ()


@dataclass
class Turn:
    """What a step works with, and what it leaves: the next state and the outputs."""

    session: AsyncSession
    rt: Runtime
    chat: Chat
    event: Event
    key: str
    staff: Staff | None
    citizen: Citizen | None
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    out: list[Output] = field(default_factory=list)
    forgotten: bool = False

    def say(
        self,
        text: Rich | str,
        options: tuple[Option, ...] | list[Option] = (),
        *,
        columns: int = 2,
        keyboard: Keyboard | None = None,
    ) -> None:
        # A plain string is said as it is (a refusal's reason may hold anything); emphasis comes
        # only from a catalogue template through rich().
        segments = (text,) if isinstance(text, str) else text
        self.out.append(Say(segments, tuple(options), columns, keyboard))

    def refuse(self, text: Rich | str, *, keyboard: Keyboard | None = None) -> None:
        """A refusal (of a press, mostly): said as a brief message."""
        segments = (text,) if isinstance(text, str) else text
        self.out.append(Say(segments, (), 2, keyboard, brief=True))

    def go(self, state: str | None, **data: Any) -> None:
        """Move to a state; data given is merged into the dialog's data."""
        self.state = state
        self.data.update(data)

    def end(self) -> None:
        """Leave any dialog: no state, no data."""
        self.state, self.data = None, {}

    def forget(self) -> None:
        """Keep nothing of this chat after the turn (erasure): not even its state row, whose
        key names the chat. A redelivery of the update is then handled afresh."""
        self.end()
        self.forgotten = True


Handler = Callable[[Turn], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    """A dialog state: its handler, and the options pressed in it that it answers (others are
    answered as anywhere else, or as stale)."""

    name: str
    handle: Handler
    choices: frozenset[str] = frozenset()
    who: str = "citizen"  # or "staff": whose journey the state belongs to


def dialog_key(chat: Chat) -> str:
    if chat.bot:
        return f"{chat.channel}:{chat.bot}:{chat.chat_id}"
    return f"{chat.channel}:{chat.chat_id}"


async def converse(rt: Runtime, *, chat: Chat, event: Event, key: str) -> list[Output]:
    """Handle one event of a chat; `key` names the update (redeliveries share it)."""
    from workflows.conversation.router import route

    for attempt in (1, 2):
        try:
            return await _turn(rt, chat=chat, event=event, key=key, route=route)
        except IntegrityError:
            # Two workers raced on one update (a lease that ran out): the winner's effect is
            # saved; the second attempt finds it and answers as the winner did.
            if attempt == 2:
                raise
            log.warning("повтор хода диалога после конфликта (%s)", chat.channel)
    raise AssertionError("unreachable")


async def _turn(rt: Runtime, *, chat: Chat, event: Event, key: str, route: Handler) -> list[Output]:
    async with rt.sm() as s:
        row = await _lock_row(s, dialog_key(chat), rt)
        if row.data.get("_key") == key:  # handled before: say the same again, change nothing
            return from_json(row.data.get("_out", []))
        chosen = row.data.get("_muni")
        if chat.municipality_id is None and chosen in chat.municipalities:
            chat = replace(chat, municipality_id=chosen)
        turn = Turn(
            session=s,
            rt=rt,
            chat=chat,
            event=event,
            key=key,
            staff=await _staff_of(s, chat),
            citizen=await get_consented_citizen(s, chat),
            state=row.state,
            data={k: v for k, v in row.data.items() if not k.startswith("_")},
        )
        try:
            await route(turn)
        except DomainError as e:
            await s.rollback()
            row = await _lock_row(s, dialog_key(chat), rt)
            turn.state, turn.data = (
                row.state,
                {k: v for k, v in row.data.items() if not k.startswith("_")},
            )
            turn.out = [Say((sentence(e.reason),), brief=True)]
            turn.chat = chat  # a municipality picked in the failed step is not kept
        if turn.forgotten:
            s.expunge(row)
            await s.execute(delete(DialogState).where(col(DialogState.key) == row.key))
            await s.commit()
            return turn.out
        row.state = turn.state
        row.data = {**turn.data, "_key": key, "_out": to_json(turn.out)}
        if chat.municipalities:
            row.data["_muni"] = turn.chat.municipality_id
        row.updated_at = rt.clock.now()
        s.add(row)
        await s.commit()
        return turn.out


async def _lock_row(session: AsyncSession, key: str, rt: Runtime) -> DialogState:
    """The chat's state row, locked for this turn (created when the chat is new)."""
    row = (
        await session.exec(select(DialogState).where(DialogState.key == key).with_for_update())
    ).first()
    if row is None:
        row = DialogState(key=key, updated_at=rt.clock.now(), data={})
        session.add(row)
        await session.flush()
    return row


async def get_consented_citizen(session: AsyncSession, chat: Chat) -> Citizen | None:
    """The citizen behind the chat, if their consent covers the municipality of this turn (one
    who consented to another municipality of a shared bot is asked again: another operator)."""
    citizen = await get_citizen_by_identity(session, channel=chat.channel, external_id=chat.user_id)
    if citizen is None or citizen.id is None:
        return None
    covered = await get_consented(
        session, citizen_id=citizen.id, municipality_id=chat.municipality_id
    )
    return citizen if covered else None


async def _staff_of(session: AsyncSession, chat: Chat) -> Staff | None:
    if chat.channel is Channel.telegram and chat.user_id.lstrip("-").isdigit():
        return await get_staff_by_telegram(session, telegram_id=int(chat.user_id))
    return None


async def get_served_municipalities(
    session: AsyncSession, *, codes: tuple[str, ...] = ()
) -> tuple[int, ...]:
    """The municipalities a bot serves: those its setup (or settings) name by code, or, naming
    none, every municipality of the deployment (one: the bot is that municipality's; several:
    it asks the citizen which one)."""
    query = select(Municipality).order_by(col(Municipality.id))
    if codes:
        query = query.where(col(Municipality.code).in_(codes))
    return tuple(m.id for m in await session.exec(query) if m.id is not None)
