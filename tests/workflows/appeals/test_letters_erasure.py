"""Erasure reaches letters: to the erased citizen they lose addressee, address and text, to
bodies about their items the text (it quotes the appeal); one not yet sent is stopped; the
letters of other citizens stay as they were."""

from sqlmodel import select

from models import Channel, Citizen, CitizenIdentity, LetterStatus, ReplyBy
from tests.letters_kit import ADDRESS, EMAIL, NAME, appeal, letter, letter_setup, write
from workflows.citizens.erasure import check_erase_citizen
from workflows.citizens.scrub import ERASED


async def test_erasure_empties_the_letters_of_the_citizen(sm, clock) -> None:
    muni = await letter_setup(sm, clock)
    item = await appeal(sm, clock, muni, reply_by=ReplyBy.post)
    sent_paper = await write(sm, clock, item)
    covering = await write(sm, clock, item, to_body=True)
    other = await write(sm, clock, await appeal(sm, clock, muni))
    async with sm() as s:
        s.add(
            CitizenIdentity(citizen_id=item.citizen_id or 0, channel=Channel.vk, external_id="77")
        )
        await s.commit()
    assert NAME in covering.text

    async with sm() as s:
        done = await check_erase_citizen(s, channel=Channel.vk, external_id="77", now=clock.now())
    assert done is not None and done.letters == 2 and done.summary()["letters"] == 2

    mine = await letter(sm, sent_paper.id or 0)
    assert mine.addressee == mine.address == mine.text == ERASED
    assert mine.status is LetterStatus.bounced and "удалил" in (mine.error or "")
    body = await letter(sm, covering.id or 0)
    assert body.text == ERASED and body.addressee == "Отдел полиции"
    assert body.address == "police@example.ru" and body.status is LetterStatus.bounced
    kept = await letter(sm, other.id or 0)  # another citizen's letter: untouched
    assert kept.addressee == NAME and kept.address == EMAIL and kept.status is LetterStatus.pending
    async with sm() as s:
        citizen = (await s.exec(select(Citizen).where(Citizen.id == item.citizen_id))).one()
    assert citizen.email is None and citizen.address is None and citizen.erased_at is not None
    assert ADDRESS not in mine.text + body.text
