"""The 59-ФЗ actions' handlers, gathered for the lifecycle's table (workflows/items/actions.py).
Each module of this package contributes the handlers of its own actions."""

from workflows.core.errors import Invalid
from workflows.items.appeal import forwarding, outcomes, signoff
from workflows.items.effects import Call, Effect, Handler
from workflows.items.transitions import Action


async def _not_yet(c: Call) -> Effect:  # replaced module by module as the path lands (issue 13)
    raise Invalid("это действие по обращениям 59-ФЗ пока недоступно")


APPEAL_HANDLERS: dict[Action, Handler] = {
    Action.register: _not_yet,
    Action.forward: forwarding.forward,
    Action.leave_anonymous: outcomes.leave_anonymous,
    Action.mark_unclear: outcomes.mark_unclear,
    Action.mark_abusive: outcomes.mark_abusive,
    Action.stop_correspondence: outcomes.stop_correspondence,
    Action.draft_answer: signoff.draft_answer,
    Action.sign_answer: signoff.sign_answer,
    Action.return_answer: signoff.return_answer,
}
