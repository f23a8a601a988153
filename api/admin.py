"""Setup and access over HTTP: apply a setup file, read setup objects, invites, tokens."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path

from api.deps import Rt, Session, require
from api.refusals import refusals
from api.schemas import MAX_ID, TokenCreate, TokenPublic
from models import Municipality, Role, Staff
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, NotFound
from workflows.setup.apply import check_apply_setup, parse_setup
from workflows.setup.read import get_municipalities, get_setup
from workflows.staff.invites import check_create_invite
from workflows.staff.tokens import check_create_token, check_revoke_token, get_tokens

router = APIRouter(prefix="/api/v1", tags=["admin"], responses=refusals(401, 403, 404, 422))
Admin = Annotated[Actor, Depends(require(Role.admin))]
Inviter = Annotated[Actor, Depends(require(Role.admin, Role.head))]
Reader = Annotated[Actor, Depends(require(Role.admin, Role.head, Role.operator, Role.curator))]
MuniId = Annotated[int, Path(gt=0, le=MAX_ID)]
MAX_SETUP = 1_000_000
YAML_BODY = Body(media_type="application/yaml", description="файл настройки (YAML или JSON)")


@router.put("/setup")
async def apply_setup(
    s: Session,
    rt: Rt,
    actor: Admin,
    text: Annotated[str, YAML_BODY],
) -> dict[str, Any]:
    """Apply a municipality's setup file idempotently (the same file twice changes nothing)."""
    if len(text) > MAX_SETUP:
        raise HTTPException(413, f"файл настройки больше {MAX_SETUP} байт")
    spec = parse_setup(text)
    if actor.municipality_id is not None:
        own = await s.get(Municipality, actor.municipality_id)
        if own is None or own.code != spec.municipality.code:
            raise Forbidden("администратор муниципалитета настраивает только свой муниципалитет")
    report = await check_apply_setup(s, text=text, clock=rt.clock)
    return {
        "municipality_id": report.municipality_id,
        "changes": dict(report.counts),
        "summary": report.summary(),
        "warnings": report.warnings,
    }


@router.get("/municipalities")
async def list_municipalities(s: Session, actor: Reader) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in await get_municipalities(s, actor=actor)]


@router.get("/municipalities/{municipality_id}/setup")
async def read_setup(municipality_id: MuniId, s: Session, actor: Reader) -> dict[str, Any]:
    if not actor.sees_municipality(municipality_id) or not await s.get(
        Municipality, municipality_id
    ):
        raise NotFound(f"муниципалитет {municipality_id} не найден")
    return await get_setup(s, municipality_id=municipality_id)


@router.post("/staff/{staff_id}/invite", status_code=201)
async def invite_staff(
    staff_id: Annotated[int, Path(gt=0, le=MAX_ID)],
    s: Session,
    rt: Rt,
    actor: Inviter,
) -> dict[str, Any]:
    """A one-time deep link that binds the staff member's Telegram to their record."""
    staff = await s.get(Staff, staff_id)
    if staff is None or not actor.sees_municipality(staff.municipality_id):
        raise NotFound(f"сотрудник {staff_id} не найден")
    code = await check_create_invite(s, staff_id=staff_id, now=rt.clock.now())
    bot = rt.settings.telegram_bot_username
    return {
        "code": code,
        "link": f"https://t.me/{bot}?start={code}" if bot else None,
        "expires_in_days": 3,
    }


@router.post("/tokens", status_code=201)
async def create_token(body: TokenCreate, s: Session, rt: Rt, actor: Admin) -> dict[str, Any]:
    """A new API token (shown once). A municipality's admin issues tokens for it only."""
    if actor.municipality_id is not None and body.municipality_id != actor.municipality_id:
        raise Forbidden("можно выдать токен только для своего муниципалитета")
    if body.staff_id is not None:
        staff = await s.get(Staff, body.staff_id)
        if staff is None or staff.municipality_id != body.municipality_id:
            raise NotFound(f"сотрудник {body.staff_id} не найден в этом муниципалитете")
    token = await check_create_token(
        s,
        name=body.name,
        role=body.role,
        municipality_id=body.municipality_id,
        staff_id=body.staff_id,
        now=rt.clock.now(),
    )
    return {"token": token, "role": body.role, "municipality_id": body.municipality_id}


@router.get("/tokens")
async def list_tokens(s: Session, actor: Admin) -> list[TokenPublic]:
    """The tokens issued (a municipality's admin: its own), revoked ones too; never the secret."""
    return [TokenPublic.model_validate(t) for t in await get_tokens(s, actor=actor)]


@router.post("/tokens/{token_id}/revoke", responses=refusals(409))
async def revoke_token(
    token_id: Annotated[int, Path(ge=0, le=MAX_ID)], s: Session, rt: Rt, actor: Admin
) -> TokenPublic:
    """Revoke a token: refused by the API from now on, its dashboard sessions ended."""
    row = await check_revoke_token(s, token_id=token_id, actor=actor, now=rt.clock.now())
    return TokenPublic.model_validate(row)
