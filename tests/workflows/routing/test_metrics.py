"""The threshold rule: a threshold must rest on enough out-of-fold items, optionally on a lower
bound of their precision rather than the share itself, and never below a floor."""

import math

import pytest

from workflows.routing.metrics import ThresholdRule, threshold_for, wilson_lower


def test_the_wilson_bound_is_below_the_share_and_tightens_with_more_items() -> None:
    assert wilson_lower(7, 10, 0.5) == pytest.approx(0.7)  # at 0.5 it is the share
    assert wilson_lower(99, 100, 0.8) < 0.99 < wilson_lower(990, 1000, 0.8) + 0.01
    assert wilson_lower(99, 100, 0.8) < wilson_lower(990, 1000, 0.8)
    assert wilson_lower(99, 100, 0.9) < wilson_lower(99, 100, 0.8)
    # no errors: n / (n + z²), so 0.99 needs n ≥ 99·z² (71 items at 0.8, 268 at 0.95)
    assert wilson_lower(71, 71, 0.8) >= 0.99 > wilson_lower(70, 70, 0.8)
    assert wilson_lower(268, 268, 0.95) >= 0.99 > wilson_lower(267, 267, 0.95)
    assert wilson_lower(0, 5, 0.9) == 0.0
    for bad in ((1, 0), (6, 5), (-1, 5)):
        with pytest.raises(ValueError):
            wilson_lower(*bad, 0.8)


def _ranked(n: int, wrong_at: set[int]) -> tuple[list[float], list[bool]]:
    """n items with distinct confidences, most confident first; those at `wrong_at` are wrong."""
    return [1.0 - i / (2 * n) for i in range(n)], [i not in wrong_at for i in range(n)]


def test_the_share_rule_trusts_few_items_and_the_bound_asks_for_more() -> None:
    conf, right = _ranked(200, {100, 150})
    share = threshold_for(conf, right, precision=0.99, rule=ThresholdRule(min_items=20))
    assert share == conf[199]  # 198 of 200 right is 99.0%: the share routes all of them
    # the bound at 0.8 wants n ≥ 71 items without errors, and stops before the first error
    bound = threshold_for(conf, right, precision=0.99, rule=ThresholdRule(level=0.8))
    assert bound == conf[99]
    # at 0.95 the 100 error-free items are not enough (268 needed): nothing routes
    assert threshold_for(conf, right, precision=0.99, rule=ThresholdRule(level=0.95)) is None
    # the same 100 items at 0.8 but only 60 of them: not enough either
    few_conf, few_right = _ranked(60, set())
    assert threshold_for(few_conf, few_right, precision=0.99, rule=ThresholdRule(level=0.8)) is None
    assert threshold_for(few_conf, few_right, precision=0.99, min_items=20) == few_conf[-1]


def test_min_items_and_floor_bound_the_threshold() -> None:
    conf, right = _ranked(200, set())
    assert threshold_for(conf, right, precision=0.99, rule=ThresholdRule(min_items=201)) is None
    floor = 0.8
    got = threshold_for(conf, right, precision=0.99, rule=ThresholdRule(min_items=20, floor=floor))
    assert got is not None and got >= floor and got == min(c for c in conf if c >= floor)
    # `min_items` alone keeps the old call working
    assert threshold_for(conf, right, precision=0.99, min_items=20) == conf[-1]


def test_a_rule_with_nonsense_is_refused() -> None:
    for bad in ({"min_items": 0}, {"floor": 1.5}, {"level": 0.3}, {"level": 1.0}):
        with pytest.raises(ValueError):
            ThresholdRule(**bad)  # type: ignore[arg-type]
    assert math.isclose(ThresholdRule().floor, 0.0)
