"""The routing bench on a small sample: its split is by time, its figures are in range, its
per-category table and confusions are computed right."""

import numpy as np
import pytest

from bench.routing import (
    BASELINE,
    DATA,
    NOT_ASKED,
    PRODUCT,
    TEXT_ONLY,
    load_rows,
    main,
    precision_at_coverage,
    repeated_texts,
    split_by_time,
)
from bench.routing_report import confusions, per_category
from models import PlaceKind
from workflows.routing.features import spb_place_kind

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"trace not found at {DATA}")

MODELS = (BASELINE, TEXT_ONLY, PRODUCT, NOT_ASKED.strip())


def test_held_out_is_the_newest_fifth_and_validation_the_newest_tenth_of_training() -> None:
    rows = load_rows(2_000)
    split = split_by_time(rows)
    assert (len(split.train_x), len(split.test_x), len(split.val_x)) == (1_600, 400, 160)
    assert split.fit_x + split.val_x == split.train_x
    assert split.test_x == [r["text"] for r in rows[1_600:]]
    assert rows[1_599]["created_at"] <= split.heldout_from == rows[1_600]["created_at"]
    assert max(r["created_at"] for r in rows[:1_600]) <= min(r["created_at"] for r in rows[1_600:])
    # the portal's kinds of object become our kinds of place; its advertising kind (a category
    # under another name) is «other», like a wasteland or a bridge
    assert set(split.train_kind) <= {str(k) for k in PlaceKind}
    assert spb_place_kind("Рекламные или информационные конструкции") == spb_place_kind("Мост")
    assert [spb_place_kind(o) for o in ("Дом", "Двор", None)] == ["house", "yard", "other"]


def test_precision_at_coverage_counts_the_most_confident_first() -> None:
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55]])
    predicted = np.array(["a", "a", "b", "b"])
    truth = np.array(
        ["a", "b", "b", "a"]
    )  # by confidence: right (0.9), right (0.8), wrong (0.6), wrong
    got = precision_at_coverage(proba, predicted, truth)
    assert got == {0.5: 1.0, 0.7: 2 / 3, 0.8: 0.5, 0.9: 0.5}


def test_repeated_texts_count_the_minority_of_each_group_of_the_same_words() -> None:
    rows = [
        {"text": "Мусор!", "category": "a"},
        {"text": "мусор", "category": "a"},
        {"text": "МУСОР ", "category": "b"},
        {"text": "яма", "category": "c"},
        {"text": "Яма.", "category": "c"},
        {"text": "фонарь", "category": "d"},
    ]
    assert repeated_texts(rows) == (5, 2, 1 / 5)


def test_per_category_figures_put_the_weakest_first_and_confusions_the_most_frequent() -> None:
    truth = ["a", "a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "b", "a", "a"]
    lines = per_category(truth, predicted).splitlines()
    # a: 2 of its 4 predictions right, 2 of 4 found; b: 1 of 3 right, 1 of 2 found; c: none
    assert [line.split() for line in lines[1:]] == [
        ["c", "0.000", "0.000", "0.000", "1"],
        ["b", "0.333", "0.500", "0.400", "2"],
        ["a", "0.500", "0.500", "0.500", "4"],
    ]
    got = [line.split() for line in confusions(truth, predicted, top=2).splitlines()[1:]]
    assert got == [["2", "50.0%", "a", "->", "b"], ["1", "50.0%", "b", "->", "a"]]


def test_the_bench_prints_its_three_rows_and_where_the_product_loses_f1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--sample", "3000", "--latency-items", "50"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("$ python -m bench.routing --sample 3000\n")
    assert "Благоустройство" in out and "held-out 600" in out
    assert "repeated texts: " in out and "carry another category" in out
    rows = {line[:26].strip(): line[26:].split() for line in out.splitlines()}
    for name in MODELS:
        acc, f1, p50, p70, p80, p90, train_s, lat50, lat99, mb = map(float, rows[name][:10])
        assert 0.5 < acc <= 1 and 0 < f1 <= 1, rows[name]
        assert all(0.5 < p <= 1 for p in (p50, p70, p80, p90)), rows[name]
        assert 0 < train_s < 300 and 0 < lat50 <= lat99 < 1_000 and 0 < mb < 500, rows[name]
    by_category = out.split(f"{PRODUCT} on held-out, by category (weakest first):\n")[1]
    f1s = [float(line.split()[-2]) for line in by_category.split("\n\n")[0].splitlines()[1:]]
    assert len(f1s) == len(set(rows_of_held_out(out))) and f1s == sorted(f1s)
    assert f"{PRODUCT}: top confusions on held-out\n" in out and " -> " in out


def rows_of_held_out(out: str) -> list[str]:
    """The categories the bench's count table shows with a held-out count above zero."""
    table = out.split("\n\n")[0].splitlines()[3:]
    return [line[:60].strip() for line in table if int(line.split()[-1]) > 0]
