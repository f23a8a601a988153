"""Auto-routing: ordered rules on sector, keywords (matched on lemmas), locality, channel and kind."""

from collections.abc import Mapping

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, Role, RoutingRule, Staff
from workflows.core.directory import Directory
from workflows.core.words import keyword_lemmas, lemma, lemmas

__all__ = ["find_rule", "get_route", "keeps_sector", "keyword_lemmas", "lemma", "lemmas", "matches"]


def matches(rule: RoutingRule, item: Item, text_lemmas: set[str]) -> bool:
    """Every condition the rule sets must hold; a keyword phrase matches when all its lemmas occur."""
    if rule.sector_id is not None and rule.sector_id != item.sector_id:
        return False
    if rule.locality_id is not None and rule.locality_id != item.locality_id:
        return False
    if rule.channel is not None and rule.channel != item.channel:
        return False
    if rule.kind is not None and rule.kind != item.kind:
        return False
    if rule.keywords:
        return any(set(k.split()) <= text_lemmas for k in rule.keywords)
    return True


def keeps_sector(rule: RoutingRule, item: Item, staff: Mapping[int, Staff]) -> bool:
    """An item registered under a sector stays there: a rule may route it if it names that sector
    or, naming none, hands the item to someone of that sector."""
    if item.sector_id is None or rule.sector_id is not None:  # `matches` compares the sectors
        return True
    assignee = staff.get(rule.assignee_id)
    return assignee is not None and assignee.sector_id == item.sector_id


async def find_rule(
    session: AsyncSession, *, item: Item, staff: Mapping[int, Staff]
) -> RoutingRule | None:
    """The first active rule, in order, that the item matches and that keeps its sector (so
    «контейнеры у школы» sent under ТКО is not carried off to education by «школа»); `staff`
    are the municipality's active staff by id. None: the caller decides where it goes."""
    rules = await session.exec(
        select(RoutingRule)
        .where(RoutingRule.municipality_id == item.municipality_id, col(RoutingRule.active))
        .order_by(col(RoutingRule.position), col(RoutingRule.id))
    )
    text_lemmas = lemmas(item.text + " " + (item.place_text or ""))
    for rule in rules:
        if matches(rule, item, text_lemmas) and keeps_sector(rule, item, staff):
            return rule
    return None


async def get_route(session: AsyncSession, *, directory: Directory, item: Item) -> int | None:
    """Who a new item goes to: the first rule's assignee; an item of a sector no rule routes goes
    to that sector's lead (the longest-standing, if several); None leaves it to triage."""
    staff = directory.by_id
    rule = await find_rule(session, item=item, staff=staff)
    if rule is not None and rule.assignee_id in staff:
        return rule.assignee_id
    leads = directory.leads.get(item.sector_id or -1, [])
    return min(lead.id or 0 for lead in leads) if leads else None


def triage_desk(directory: Directory, item: Item) -> list[Staff]:
    """Who triages a new item: the operators, and for a ПОС item the officer for ПОС beside them."""
    desk = list(directory.by_role.get(Role.operator, []))
    if item.channel is Channel.pos:
        desk += [s for s in directory.by_role.get(Role.pos_officer, []) if s not in desk]
    return desk
