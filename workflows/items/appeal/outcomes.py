"""The outcomes of 59-ФЗ ст. 11 as explicit actions: anonymous (ч. 1), abusive (ч. 3),
unreadable or unclear (ч. 4, 4.1), correspondence stopped (ч. 5). Each closes the appeal with
its reason and writes the letter the law requires, when the citizen can be reached."""

from datetime import timedelta
from typing import Any

from models import Appeal, AppealOutcome, Item, ItemKind
from workflows.core.errors import Invalid, NotFound
from workflows.items.appeal.basis import Standing, days_late, get_standing, letter_date
from workflows.items.effects import MAX_REASON, Call, Effect, clean_text
from workflows.items.transitions import Action
from workflows.notifications.letters import do_write_letter

UNCLEAR_DAYS = 7  # ст. 11 ч. 4: the citizen is told within seven days of registration
# data.reason of mark_unclear starts with which part of ст. 11 applies; what follows a colon is
# the staff's explanation, quoted in the letter.
UNCLEAR_WHY = {
    "unreadable": "Текст обращения не поддаётся прочтению.",
    "unclear": "Из текста обращения невозможно установить суть предложения, заявления или жалобы.",
}
UNCLEAR_HOW = (
    "укажите в reason, что именно: «unreadable» — текст не поддаётся прочтению (ч. 4 ст. 11) "
    "или «unclear» — невозможно понять суть (ч. 4.1); после двоеточия можно пояснить для "
    "гражданина, например «unclear: не указано, о каком доме идёт речь»"
)


async def _closing(
    c: Call, standing: Standing, outcome: AppealOutcome, reason: str, letter: str | None = None
) -> Effect:
    standing.appeal.outcome = outcome
    c.session.add(standing.appeal)
    e = Effect.empty()
    e.changes = {"closed_at": c.now, "resolution_reason": reason}
    e.data = {"outcome": str(outcome)}
    if letter is not None:
        e.data["letter_ids"] = [await _letter(c, standing, letter)]
    return e


async def _letter(c: Call, standing: Standing, kind: str, **facts: Any) -> int | None:
    """The citizen's letter of `kind`; nothing (None) when there is no reply address."""
    if standing.addressee is None:
        return None
    row = await do_write_letter(
        c.session,
        item=c.item,
        kind=kind,
        facts={"registered_date": letter_date(c, c.item.registered_at), **facts},
        to=standing.addressee,
        now=c.now,
    )
    return row.id


async def leave_anonymous(c: Call) -> Effect:
    """ч. 1: no surname or reply address, so no answer (an offence reported goes by `forward`)."""
    standing = await get_standing(c, Action.leave_anonymous)
    if not standing.anonymous:
        raise Invalid(
            f"обращение {c.item.number} не анонимное: в нём есть фамилия и адрес для ответа, "
            "а часть 1 статьи 11 59-ФЗ — только для обращений без них. Ответьте по существу "
            "или переадресуйте в компетентный орган."
        )
    reason = clean_text(
        c.data.reason, what="почему обращение оставлено без ответа", limit=MAX_REASON
    )
    return await _closing(c, standing, AppealOutcome.anonymous, reason)


async def mark_unclear(c: Call) -> Effect:
    """ч. 4 / 4.1: no answer; the citizen is told why within 7 days (later: recorded, head told)."""
    standing = await get_standing(c, Action.mark_unclear)
    reason = clean_text(c.data.reason, what=f"причина: {UNCLEAR_HOW}", limit=MAX_REASON)
    code, _, note = reason.partition(":")
    if code.strip().lower() not in UNCLEAR_WHY:
        raise Invalid(UNCLEAR_HOW)
    why = UNCLEAR_WHY[code.strip().lower()] + (f" {note.strip()}" if note.strip() else "")
    e = await _closing(c, standing, AppealOutcome.unclear, reason)
    letter = await _letter(c, standing, "unclear", why=why)
    e.data |= {"part": "4" if code.strip().lower() == "unreadable" else "4.1"}
    if letter is not None:
        e.data["letter_ids"] = [letter]
    late = days_late(c, c.item.registered_at + timedelta(days=UNCLEAR_DAYS))
    if late is not None:
        e.data |= {"late": True, "days": late}
        e.heads.append(("unclear_late", {"days": late}))
    return e


async def mark_abusive(c: Call) -> Effect:
    """ч. 3: left without an answer on the merits; the citizen is warned against abuse."""
    standing = await get_standing(c, Action.mark_abusive)
    reason = clean_text(c.data.reason, what="что в обращении недопустимо", limit=MAX_REASON)
    return await _closing(c, standing, AppealOutcome.abusive, reason, letter="abusive")


async def stop_correspondence(c: Call) -> Effect:
    """ч. 5: the head's (or глава's) decision, resting on an earlier appeal of the same citizen
    answered on the merits; the citizen is told correspondence stops."""
    standing = await get_standing(c, Action.stop_correspondence)
    reason = clean_text(c.data.reason, what="основание решения", limit=MAX_REASON)
    target = await _answered_earlier(c)
    standing.appeal.previous_item_id = standing.appeal.previous_item_id or target.id
    e = await _closing(c, standing, AppealOutcome.stopped, reason)
    letter = await _letter(c, standing, "stopped", previous_number=target.number)
    e.data |= {"target_item_id": target.id, "letter_ids": [letter] if letter else []}
    return e


async def _answered_earlier(c: Call) -> Item:
    """The earlier appeal of this citizen answered on the merits that data.target_item_id names."""
    tid = c.data.target_item_id
    target = await c.session.get(Item, tid) if tid else None
    if target is None or target.municipality_id != c.item.municipality_id:
        raise NotFound(
            "укажите в target_item_id прежнее обращение этого гражданина, на которое уже дан "
            "ответ по существу"
        )
    if target.id == c.item.id or target.kind is not ItemKind.appeal_59fz:
        raise Invalid(f"{target.number} — не прежнее обращение по 59-ФЗ: укажите другое")
    if c.item.citizen_id is None or target.citizen_id != c.item.citizen_id:
        raise Invalid(
            f"{target.number} написал другой гражданин: переписку прекращают только по "
            "повторным обращениям того же гражданина (ч. 5 ст. 11 59-ФЗ)"
        )
    row = await c.session.get(Appeal, target.id)
    # The appeal's row says whether the answer was on the merits.
    merits = row is None or row.outcome in (None, AppealOutcome.answered)
    if target.answered_at is None or not merits:
        raise Invalid(
            f"на обращение {target.number} ответ по существу не давался: переписку можно "
            "прекратить, только если гражданину уже отвечали по существу"
        )
    return target
