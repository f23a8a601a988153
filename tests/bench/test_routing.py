"""The routing bench on a small sample: its split is by time, its figures are in range."""

import numpy as np
import pytest

from bench.routing import DATA, load_rows, main, precision_at_coverage, split_by_time

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"trace not found at {DATA}")

MODELS = ("char-tfidf+LR (baseline)", "lemmas+chars+SVM (tuned)")


def test_held_out_is_the_newest_fifth_and_validation_the_newest_tenth_of_training() -> None:
    rows = load_rows(2_000)
    split = split_by_time(rows)
    assert (len(split.train_x), len(split.test_x), len(split.val_x)) == (1_600, 400, 160)
    assert split.fit_x + split.val_x == split.train_x
    assert split.test_x == [r["text"] for r in rows[1_600:]]
    assert rows[1_599]["created_at"] <= split.heldout_from == rows[1_600]["created_at"]
    assert max(r["created_at"] for r in rows[:1_600]) <= min(r["created_at"] for r in rows[1_600:])


def test_precision_at_coverage_counts_the_most_confident_first() -> None:
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55]])
    predicted = np.array(["a", "a", "b", "b"])
    truth = np.array(
        ["a", "b", "b", "a"]
    )  # by confidence: right (0.9), right (0.8), wrong (0.6), wrong
    got = precision_at_coverage(proba, predicted, truth)
    assert got == {0.5: 1.0, 0.7: 2 / 3, 0.8: 0.5, 0.9: 0.5}


def test_the_bench_prints_both_models_with_figures_in_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--sample", "3000", "--latency-items", "50"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("$ python -m bench.routing --sample 3000\n")
    assert "Благоустройство" in out and "held-out 600" in out
    rows = {line[:26].strip(): line[26:].split() for line in out.splitlines()}
    for name in MODELS:
        acc, f1, p50, p70, p80, p90, train_s, lat50, lat99, mb = map(float, rows[name][:10])
        assert 0.5 < acc <= 1 and 0 < f1 <= 1, rows[name]
        assert all(0.5 < p <= 1 for p in (p50, p70, p80, p90)), rows[name]
        assert 0 < train_s < 300 and 0 < lat50 <= lat99 < 1_000 and 0 < mb < 500, rows[name]
