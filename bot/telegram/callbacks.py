"""Typed button payloads (≤ 64 bytes: ids and short codes only, never Russian text)."""

from aiogram.filters.callback_data import CallbackData


class ItemAct(CallbackData, prefix="a"):
    """A staff action on an item at the version the card showed."""

    item: int
    v: int
    act: str  # short code, see STAFF_ACTIONS


class PickStaff(CallbackData, prefix="p"):
    """Reassign: the person picked."""

    item: int
    v: int
    staff: int


class PickDays(CallbackData, prefix="d"):
    """Extension: the number of days picked."""

    item: int
    v: int
    days: int


class Sector(CallbackData, prefix="s"):
    id: int  # 0: «не знаю»


class Locality(CallbackData, prefix="l"):
    id: int  # 0: typed address or location instead


class Citizen(CallbackData, prefix="c"):
    """A citizen's button: consent, report steps, feedback on an answer."""

    act: str
    item: int = 0
    arg: int = 0


class Page(CallbackData, prefix="g"):
    what: str  # inbox or mine
    n: int


class Stats(CallbackData, prefix="st"):
    """/stats: the charts and workbook of a week."""

    week: str  # 2026-W47
