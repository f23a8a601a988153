"""Invites bind a Telegram account once; tokens are stored hashed and can be refused."""

from datetime import timedelta

import pytest
from sqlmodel import select

from models import ApiToken, Role, Staff
from tests.helpers import staff
from workflows.core.errors import Forbidden, Invalid
from workflows.staff.invites import check_create_invite, check_redeem_invite
from workflows.staff.tokens import check_create_token, get_token_actor


async def test_invite_binds_once_and_expires(sm, clock, muni):
    water = await staff(sm, "water")
    async with sm() as s:
        code = await check_create_invite(s, staff_id=water.id, now=clock.now())
    async with sm() as s:
        binding = await check_redeem_invite(s, code=code, telegram_id=555, now=clock.now())
    assert binding.staff_id == water.id and binding.role is Role.recipient
    assert (await staff(sm, "water")).telegram_id == 555
    async with sm() as s:
        with pytest.raises(Invalid, match="недействительно"):
            await check_redeem_invite(s, code=code, telegram_id=777, now=clock.now())
        late = await check_create_invite(s, staff_id=water.id, now=clock.now())
    async with sm() as s:
        with pytest.raises(Invalid):
            await check_redeem_invite(
                s, code=late, telegram_id=777, now=clock.now() + timedelta(days=4)
            )
    assert (await staff(sm, "water")).telegram_id == 555


async def test_a_new_invite_voids_the_old_one(sm, clock, muni):
    water = await staff(sm, "water")
    async with sm() as s:
        first = await check_create_invite(s, staff_id=water.id, now=clock.now())
        second = await check_create_invite(s, staff_id=water.id, now=clock.now())
    async with sm() as s:
        with pytest.raises(Invalid):
            await check_redeem_invite(s, code=first, telegram_id=1, now=clock.now())
        await check_redeem_invite(s, code=second, telegram_id=1, now=clock.now())


async def test_tokens_are_hashed_and_inactive_staff_refused(sm, clock, muni):
    heat = await staff(sm, "heat")
    async with sm() as s:
        token = await check_create_token(
            s,
            name="t",
            role=Role.recipient,
            municipality_id=muni,
            staff_id=heat.id,
            now=clock.now(),
        )
        stored = (await s.exec(select(ApiToken))).one()
    assert token not in stored.token_hash
    async with sm() as s:
        assert (await get_token_actor(s, token=token)).id == heat.id
        row = await s.get(Staff, heat.id)
        row.active = False
        await s.commit()
    async with sm() as s:
        with pytest.raises(Forbidden):
            await get_token_actor(s, token=token)
        with pytest.raises(Forbidden):
            await get_token_actor(s, token=token + "x")
