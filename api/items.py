"""Items over HTTP: register (paper, ПОС), read with the timeline, act with the bots' rules."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Caller, Rt, Session, require
from api.refusals import refusals
from api.schemas import (
    MAX_ID,
    ActionBody,
    CitizenPublic,
    EventPublic,
    FollowUpCreate,
    ItemCreate,
    ItemDetail,
    ItemPage,
    ItemPublic,
    LetterBrief,
)
from models import Item, ItemKind, ItemStatus
from workflows.calendar.deadlines import get_deadlines_assumed
from workflows.citizens.identity import access_citizen_of, do_create_citizen
from workflows.core.actors import Actor
from workflows.items.access import access_item
from workflows.items.appeal.intake import AppealIntake
from workflows.items.effects import ActionInput
from workflows.items.followup import check_follow_up
from workflows.items.letters import get_item_letters
from workflows.items.lifecycle import check_act
from workflows.items.queries import get_items, get_timeline
from workflows.items.register import REGISTRARS, NewItem, check_register_item
from workflows.items.transitions import Action

router = APIRouter(prefix="/api/v1/items", tags=["items"], responses=refusals(401, 403, 404, 422))
ItemId = Annotated[int, Path(gt=0, le=MAX_ID, description="id обращения")]
# Personal data: for those who handle items; the curator reads figures, not people.
PII_READERS = REGISTRARS


@router.post("", status_code=201, response_model=ItemPublic)
async def register_item(
    body: ItemCreate,
    s: Session,
    rt: Rt,
    actor: Annotated[Actor, Depends(require(*REGISTRARS))],
) -> ItemPublic:
    """Register an item that came on paper, by phone or from ПОС; it is routed at once (a 59-ФЗ
    appeal needs received_at; POST /api/v1/appeals takes its reply address and the rest)."""
    citizen_id, appeal = None, None
    if body.kind is ItemKind.appeal_59fz:  # its author is kept with the appeal, in its transaction
        appeal = AppealIntake(
            name=body.citizen_name, address=body.citizen_address, phone=body.citizen_phone
        )
    elif body.citizen_name or body.citizen_phone or body.citizen_address:
        citizen = await do_create_citizen(
            s,
            name=body.citizen_name,
            phone=body.citizen_phone,
            address=body.citizen_address,
            now=rt.clock.now(),
        )
        citizen_id = citizen.id
    item = await check_register_item(
        s,
        clock=rt.clock,
        municipality_id=body.municipality_id,
        actor=actor,
        new=NewItem(
            kind=body.kind,
            channel=body.channel,
            text=body.text,
            sector_id=body.sector_id,
            locality_id=body.locality_id,
            place_text=body.place_text,
            lat=body.lat,
            lon=body.lon,
            citizen_id=citizen_id,
            received_at=body.received_at,
            appeal=appeal,
        ),
    )
    return await public_item(s, item)


@router.get("", response_model=ItemPage)
async def list_items(
    s: Session,
    actor: Caller,
    municipality_id: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
    status: ItemStatus | None = None,
    sector_id: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
    assignee_id: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ItemPage:
    """Items the caller may see, nearest deadline first."""
    items, total = await get_items(
        s,
        actor=actor,
        municipality_id=municipality_id,
        status=status,
        sector_id=sector_id,
        assignee_id=assignee_id,
        limit=limit,
        offset=offset,
    )
    return ItemPage(
        total=total, items=[ItemPublic.model_validate(i, from_attributes=True) for i in items]
    )


@router.get("/{item_id}", response_model=ItemDetail)
async def read_item(
    item_id: ItemId,
    s: Session,
    rt: Rt,
    actor: Caller,
    with_citizen: bool = False,
) -> ItemDetail:
    """One item with its timeline; `with_citizen=true` shows personal data (and audits the view)."""
    item = await access_item(s, item_id=item_id, actor=actor)
    timeline = await get_timeline(s, item_id=item_id)
    detail = ItemDetail(
        item=await public_item(s, item),
        timeline=[EventPublic.model_validate(e, from_attributes=True) for e in timeline],
        letters=[
            LetterBrief.model_validate(letter, from_attributes=True)
            for letter in await get_item_letters(s, item_id=item_id)
        ],
    )
    if with_citizen and actor.role in PII_READERS:
        citizen = await access_citizen_of(s, item=item, actor=actor, now=rt.clock.now())
        if citizen is not None:
            detail.citizen = CitizenPublic.model_validate(citizen, from_attributes=True)
    return detail


@router.post("/{item_id}/actions/{action}", response_model=ItemPublic, responses=refusals(409))
async def act_on_item(
    item_id: ItemId,
    action: Action,
    body: ActionBody,
    s: Session,
    rt: Rt,
    actor: Caller,
) -> ItemPublic:
    """Take, answer, reassign, extend, close …: the same rules as the bot's buttons."""
    item = await check_act(
        s,
        clock=rt.clock,
        item_id=item_id,
        action=action,
        actor=actor,
        version=body.version,
        data=ActionInput(
            assignee_id=body.assignee_id,
            text=body.text,
            reason=body.reason,
            days=body.days,
            target_item_id=body.target_item_id,
            rating=body.rating,
            body_id=body.body_id,
        ),
    )
    return ItemPublic.model_validate(item, from_attributes=True)


@router.post("/{item_id}/follow-up", status_code=201, response_model=ItemPublic)
async def follow_up(
    item_id: ItemId,
    body: FollowUpCreate,
    s: Session,
    rt: Rt,
    actor: Annotated[Actor, Depends(require(*REGISTRARS))],
) -> ItemPublic:
    """A repeated appeal: a new 59-ФЗ appeal of the same citizen, linked to this one."""
    item = await check_follow_up(
        s,
        clock=rt.clock,
        item_id=item_id,
        actor=actor,
        text=body.text,
        received_at=body.received_at,
    )
    return await public_item(s, item)


async def public_item(s: AsyncSession, item: Item) -> ItemPublic:
    """One item with whether its deadlines rest on an assumed calendar."""
    out = ItemPublic.model_validate(item, from_attributes=True)
    out.calendar_assumed = await get_deadlines_assumed(s, item=item)
    return out
