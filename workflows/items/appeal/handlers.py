"""The 59-ФЗ actions' handlers, gathered for the lifecycle's table (workflows/items/actions.py).
Each module of this package contributes the handlers of its own actions."""

from workflows.items.appeal import forwarding, outcomes, signoff
from workflows.items.appeal.registration import register
from workflows.items.effects import Handler
from workflows.items.transitions import Action

APPEAL_HANDLERS: dict[Action, Handler] = {
    Action.register: register,
    Action.forward: forwarding.forward,
    Action.leave_anonymous: outcomes.leave_anonymous,
    Action.mark_unclear: outcomes.mark_unclear,
    Action.mark_abusive: outcomes.mark_abusive,
    Action.stop_correspondence: outcomes.stop_correspondence,
    Action.draft_answer: signoff.draft_answer,
    Action.sign_answer: signoff.sign_answer,
    Action.return_answer: signoff.return_answer,
}
