"""An appeal's answer goes out only once signed: the assignee drafts it, the head, the глава or a
staff member authorised to sign (staff.signs) signs it, which sends the letter, or returns it."""

from models import Appeal, AppealOutcome, ItemKind, Role, Staff
from workflows.core.errors import Invalid
from workflows.items.appeal.letters import do_letter_citizen
from workflows.items.context import MunicipalityContext
from workflows.items.effects import MAX_REASON, Call, Effect, clean_text


def approvers(ctx: MunicipalityContext) -> list[Staff]:
    """Who may sign an appeal's answer: the heads, the глава, and the staff who sign."""
    d = ctx.directory
    found = [*d.by_role.get(Role.head, []), *d.by_role.get(Role.glava, [])]
    ids = {s.id for s in found}
    return found + [s for s in d.by_id.values() if s.signs and s.id not in ids]


async def draft_answer(c: Call) -> Effect:
    """The answer, kept as a draft until it is signed; the approvers are asked to sign."""
    if c.item.kind is not ItemKind.appeal_59fz:
        raise Invalid("на подпись отправляется ответ на обращение 59-ФЗ; здесь ответьте сразу")
    text = clean_text(c.data.text, what="ответ заявителю")
    e = Effect.empty()
    e.changes = {"answer_text": text}
    e.staff += [(s.id or 0, "answer_signoff", {}) for s in approvers(c.ctx) if s.id != c.actor.id]
    e.data = {"answer": text}
    return e


async def sign_answer(c: Call) -> Effect:
    """Signed: the answer is given, the letter goes to the citizen, the event keeps the text."""
    item = c.item
    text = item.answer_text
    if not text:
        raise Invalid("ответа на подписи нет: вернуть на доработку и составить ответ заново")
    appeal = await c.session.get(Appeal, item.id) or Appeal(item_id=item.id or 0)
    appeal.signed_by_id, appeal.signed_at = c.actor.id, c.now
    appeal.outcome = AppealOutcome.answered
    c.session.add(appeal)
    letter = await do_letter_citizen(
        c.session, ctx=c.ctx, item=item, kind="answer", facts={"answer": text}, now=c.now
    )
    signer = c.ctx.directory.by_id.get(c.actor.id or -1)
    e = Effect.empty()
    e.changes = {"answered_at": c.now}
    if item.assignee_id is not None and item.assignee_id != c.actor.id:
        e.staff.append((item.assignee_id, "answer_signed", {}))
    e.data = {
        "answer": text,
        "signed_by_id": c.actor.id,
        "signed_by": signer.name if signer else None,
        "signed_by_position": signer.position if signer else None,
        "letter_id": letter.id if letter else None,
        "letter_number": letter.number if letter else None,
    }
    return e


async def return_answer(c: Call) -> Effect:
    """Not signed: back to the assignee with what to change; the draft stays for them to edit."""
    reason = clean_text(c.data.reason, what="что исправить в ответе", limit=MAX_REASON)
    e = Effect.empty()
    if c.item.assignee_id is not None:
        e.staff.append((c.item.assignee_id, "answer_returned", {"reason": reason}))
    e.data = {"reason": reason}
    return e
