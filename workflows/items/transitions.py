"""The lifecycle as one explicit table: action, the states it leaves, the state it enters, who may."""

from dataclasses import dataclass
from enum import StrEnum

from models import Channel, ItemKind, PlaceKind
from models import ItemStatus as S
from models.enums import OPEN_STATUSES


class Action(StrEnum):
    assign = "assign"
    reassign = "reassign"
    take = "take"
    ask_clarification = "ask_clarification"
    clarify = "clarify"
    add_details = "add_details"
    answer = "answer"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    deny_extension = "deny_extension"
    extend = "extend"
    redirect = "redirect"
    reject = "reject"
    merge = "merge"
    close = "close"
    confirm = "confirm"
    rate = "rate"
    reopen = "reopen"
    # An item merged into another gets the other's answer (the system does it, on that answer).
    share_answer = "share_answer"
    # 59-ФЗ appeals (workflows/items/appeal/): registration, forwarding, the outcomes of ст. 11,
    # the answer's sign-off.
    register = "register"
    forward = "forward"
    leave_anonymous = "leave_anonymous"
    mark_unclear = "mark_unclear"
    mark_abusive = "mark_abusive"
    stop_correspondence = "stop_correspondence"
    draft_answer = "draft_answer"
    sign_answer = "sign_answer"
    return_answer = "return_answer"


class Who(StrEnum):
    """Relations to an item, not just roles: scope is part of who may act."""

    assignee = "assignee"  # the recipient the item is assigned to
    sector_lead = "sector_lead"  # lead of the item's sector
    operator = "operator"
    head = "head"
    admin = "admin"
    citizen = "citizen"  # the citizen who sent the item
    system = "system"
    glava = "glava"  # the head of the municipality
    pos_officer = "pos_officer"  # registers and coordinates ПОС and paper appeals
    signer = "signer"  # authorised to sign off 59-ФЗ answers (staff.signs)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[S]
    target: S | None  # None: the status stays
    who: frozenset[Who]


OPEN = OPEN_STATUSES
WORKING = frozenset({S.assigned, S.in_progress, S.clarification, S.reopened})
STAFF = frozenset({Who.sector_lead, Who.operator, Who.head, Who.admin})
W = Who
REGISTRY = frozenset({W.operator, W.head, W.admin, W.pos_officer})  # who registers appeals
APPROVERS = frozenset({W.head, W.glava, W.signer})  # who signs off an appeal's answer

TABLE: dict[Action, Transition] = {
    Action.assign: Transition(frozenset({S.new}), S.assigned, STAFF | {W.system}),
    Action.reassign: Transition(WORKING, S.assigned, STAFF | {W.assignee, W.system}),
    Action.take: Transition(
        frozenset({S.new, S.assigned, S.reopened}), S.in_progress, STAFF | {W.assignee}
    ),
    Action.ask_clarification: Transition(
        frozenset({S.in_progress}), S.clarification, STAFF | {W.assignee}
    ),
    Action.clarify: Transition(
        frozenset({S.clarification}), S.in_progress, frozenset({W.citizen, W.operator})
    ),
    Action.add_details: Transition(OPEN | {S.answered}, None, frozenset({W.citizen, W.operator})),
    Action.answer: Transition(
        frozenset({S.in_progress, S.clarification}), S.answered, STAFF | {W.assignee}
    ),
    Action.request_extension: Transition(WORKING, None, STAFF | {W.assignee}),
    Action.approve_extension: Transition(WORKING, None, frozenset({W.head})),
    Action.deny_extension: Transition(WORKING, None, frozenset({W.head})),
    Action.extend: Transition(WORKING, None, STAFF),
    Action.redirect: Transition(OPEN, S.redirected, STAFF | {W.assignee}),
    Action.reject: Transition(OPEN, S.rejected, STAFF | {W.assignee}),
    Action.merge: Transition(OPEN, S.merged, STAFF),
    Action.close: Transition(frozenset({S.answered}), S.closed, STAFF | {W.assignee, W.system}),
    Action.confirm: Transition(frozenset({S.answered}), S.closed, frozenset({W.citizen})),
    Action.rate: Transition(frozenset({S.answered, S.closed}), None, frozenset({W.citizen})),
    Action.reopen: Transition(
        frozenset({S.answered, S.closed}), S.reopened, frozenset({W.citizen, W.head, W.operator})
    ),
    # The merged item moves to answered with the original's answer: its citizen confirms, rates
    # or reopens it as their own item, separately from the original's citizen.
    Action.share_answer: Transition(frozenset({S.merged}), S.answered, frozenset({W.system})),
    # The handler routes it as registration does: assigned by the rules, or new for triage.
    Action.register: Transition(frozenset({S.received}), None, REGISTRY | {W.system}),
    Action.forward: Transition(OPEN, S.redirected, STAFF | REGISTRY | {W.assignee}),
    Action.leave_anonymous: Transition(OPEN, S.rejected, STAFF | REGISTRY | {W.assignee}),
    Action.mark_unclear: Transition(OPEN, S.rejected, STAFF | REGISTRY | {W.assignee}),
    Action.mark_abusive: Transition(OPEN, S.rejected, STAFF | REGISTRY | {W.assignee}),
    Action.stop_correspondence: Transition(OPEN, S.rejected, frozenset({W.head, W.glava})),
    Action.draft_answer: Transition(
        frozenset({S.in_progress, S.clarification}), S.signoff, STAFF | {W.assignee}
    ),
    Action.sign_answer: Transition(frozenset({S.signoff}), S.answered, APPROVERS),
    Action.return_answer: Transition(frozenset({S.signoff}), S.in_progress, APPROVERS),
}

