"""Prometheus metrics: the queues' state read from Postgres at scrape time (inbox lag, outbox
backlog and dead letters, overdue timers), with this process's counters (sends, 429s). Each
query walks a partial index of the unfinished rows (dead letters excepted: few, and counted
by channel over the outbox)."""

from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Inbox, Outbox, OutboxStatus, Timer, TimerStatus
from workflows.jobs.runtime import Runtime


@dataclass
class QueueStats:
    """What the queues hold now, by channel; ages in seconds (0 when the queue is empty)."""

    inbox_unprocessed: dict[str, int] = field(default_factory=dict)
    inbox_oldest_age: dict[str, float] = field(default_factory=dict)
    outbox_pending: dict[str, int] = field(default_factory=dict)
    outbox_oldest_age: dict[str, float] = field(default_factory=dict)
    outbox_dead: dict[str, int] = field(default_factory=dict)
    timers_overdue: int = 0
    timers_oldest_overdue_age: float = 0.0


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


def _ch(channel: str) -> str:
    return Channel(channel).value


async def get_queue_stats(session: AsyncSession, *, now: datetime) -> QueueStats:
    st = QueueStats()
    for c in Channel:
        st.inbox_unprocessed[c.value] = st.outbox_pending[c.value] = st.outbox_dead[c.value] = 0
        st.inbox_oldest_age[c.value] = st.outbox_oldest_age[c.value] = 0.0
    inbox = await session.exec(
        select(Inbox.channel, func.count(), func.min(Inbox.received_at))
        .where(col(Inbox.processed_at).is_(None))
        .group_by(col(Inbox.channel))
    )
    for ch, n, oldest in inbox:
        st.inbox_unprocessed[_ch(ch)], st.inbox_oldest_age[_ch(ch)] = n, _age(now, oldest)
    pending = await session.exec(
        select(Outbox.channel, func.count(), func.min(Outbox.created_at))
        .where(col(Outbox.status) == OutboxStatus.pending)
        .group_by(col(Outbox.channel))
    )
    for ch, n, oldest in pending:
        st.outbox_pending[_ch(ch)], st.outbox_oldest_age[_ch(ch)] = n, _age(now, oldest)
    dead = await session.exec(
        select(Outbox.channel, func.count())
        .where(col(Outbox.status) == OutboxStatus.dead)
        .group_by(col(Outbox.channel))
    )
    for ch, n in dead:
        st.outbox_dead[_ch(ch)] = n
    n, oldest = (
        await session.exec(
            select(func.count(), func.min(Timer.due_at)).where(
                col(Timer.status) == TimerStatus.pending, col(Timer.due_at) <= now
            )
        )
    ).one()
    st.timers_overdue, st.timers_oldest_overdue_age = n, _age(now, oldest)
    return st


class _Snapshot(Collector):
    """Gauges of one scrape's QueueStats (a registry per scrape: no state shared between them)."""

    def __init__(self, st: QueueStats) -> None:
        self.st = st

    def collect(self):  # type: ignore[no-untyped-def]
        st = self.st
        by_channel: list[tuple[str, str, dict[str, int] | dict[str, float]]] = [
            ("mcu_inbox_unprocessed", "Inbound updates not yet processed", st.inbox_unprocessed),
            (
                "mcu_inbox_oldest_unprocessed_age_seconds",
                "Age of the oldest unprocessed inbound update (inbox lag)",
                st.inbox_oldest_age,
            ),
            ("mcu_outbox_pending", "Notices waiting to be sent", st.outbox_pending),
            (
                "mcu_outbox_oldest_pending_age_seconds",
                "Age of the oldest notice waiting to be sent",
                st.outbox_oldest_age,
            ),
            ("mcu_outbox_dead", "Notices given up (dead letters)", st.outbox_dead),
        ]
        for name, doc, values in by_channel:
            g = GaugeMetricFamily(name, doc, labels=["channel"])
            for ch, v in sorted(values.items()):
                g.add_metric([ch], v)
            yield g
        yield GaugeMetricFamily(
            "mcu_timers_overdue", "Pending timers past their due moment", value=st.timers_overdue
        )
        yield GaugeMetricFamily(
            "mcu_timers_oldest_overdue_seconds",
            "How long the most overdue pending timer is late",
            value=st.timers_oldest_overdue_age,
        )


async def render_metrics(rt: Runtime) -> bytes:
    """The exposition text: the queue gauges read now, then this process's counters."""
    async with rt.sm() as s:
        st = await get_queue_stats(s, now=rt.clock.now())
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Snapshot(st))
    return generate_latest(scrape) + generate_latest(REGISTRY)
