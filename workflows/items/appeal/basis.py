"""What the 59-ФЗ handlers share: the appeal row behind an item, the citizen's standing under
ст. 11 ч. 1, dates as letters write them, and lateness against a legal deadline."""

from dataclasses import dataclass
from datetime import datetime

from models import Appeal, Citizen, ItemKind
from workflows.calendar.deadlines import local_date
from workflows.core.errors import Invalid
from workflows.items.effects import Call
from workflows.items.transitions import ACTION_RU, KIND_RU, Action
from workflows.notifications.letters import Addressee, get_citizen_addressee


@dataclass(frozen=True)
class Standing:
    """The appeal and where the citizen stands: reachable for letters, named or anonymous."""

    appeal: Appeal
    citizen_name: str | None
    addressee: Addressee | None

    @property
    def anonymous(self) -> bool:
        """ст. 11 ч. 1: no surname or no reply address."""
        return self.addressee is None or not self.citizen_name


async def get_standing(c: Call, action: Action) -> Standing:
    """The appeal behind the item; a message or an incident is refused with what to do instead.
    An appeal registered before the 59-ФЗ path kept its own row gets one (no reply address)."""
    if c.item.kind is not ItemKind.appeal_59fz:
        hint = "перенаправьте его (redirect)" if action is Action.forward else "отклоните (reject)"
        raise Invalid(
            f"«{ACTION_RU[action]}» — только для обращений по 59-ФЗ, а {c.item.number} — "
            f"{KIND_RU[c.item.kind]}: {hint} с причиной."
        )
    appeal = await c.session.get(Appeal, c.item.id)
    if appeal is None:
        appeal = Appeal(item_id=c.item.id or 0)
        c.session.add(appeal)
        await c.session.flush()
    citizen = await c.session.get(Citizen, c.item.citizen_id) if c.item.citizen_id else None
    name = citizen.name if citizen is not None and citizen.erased_at is None else None
    addressee = await get_citizen_addressee(c.session, item=c.item)
    return Standing(appeal, (name or "").strip() or None, addressee)


def letter_date(c: Call, moment: datetime) -> str:
    """dd.mm.yyyy in the municipality's zone, as the letters name dates."""
    return local_date(c.ctx.calendar, moment).strftime("%d.%m.%Y")


def days_late(c: Call, due: datetime | None) -> int | None:
    """Calendar days past a legal deadline (at least 1 once it has passed); None when in time."""
    if due is None or c.now <= due:
        return None
    late = (local_date(c.ctx.calendar, c.now) - local_date(c.ctx.calendar, due)).days
    return max(late, 1)
