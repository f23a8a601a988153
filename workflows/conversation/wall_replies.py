"""The staff's buttons on an incident's answer for the wall: «Опубликовать» / «Не публиковать»
on the approval request, «Повторить» / «Не публиковать» after VK refused it. A press decides
once; a repeated or stale one says what became of the answer and changes nothing."""

from workflows.conversation.engine import Turn
from workflows.conversation.parts import Choice, Edit, Option
from workflows.core.actors import Actor
from workflows.core.errors import DomainError
from workflows.incidents.replies import APPROVE, DECLINE, RETRY, Decision, do_decide
from workflows.texts import staff as ts
from workflows.texts.words import sentence

PUBLISH, SKIP, RETRY_CODE = "wp", "wn", "wr"
DECISIONS: dict[str, tuple[Decision, str]] = {
    PUBLISH: (APPROVE, ts.REPLY_APPROVED),
    SKIP: (DECLINE, ts.REPLY_DECLINED),
    RETRY_CODE: (RETRY, ts.REPLY_RETRIED),
}


def reply_options(reply_id: int, *, failed: bool = False) -> tuple[Option, ...]:
    """The two buttons under an approval request (or under a refusal's alert)."""
    first = (
        Option(ts.REPLY_RETRY, Choice(RETRY_CODE, reply_id))
        if failed
        else Option(ts.REPLY_PUBLISH, Choice(PUBLISH, reply_id))
    )
    return first, Option(ts.REPLY_SKIP, Choice(SKIP, reply_id))


async def decide(t: Turn, choice: Choice) -> None:
    """Approve, decline or retry in a savepoint of the turn; the pressed message says the end."""
    assert t.staff is not None
    decision, done = DECISIONS[choice.act]
    actor = Actor.of_staff(t.staff, channel=t.chat.channel)
    try:
        async with t.session.begin_nested():
            await do_decide(
                t.session, reply_id=choice.a, actor=actor, clock=t.rt.clock, decision=decision
            )
    except DomainError as e:
        t.refuse(sentence(e.reason))
        return
    t.out.append(Edit((done,)))


WALL_CHOICES = dict.fromkeys(DECISIONS, decide)
