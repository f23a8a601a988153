"""Public posts found by monitoring, over HTTP: the candidates with their score and reasons,
the operator's accept and dismiss, and an incident's posts merged or split by hand."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import Caller, Rt, Session
from api.refusals import refusals
from api.schemas import MAX_ID, ItemPublic
from models import SocialPost, SocialStatus
from workflows.core.errors import NotFound
from workflows.incidents.handwork import check_merge_incidents, check_split
from workflows.incidents.incidents import Placed, check_accept, check_dismiss
from workflows.incidents.queries import get_candidates, get_incident_posts
from workflows.items.access import access_item

router = APIRouter(prefix="/api/v1/social", tags=["social"], responses=refusals(401, 403, 404, 422))
PostId = Annotated[int, Path(gt=0, le=MAX_ID, description="id публикации (socialpost)")]
ItemId = Annotated[int, Path(gt=0, le=MAX_ID, description="id инцидента")]


class ReasonPublic(BaseModel):
    signal: str = Field(
        description="problem, sector, locality, elsewhere, advert, greeting, news, question, "
        "learned (a word the operator's past decisions weigh)"
    )
    word: str
    sector: str | None = None
    weight: float | None = Field(default=None, description="a learned word's adjustment")


class PostPublic(BaseModel):
    id: int
    municipality_id: int
    source: str
    owner_id: int
    post_id: int
    comment_id: int = Field(description="0 — сама запись, иначе комментарий к ней")
    posted_at: datetime
    text: str
    link: str
    score: float
    reasons: list[ReasonPublic]
    status: SocialStatus
    item_id: int | None
    auto: bool
    decided_by_id: int | None
    decided_at: datetime | None


class PostPage(BaseModel):
    total: int
    posts: list[PostPublic]


class Placement(BaseModel):
    post: PostPublic
    incident: ItemPublic
    opened: bool = Field(description="публикация открыла новый инцидент")
    similarity: float | None = Field(description="сходство с инцидентом, к которому добавлена")


class MergeBody(BaseModel):
    into_item_id: int = Field(gt=0, le=MAX_ID, description="инцидент, который остаётся")


def _post(row: SocialPost) -> PostPublic:
    data: dict[str, Any] = row.model_dump()
    return PostPublic.model_validate(data)


def _placement(placed: Placed) -> Placement:
    return Placement(
        post=_post(placed.post),
        incident=ItemPublic.model_validate(placed.item, from_attributes=True),
        opened=placed.opened,
        similarity=placed.similarity,
    )


@router.get("/posts", response_model=PostPage)
async def list_posts(
    s: Session,
    actor: Caller,
    municipality_id: Annotated[int, Query(gt=0, le=MAX_ID)],
    status: SocialStatus = SocialStatus.candidate,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PostPage:
    """Posts and comments read from the watched walls, best score first: by default the
    candidates waiting for the operator, with the words that matched."""
    if not actor.sees_municipality(municipality_id):
        raise NotFound(f"муниципалитет {municipality_id} не найден")
    rows, total = await get_candidates(
        s, municipality_id=municipality_id, status=status, limit=limit, offset=offset
    )
    return PostPage(total=total, posts=[_post(r) for r in rows])


@router.post("/posts/{post_id}/accept", response_model=Placement)
async def accept_post(post_id: PostId, s: Session, rt: Rt, actor: Caller) -> Placement:
    """A local problem: the post joins the open incident about it, or opens one."""
    return _placement(await check_accept(s, clock=rt.clock, post_id=post_id, actor=actor))


@router.post("/posts/{post_id}/dismiss", response_model=PostPublic)
async def dismiss_post(post_id: PostId, s: Session, rt: Rt, actor: Caller) -> PostPublic:
    """Not a local problem (an advert, news, another village); the decision teaches the score."""
    return _post(await check_dismiss(s, clock=rt.clock, post_id=post_id, actor=actor))


@router.post("/posts/{post_id}/split", response_model=Placement)
async def split_post(post_id: PostId, s: Session, rt: Rt, actor: Caller) -> Placement:
    """The post is about another problem: it leaves its incident and opens its own."""
    return _placement(await check_split(s, clock=rt.clock, post_id=post_id, actor=actor))


@router.get("/incidents/{item_id}/posts", response_model=PostPage)
async def incident_posts(item_id: ItemId, s: Session, actor: Caller) -> PostPage:
    """Every post and comment of an incident with its link, the first (where the answer goes)
    first."""
    await access_item(s, item_id=item_id, actor=actor)
    rows = await get_incident_posts(s, item_id=item_id)
    return PostPage(total=len(rows), posts=[_post(r) for r in rows])


@router.post("/incidents/{item_id}/merge", response_model=ItemPublic)
async def merge_incident(
    item_id: ItemId, body: MergeBody, s: Session, rt: Rt, actor: Caller
) -> ItemPublic:
    """One problem opened twice: this incident's posts move to `into_item_id`; this one closes
    as merged."""
    kept = await check_merge_incidents(
        s, clock=rt.clock, item_id=item_id, into_id=body.into_item_id, actor=actor
    )
    return ItemPublic.model_validate(kept, from_attributes=True)
