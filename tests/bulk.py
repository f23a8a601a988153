"""Many items with one due timer each, inserted in bulk for poller tests."""

from datetime import datetime

from sqlalchemy import insert
from sqlmodel import select

from models import DeadlinePolicy, Item, Staff, Timer


async def bulk_due(sm, *, muni: int, n: int, due: datetime, start: int = 0) -> None:
    """`n` incident items with one urgent timer each, due at `due` (fires at any hour)."""
    async with sm() as s:
        policy = (await s.exec(select(DeadlinePolicy).where(DeadlinePolicy.code == "inc"))).one()
        water = (await s.exec(select(Staff).where(Staff.code == "water"))).one()
        ids = (
            (
                await s.execute(
                    insert(Item).returning(Item.id),
                    [
                        {
                            "municipality_id": muni,
                            "number": f"BULK-{start + i:07d}",
                            "kind": "incident",
                            "status": "assigned",
                            "channel": "paper",
                            "text": "массовый тест",
                            "assignee_id": water.id,
                            "policy_id": policy.id,
                            "registered_at": due,
                            "due_at": due,
                            "updated_at": due,
                            "version": 1,
                            "extensions": 0,
                        }
                        for i in range(n)
                    ],
                )
            )
            .scalars()
            .all()
        )
        await s.execute(
            insert(Timer),
            [
                {
                    "item_id": item_id,
                    "kind": "step:urgent",
                    "due_at": due,
                    "anchor_at": due,
                    "item_version": 1,
                    "status": "pending",
                }
                for item_id in ids
            ],
        )
        await s.commit()
