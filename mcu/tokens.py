"""API tokens from the command line: issue (mcu/admin.py), list and revoke them."""

from typing import Annotated

import typer

from mcu.admin import token_create
from mcu.common import CLI_ADMIN, run_step
from models import ApiToken
from workflows.jobs.runtime import Runtime
from workflows.staff.tokens import check_revoke_token, get_tokens

__all__ = ["token_create", "token_list", "token_revoke"]


def _when(row: ApiToken) -> str:
    if row.revoked_at is None:
        return "действует"
    return f"отозван {row.revoked_at:%d.%m.%Y %H:%M} UTC"


def token_list() -> None:
    """Выданные токены (сам токен не показывается: хранится только его хеш)."""

    async def go(rt: Runtime) -> list[ApiToken]:
        async with rt.sm() as s:
            return await get_tokens(s, actor=CLI_ADMIN)

    rows = run_step(go)
    if not rows:
        typer.echo("Токенов нет (MCU_ADMIN_TOKEN из настроек здесь не показывается).")
    for t in rows:
        where = f"муниципалитет #{t.municipality_id}" if t.municipality_id else "все муниципалитеты"
        staff = f", сотрудник #{t.staff_id}" if t.staff_id else ""
        typer.echo(
            f"{t.id}\t{t.role.value}\t{t.name}\t{where}{staff}\t"
            f"выдан {t.created_at:%d.%m.%Y %H:%M} UTC\t{_when(t)}"
        )


def token_revoke(
    token_id: Annotated[int, typer.Argument(help="номер токена из `mcu token list`", min=0)],
) -> None:
    """Отозвать токен: API отказывает ему сразу, его сессии панели завершаются."""

    async def go(rt: Runtime) -> ApiToken:
        async with rt.sm() as s:
            return await check_revoke_token(
                s, token_id=token_id, actor=CLI_ADMIN, now=rt.clock.now()
            )

    row = run_step(go)
    typer.echo(f"Токен {row.id} «{row.name}» отозван.")
