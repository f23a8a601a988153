"""Nothing kept longer than needed: a handled update keeps no payload (a failed one keeps it for
the operator a while); the retention job deletes old inbox rows (the newest of each channel
stays), clears delivered notices' contents and address, deletes quiet chats' state; it reports
counts and a second run finds nothing to do."""

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from models import Channel, DialogState, Inbox, Outbox, OutboxStatus
from models.db import make_sessionmaker
from models.settings import Settings
from workflows.intake.claims import do_claim_update, do_finish_and_claim, do_finish_update
from workflows.intake.inbox import do_save_update
from workflows.jobs.retention import run_retention
from workflows.jobs.runtime import Runtime

LEASE = timedelta(seconds=30)


def update(n: int, chat: int) -> dict[str, Any]:
    person = {"id": chat, "first_name": "Патимат", "username": "patimat_m"}
    return {"update_id": n, "message": {"chat": {"id": chat}, "from": person, "text": "Нет света"}}


async def test_a_handled_update_keeps_only_its_identity(engine, sm, clock):
    for n in (1, 2, 3):
        await do_save_update(
            engine, channel=Channel.telegram, update_id=str(n), payload=update(n, 500 + n),
            now=clock.now(),
        )  # fmt: skip
    first = await do_claim_update(engine, channel=Channel.telegram, now=clock.now(), lease=LEASE)
    assert first is not None and first.payload["message"]["from"]["first_name"] == "Патимат"
    second = await do_finish_and_claim(
        engine, inbox_id=first.id, error=None, channel=Channel.telegram, now=clock.now(),
        lease=LEASE,
    )  # fmt: skip
    assert second is not None
    await do_finish_update(engine, inbox_id=second.id, now=clock.now(), error="сбой обработки")
    async with sm() as s:
        rows = list(await s.exec(select(Inbox).order_by(col(Inbox.id))))
    assert [(r.payload, r.chat_key) for r in rows[:1]] == [({}, None)]
    assert rows[1].payload["message"]["text"] == "Нет света" and rows[1].chat_key == "502"
    assert rows[2].processed_at is None and rows[2].payload["message"]["text"] == "Нет света"


async def test_the_retention_job_prunes_by_the_periods_set(engine, sm, clock):
    settings = Settings.model_validate(
        {"MCU_ENV": "test", "MCU_RETAIN_INBOX_DAYS": 7, "MCU_RETAIN_OUTBOX_DAYS": 30,
         "MCU_RETAIN_FAILED_DAYS": 30, "MCU_RETAIN_DIALOG_DAYS": 30}
    )  # fmt: skip
    rt = Runtime(engine, make_sessionmaker(engine), clock, settings)
    start = clock.now()
    async with sm() as s:
        for n, age, error in ((1, 40, None), (2, 40, "сбой"), (3, 10, "сбой"), (4, 3, None)):
            s.add(
                Inbox(
                    channel=Channel.telegram, update_id=str(n), chat_key="77",
                    payload=update(n, 77), received_at=start - timedelta(days=age),
                    processed_at=start - timedelta(days=age), error=error,
                )
            )  # fmt: skip
        for n, age, status in ((1, 40, "sent"), (2, 40, "pending"), (3, 5, "sent")):
            s.add(
                Outbox(
                    id=n, channel=Channel.telegram, chat_id="77", kind="status", status=status,
                    payload={"text": "Ваше сообщение взято в работу"},
                    created_at=start - timedelta(days=age),
                    sent_at=start - timedelta(days=age) if status == "sent" else None,
                    next_attempt_at=start,
                )
            )  # fmt: skip
        for key, age in (("telegram:77", 40), ("telegram:78", 2)):
            s.add(
                DialogState(
                    key=key, data={"text": "черновик"}, updated_at=start - timedelta(days=age)
                )
            )
        # The newest update of the channel is old, too: it stays, the pollers resume after it.
        s.add(Inbox(channel=Channel.vk, update_id="1:a", payload={}, received_at=start - timedelta(days=90), processed_at=start - timedelta(days=90)))  # fmt: skip
        await s.commit()

    done = await run_retention(rt)
    assert (done.inbox_reduced, done.inbox_deleted, done.outbox_cleared, done.dialogs_deleted) == (
        3,
        2,
        1,
        1,
    )  # reduced: #1, #2 (its failure is old), #4 — not #3 (failed 10 days ago); deleted: #1, #2
    async with sm() as s:
        inbox = {r.update_id: r for r in await s.exec(select(Inbox))}
        outbox = {r.id: r for r in await s.exec(select(Outbox))}
        dialogs = [d.key for d in await s.exec(select(DialogState))]
    assert set(inbox) == {"3", "4", "1:a"}
    assert inbox["3"].payload["message"]["text"] == "Нет света"  # failed 10 days ago: kept
    assert inbox["4"].payload == {} and inbox["4"].chat_key is None
    assert (outbox[1].payload, outbox[1].chat_id) == ({}, "")
    assert outbox[2].status is OutboxStatus.pending and outbox[2].chat_id == "77"  # not sent yet
    assert outbox[3].payload != {}  # sent 5 days ago
    assert dialogs == ["telegram:78"]
    assert (await run_retention(rt)).total == 0