# Actions that only make sense for one kind: the law's outcomes and the answer's sign-off for
# appeals, while an appeal is forwarded with letters (ст. 8 ч. 3) instead of redirected, answered
# through sign-off, and a repeat is a new appeal. Cards never offer the rest.
APPEAL_ONLY = frozenset(
    {
        Action.forward,
        Action.leave_anonymous,
        Action.mark_unclear,
        Action.mark_abusive,
        Action.stop_correspondence,
        Action.draft_answer,
        Action.sign_answer,
        Action.return_answer,
    }
)
NOT_FOR_APPEALS = frozenset({Action.redirect, Action.answer, Action.reopen, Action.merge})


def fits_kind(action: Action, kind: ItemKind) -> bool:
    """Whether an action applies to items of this kind at all."""
    if kind is ItemKind.appeal_59fz:
        return action not in NOT_FOR_APPEALS
    return action not in APPEAL_ONLY


# How reports, exports and the weekly note name an item's channel and kind.
CHANNEL_RU: dict[Channel, str] = {
    Channel.telegram: "Telegram",
    Channel.vk: "ВКонтакте",
    Channel.api: "API",
    Channel.paper: "бумага",
    Channel.pos: "ПОС",
    Channel.cli: "консоль администратора",
    Channel.console: "консоль",
    Channel.system: "система",
    Channel.email: "электронная почта",
}
# The citizen's «Где это?», as the summary and the staff card name it.
PLACE_KIND_RU: dict[PlaceKind, str] = {
    PlaceKind.house: "дом, подъезд",
    PlaceKind.flat: "квартира",
    PlaceKind.yard: "двор",
    PlaceKind.street: "улица, дорога",
    PlaceKind.park: "парк, сквер",
    PlaceKind.other: "другое место",
}
KIND_RU: dict[ItemKind, str] = {
    ItemKind.message: "сообщение",
    ItemKind.appeal_59fz: "обращение 59-ФЗ",
    ItemKind.incident: "инцидент",
}

# «по сообщению …», «по обращению …»: refusals name the item in the dative, which agrees
# whatever the kind (no «уже изменилось» said of an incident).
KIND_DATIVE: dict[ItemKind, str] = {
    ItemKind.message: "сообщению",
    ItemKind.appeal_59fz: "обращению",
    ItemKind.incident: "инциденту",
}

STATUS_RU: dict[S, str] = {
    S.received: "поступило, ждёт регистрации",
    S.new: "новое, ждёт распределения",
    S.assigned: "назначено исполнителю",
    S.in_progress: "в работе",
    S.clarification: "запрошено уточнение",
    S.signoff: "ответ на подписи",
    S.answered: "дан ответ",
    S.closed: "закрыто",
    S.redirected: "перенаправлено",
    S.rejected: "отклонено",
    S.merged: "объединено с другим",
    S.reopened: "открыто повторно",
}

ACTION_RU: dict[Action, str] = {
    Action.assign: "назначить",
    Action.reassign: "передать другому",
    Action.take: "взять в работу",
    Action.ask_clarification: "запросить уточнение",
    Action.clarify: "уточнить",
    Action.add_details: "дополнить",
    Action.answer: "ответить",
    Action.request_extension: "запросить продление",
    Action.approve_extension: "одобрить продление",
    Action.deny_extension: "отказать в продлении",
    Action.extend: "продлить срок",
    Action.redirect: "перенаправить",
    Action.reject: "отклонить",
    Action.merge: "объединить",
    Action.close: "закрыть",
    Action.confirm: "подтвердить решение",
    Action.rate: "оценить",
    Action.reopen: "открыть повторно",
    Action.share_answer: "передать ответ объединённому сообщению",
    Action.register: "зарегистрировать",
    Action.forward: "переадресовать в компетентный орган",
    Action.leave_anonymous: "оставить без ответа: анонимное",
    Action.mark_unclear: "оставить без ответа: текст не читается или неясен",
    Action.mark_abusive: "оставить без ответа по существу: оскорбления или угрозы",
    Action.stop_correspondence: "прекратить переписку",
    Action.draft_answer: "отправить ответ на подпись",
    Action.sign_answer: "подписать ответ",
    Action.return_answer: "вернуть ответ на доработку",
}
