"""Which step takes an event: staff and citizens have their own journeys; within each, the
dialog's state decides, and commands are commands everywhere (never taken as free text)."""

from models import Channel
from workflows.conversation import citizen, municipality, report, staff
from workflows.conversation.engine import Step, Turn
from workflows.conversation.parts import Command, Pressed, Text
from workflows.texts import citizen as tc

MENU = {tc.MENU_REPORT: "report", tc.MENU_MINE: "mine", tc.MENU_HELP: "help"}
STEPS: dict[str, Step] = {s.name: s for s in (*report.STEPS, *citizen.STEPS, *staff.STEPS)}


async def route(t: Turn) -> None:
    ev = t.event
    if isinstance(ev, Text) and ev.text.strip() == tc.CANCEL:  # the standing keyboard's button
        ev = t.event = Command("cancel")
    joining = isinstance(ev, Command) and ev.name == "start" and len(ev.args) > 10
    if isinstance(ev, Command) and joining and t.chat.channel is Channel.telegram:
        # staff work in Telegram only: an invite opened in VK is an ordinary /start
        await staff.join(t, ev.args)  # an invite link: whoever opens it becomes that staff member
        return
    if t.staff is not None:
        await staff.route(t, STEPS.get(t.state or ""))
        return
    if not await municipality.settled(t):  # a shared bot: which municipality, first
        return
    step = STEPS.get(t.state or "")
    if step is not None and step.who != "citizen":
        t.end()  # a staff dialog left behind by an account that is no longer staff
        step = None
    if isinstance(ev, Command):
        await citizen.command(t, ev, in_dialog=step is not None)
    elif isinstance(ev, Text) and ev.text.strip() in MENU:
        await citizen.menu(t, MENU[ev.text.strip()], in_dialog=step is not None)
    elif isinstance(ev, Pressed) and not (step and ev.choice.act in step.choices):
        await citizen.pressed_anywhere(t, ev)
    elif step is not None:
        await step.handle(t)
    else:
        await citizen.idle(t)
