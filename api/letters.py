"""Letters over HTTP: the "to post" queue and the other lists, the printable DOCX, a letter
marked posted, a bounced e-mail written again for the post."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import Rt, Session, require
from api.refusals import refusals
from api.schemas import MAX_ID, LetterPublic
from models import LetterStatus
from workflows.core.actors import Actor
from workflows.items.letters import (
    LETTER_HANDLERS,
    check_copy_by_post,
    check_letter_document,
    check_mark_posted,
    check_read_letters,
)

router = APIRouter(
    prefix="/api/v1/letters", tags=["letters"], responses=refusals(401, 403, 404, 422)
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LetterId = Annotated[int, Path(gt=0, le=MAX_ID, description="id письма")]
Handler = Annotated[Actor, Depends(require(*LETTER_HANDLERS))]


@router.get("", response_model=list[LetterPublic])
async def list_letters(
    s: Session,
    rt: Rt,
    actor: Handler,
    status: LetterStatus | None = None,
    item_id: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[LetterPublic]:
    """Letters newest first; `status=to_post` is the queue of letters to print and post. The
    addressees and addresses are personal data: the read is in each item's audit log."""
    letters = await check_read_letters(
        s, actor=actor, now=rt.clock.now(), status=status, item_id=item_id, limit=limit
    )
    return [LetterPublic.model_validate(letter, from_attributes=True) for letter in letters]


@router.get(
    "/{letter_id}/document",
    response_class=Response,
    responses={200: {"content": {DOCX: {}}, "description": "письмо в DOCX для печати"}},
)
async def letter_document(letter_id: LetterId, s: Session, rt: Rt, actor: Handler) -> Response:
    """The letter as a DOCX to print (the letterhead, the addressee, the text)."""
    filename, content = await check_letter_document(
        s, letter_id=letter_id, actor=actor, now=rt.clock.now()
    )
    # A header is Latin-1: an ASCII name for old clients, the real one as RFC 5987 says.
    disposition = (
        f"attachment; filename=\"letter-{letter_id}.docx\"; filename*=UTF-8''{quote(filename)}"
    )
    return Response(content, media_type=DOCX, headers={"Content-Disposition": disposition})


@router.post("/{letter_id}/posted", response_model=LetterPublic, responses=refusals(409))
async def mark_posted(letter_id: LetterId, s: Session, rt: Rt, actor: Handler) -> LetterPublic:
    """A printed letter handed to the post: it leaves the "to post" queue."""
    letter = await check_mark_posted(s, letter_id=letter_id, actor=actor, now=rt.clock.now())
    return LetterPublic.model_validate(letter, from_attributes=True)


@router.post(
    "/{letter_id}/by-post", status_code=201, response_model=LetterPublic, responses=refusals(409)
)
async def copy_by_post(letter_id: LetterId, s: Session, rt: Rt, actor: Handler) -> LetterPublic:
    """A bounced e-mail letter written again for the post (to the postal address on record);
    returns the new letter, waiting in the "to post" queue. The original stays bounced."""
    letter = await check_copy_by_post(s, letter_id=letter_id, actor=actor, now=rt.clock.now())
    return LetterPublic.model_validate(letter, from_attributes=True)
