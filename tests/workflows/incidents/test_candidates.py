"""Storing read posts as scored candidates from plain records, on SQLite (the embedded default)
as on Postgres: the vocabulary is the setup's, a repeated batch stores nothing."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from models import SocialPost, SocialStatus
from models.db import make_engine, make_sessionmaker
from models.migrate import upgrade_head_async
from workflows.core.clock import FakeClock
from workflows.incidents.candidates import check_store_seen, get_monitor, get_vocabulary
from workflows.setup.apply import check_apply_setup

BEZHTA = (Path(__file__).parents[3] / "setup" / "bezhta.yaml").read_text(encoding="utf-8")
MONITORING = (
    "\nmonitoring: {sources: [{vk: -5, name: Газета}], keywords: [завал], threshold: 0.6}\n"
)


@dataclass(frozen=True)
class Record:
    source: str
    owner_id: int
    post_id: int
    comment_id: int | None
    date: datetime
    text: str

    @property
    def link(self) -> str:
        return f"https://example.org/{self.post_id}/{self.comment_id or 0}"


async def test_sqlite_store_is_scored_and_idempotent(sqlite_url: str) -> None:
    await upgrade_head_async(sqlite_url)
    engine = make_engine(sqlite_url)
    clock = FakeClock(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    try:
        sm = make_sessionmaker(engine)
        async with sm() as s:
            mid = (
                await check_apply_setup(s, text=BEZHTA + MONITORING, clock=clock)
            ).municipality_id
        async with sm() as s:
            monitor = await get_monitor(s, municipality_id=mid)
            assert monitor is not None and monitor.threshold == 0.6
            vocabulary = await get_vocabulary(s, municipality_id=mid, keywords=monitor.keywords)
        assert "Тлядал" in vocabulary.localities
        assert vocabulary.sector_phrases["котельная"] == "zhkh", "a rule's sector is its assignee's"
        now = clock.now()
        batch = [
            Record(
                "Газета", -5, 7, None, now, "В Тлядале завал на дороге, проехать невозможно\x00"
            ),
            Record("Газета", -5, 7, 3, now, "С днём рождения, желаем здоровья!"),
        ]
        for expected in (2, 0):
            async with sm() as s:
                new = await check_store_seen(
                    s,
                    municipality_id=mid,
                    seen=batch,
                    vocabulary=vocabulary,
                    threshold=monitor.threshold,
                    clock=clock,
                )
            assert new == expected
        async with sm() as s:
            rows = list(await s.exec(select(SocialPost).order_by(col(SocialPost.comment_id))))
        assert [(r.comment_id, r.status) for r in rows] == [
            (0, SocialStatus.candidate),
            (3, SocialStatus.ignored),
        ]
        assert "\x00" not in rows[0].text
        assert {"signal": "locality", "word": "Тлядал"} in rows[0].reasons
        assert rows[0].posted_at == now
    finally:
        await engine.dispose()
