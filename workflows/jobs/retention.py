"""Nothing kept longer than needed (152-ФЗ ст. 5 ч. 7): what the system keeps only to work —
raw inbound updates, the contents of notices already delivered, the state of chats gone
quiet — is reduced or deleted after the periods the settings give. Items and their audit trail
are the municipality's record and stay. Harmless to run twice; reports what it did by count."""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, func, update
from sqlalchemy import select as core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DialogState, Inbox, Outbox, OutboxStatus
from workflows.core.tx import changed
from workflows.jobs.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Pruned:
    inbox_reduced: int = 0  # handled updates whose raw payload was still kept
    inbox_deleted: int = 0  # rows past the dedup window (the newest of each channel stays)
    outbox_cleared: int = 0  # delivered (or given up) notices: contents and address dropped
    dialogs_deleted: int = 0  # chats untouched for the period (drafts abandoned included)

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


async def run_retention(rt: Runtime) -> Pruned:
    """One pass over the tables, each step its own short transaction."""
    s, now = rt.settings, rt.clock.now()
    done = Pruned()
    async with rt.sm() as session:
        done.inbox_reduced = await _reduce_inbox(
            session, now - timedelta(days=s.retain_failed_days)
        )
        done.inbox_deleted = await _delete_inbox(
            session,
            now - timedelta(days=s.retain_inbox_days),
            now - timedelta(days=s.retain_failed_days),
        )
        done.outbox_cleared = await _clear_outbox(
            session, now - timedelta(days=s.retain_outbox_days)
        )
        done.dialogs_deleted = await _delete_dialogs(
            session, now - timedelta(days=s.retain_dialog_days)
        )
    if done.total:
        log.info("хранение данных: %s", asdict(done))
    return done


def _kept(column: Any) -> Any:
    return cast(column, String) != "{}"


async def _reduce_inbox(session: AsyncSession, failed_before: datetime) -> int:
    """Handled updates keep no payload (a failed one keeps it a while, for the operator)."""
    result = await changed(
        session,
        update(Inbox)
        .where(
            col(Inbox.processed_at).is_not(None),
            (col(Inbox.error).is_(None)) | (col(Inbox.processed_at) < failed_before),
            _kept(Inbox.payload),
        )
        .values(payload={}, chat_key=None),
    )
    await session.commit()
    return result


async def _delete_inbox(session: AsyncSession, before: datetime, failed_before: datetime) -> int:
    """Rows older than the redelivery window go (a failed one after its own period); the newest
    of each channel stays (pollers resume after it)."""
    result = await changed(
        session,
        delete(Inbox).where(
            col(Inbox.processed_at).is_not(None),
            col(Inbox.processed_at) < before,
            (col(Inbox.error).is_(None)) | (col(Inbox.processed_at) < failed_before),
            col(Inbox.id).not_in(core_select(func.max(Inbox.id)).group_by(Inbox.channel)),
        ),
    )
    await session.commit()
    return result


async def _clear_outbox(session: AsyncSession, before: datetime) -> int:
    result = await changed(
        session,
        update(Outbox)
        .where(
            col(Outbox.status).in_((OutboxStatus.sent, OutboxStatus.dead)),
            func.coalesce(col(Outbox.sent_at), col(Outbox.created_at)) < before,
            _kept(Outbox.payload) | (col(Outbox.chat_id) != ""),
        )
        .values(payload={}, chat_id=""),
    )
    await session.commit()
    return result


async def _delete_dialogs(session: AsyncSession, before: datetime) -> int:
    result = await changed(session, delete(DialogState).where(col(DialogState.updated_at) < before))
    await session.commit()
    return result
