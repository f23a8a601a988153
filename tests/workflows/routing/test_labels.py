"""Labels from the centre's decisions: the sector staff finally chose, read from the events."""

import pytest

from models import ItemStatus
from tests.helpers import act, actor, register, staff
from workflows.items.transitions import Action
from workflows.routing.labels import Step, final_sector, get_examples

S = ItemStatus


@pytest.mark.parametrize(
    ("steps", "label"),
    [
        ([Step("assign", False, "roads")], "roads"),  # the operator's triage
        ([Step("assign", False, "roads"), Step("reassign", False, "zhkh")], "zhkh"),
        ([Step("assign", False, "roads"), Step("reassign", False, None)], "roads"),  # to the head
        ([Step("assign", False, "roads"), Step("redirect", False, to_status=S.redirected)], None),
        ([Step("assign", True, "zhkh")], None),  # the system's guess, never answered
        ([Step("assign", True, "zhkh"), Step("answer", False, to_status=S.answered)], "zhkh"),
        (
            [
                Step("assign", True, "zhkh"),  # routed by the model, then moved by staff
                Step("reassign", False, "roads"),
                Step("answer", False, to_status=S.answered),
            ],
            "roads",
        ),
        (
            [
                Step("assign", True, "zhkh"),
                Step("redirect", False, to_status=S.redirected),
                Step("answer", False, to_status=S.answered),
            ],
            None,
        ),
        ([Step("register", True, to_status=S.new)], None),
    ],
)
def test_the_final_sector_of_a_timeline(steps: list[Step], label: str | None) -> None:
    assert final_sector(steps) == label


async def test_examples_are_read_from_real_decisions(sm, clock, muni):
    op = await actor(sm, "operator")
    lead_zhkh, lead_roads = await staff(sm, "lead_zhkh"), await staff(sm, "lead_roads")
    roadman = await staff(sm, "roadman")
    triaged = await register(sm, clock, muni, "сосульки на крыше, звоните +7 916 123-45-67")
    await act(sm, clock, triaged, Action.assign, op, assignee_id=lead_zhkh.id)
    moved = await register(sm, clock, muni, "светофор не работает")
    moved = await act(sm, clock, moved, Action.assign, op, assignee_id=lead_zhkh.id)
    await act(sm, clock, moved, Action.reassign, op, assignee_id=roadman.id)
    not_ours = await register(sm, clock, muni, "шумят соседи")
    not_ours = await act(sm, clock, not_ours, Action.assign, op, assignee_id=lead_roads.id)
    await act(sm, clock, not_ours, Action.redirect, op, reason="это в полицию")
    ruled = await register(sm, clock, muni, "прорвало водопровод во дворе")  # the water rule
    water = await actor(sm, "water")
    ruled = await act(sm, clock, ruled, Action.take, water)
    await act(sm, clock, ruled, Action.answer, water, text="Починили")
    await register(sm, clock, muni, "яма у школы")  # routed by a rule, not answered: no label
    async with sm() as s:
        found = await get_examples(s, municipality_id=muni)
    assert [(e.text, e.label) for e in found] == [
        ("сосульки на крыше, звоните [телефон]", "zhkh"),  # a model keeps no phone
        ("светофор не работает", "roads"),
        ("прорвало водопровод во дворе", "zhkh"),
    ]
