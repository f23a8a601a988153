"""The 59-ФЗ actions' handlers, gathered for the lifecycle's table (workflows/items/actions.py).
Each module of this package contributes the handlers of its own actions."""

from workflows.core.errors import Invalid
from workflows.items.appeal import signoff
from workflows.items.appeal.registration import register
from workflows.items.effects import Call, Effect, Handler
from workflows.items.transitions import Action


async def _not_yet(c: Call) -> Effect:  # replaced module by module as the path lands (issue 13)
    raise Invalid("это действие по обращениям 59-ФЗ пока недоступно")


APPEAL_HANDLERS: dict[Action, Handler] = {
    Action.register: register,
    Action.forward: _not_yet,
    Action.leave_anonymous: _not_yet,
    Action.mark_unclear: _not_yet,
    Action.mark_abusive: _not_yet,
    Action.stop_correspondence: _not_yet,
    Action.draft_answer: signoff.draft_answer,
    Action.sign_answer: signoff.sign_answer,
    Action.return_answer: signoff.return_answer,
}
