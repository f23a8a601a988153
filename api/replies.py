"""Incidents' answers on their way to the wall over HTTP: an item's replies, and the staff's
decisions on one (approve, decline, retry) with the same rules as the bot's buttons."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from api.deps import Caller, Rt, Session
from api.refusals import refusals
from api.schemas import MAX_ID
from models import ReplyStatus, SocialReply
from workflows.incidents.replies import (
    check_approve_reply,
    check_decline_reply,
    check_retry_reply,
    get_replies,
)
from workflows.items.access import access_item

router = APIRouter(
    prefix="/api/v1/incidents", tags=["incidents"], responses=refusals(401, 403, 404, 422)
)
ReplyId = Annotated[int, Path(gt=0, le=MAX_ID, description="id ответа для публикации")]


class ReplyPublic(BaseModel):
    """An answer to be published (or published) as the community's comment under a post."""

    id: int
    item_id: int
    answer_version: int
    owner_id: int
    post_id: int
    reply_to_comment: int | None
    text: str
    status: ReplyStatus
    attempts: int
    error: str | None
    comment_id: int | None
    decided_by_id: int | None
    created_at: datetime
    sent_at: datetime | None


class Decision(StrEnum):
    approve = "approve"  # awaiting -> approved: it is sent next
    decline = "decline"  # awaiting or failed -> declined: never published
    retry = "retry"  # failed -> approved: sent again (the comments were opened, say)


Decide = Callable[..., Awaitable[SocialReply]]
DECIDE: dict[Decision, Decide] = {
    Decision.approve: check_approve_reply,
    Decision.decline: check_decline_reply,
    Decision.retry: check_retry_reply,
}


def public(reply: SocialReply) -> ReplyPublic:
    return ReplyPublic.model_validate(reply, from_attributes=True)


@router.get("/replies", response_model=list[ReplyPublic])
async def list_replies(
    s: Session,
    actor: Caller,
    item_id: Annotated[int, Query(gt=0, le=MAX_ID, description="id инцидента")],
) -> list[ReplyPublic]:
    """An incident's answers for the wall, oldest first."""
    await access_item(s, item_id=item_id, actor=actor)
    return [public(r) for r in await get_replies(s, item_id=item_id)]


@router.post("/replies/{reply_id}/{decision}", response_model=ReplyPublic, responses=refusals(409))
async def decide_reply(
    reply_id: ReplyId, decision: Decision, s: Session, rt: Rt, actor: Caller
) -> ReplyPublic:
    """Approve, decline or retry publishing an answer (operator, head or admin of its
    municipality); a reply not in a state for it is a 409 and nothing changes."""
    return public(await DECIDE[decision](s, reply_id=reply_id, actor=actor, clock=rt.clock))
