"""59-ФЗ appeals over HTTP: a paper appeal entered by staff, the ПОС import, the roles' queues."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.appeal_schemas import (
    AppealCreate,
    PosImport,
    PosImportResult,
    PosResultPublic,
    QueuePage,
)
from api.deps import Caller, Rt, Session, require
from api.items import public_item
from api.refusals import refusals
from api.schemas import ItemPublic
from models import Channel, ItemKind, Role
from workflows.core.actors import Actor
from workflows.items.appeal.intake import AppealIntake
from workflows.items.appeal.queues import get_appeal_queue
from workflows.items.pos_import import Outcome, check_import_pos
from workflows.items.register import NewItem, check_register_item

router = APIRouter(
    prefix="/api/v1/appeals", tags=["appeals"], responses=refusals(401, 403, 404, 422)
)
ENTERERS = (Role.operator, Role.pos_officer, Role.head, Role.admin)


@router.post("", status_code=201, response_model=ItemPublic)
async def enter_appeal(
    body: AppealCreate,
    s: Session,
    rt: Rt,
    actor: Annotated[Actor, Depends(require(*ENTERERS))],
) -> ItemPublic:
    """A paper appeal: registered at once (the 30 days run from now) or received only."""
    item = await check_register_item(
        s,
        clock=rt.clock,
        municipality_id=body.municipality_id,
        actor=actor,
        new=NewItem(
            kind=ItemKind.appeal_59fz,
            channel=Channel.paper,
            text=body.text,
            sector_id=body.sector_id,
            locality_id=body.locality_id,
            place_text=body.place_text,
            received_at=body.received_at,
            appeal=AppealIntake(
                name=body.citizen_name,
                address=body.citizen_address,
                email=body.citizen_email,
                phone=body.citizen_phone,
                reply_by=body.reply_by,
                complained_body=body.complained_body,
                complained_official=body.complained_official,
                register_now=body.register_now,
            ),
        ),
    )
    return await public_item(s, item)


@router.post("/pos", response_model=PosImportResult)
async def import_pos(
    body: PosImport,
    s: Session,
    rt: Rt,
    actor: Annotated[Actor, Depends(require(*ENTERERS))],
) -> PosImportResult:
    """Records from ПОС, each on its own: created, a repeat of one imported before, or refused
    with the reason (the others go on)."""
    results = await check_import_pos(
        s, clock=rt.clock, municipality_id=body.municipality_id, records=body.records, actor=actor
    )
    count = {o: sum(r.outcome is o for r in results) for o in Outcome}
    return PosImportResult(
        created=count[Outcome.created],
        repeat=count[Outcome.repeat],
        refused=count[Outcome.refused],
        results=[PosResultPublic(**asdict(r)) for r in results],
    )


@router.get("/queue", response_model=QueuePage)
async def my_queue(
    s: Session,
    rt: Rt,
    actor: Caller,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> QueuePage:
    """The caller's queue: the officer for ПОС, the глава or the head, nearest deadline first."""
    items = await get_appeal_queue(s, actor=actor, now=rt.clock.now(), limit=limit)
    return QueuePage(items=[ItemPublic.model_validate(i, from_attributes=True) for i in items])
