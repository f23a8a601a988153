"""The routing classifier's file and its refusals: a model that cannot be read says why."""

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from models import PlaceKind
from workflows.routing.features import inputs, leave_some_out
from workflows.routing.metrics import threshold_for
from workflows.routing.model import MAGIC, OLD_MAGIC, ModelUnavailable, TextModel
from workflows.routing.training import load_corpus

TEXTS = {
    "snow": ["сосульки на крыше дома", "снег не убран во дворе", "гололед на тротуаре у дома"] * 4,
    "light": ["не горит фонарь на улице", "нет освещения во дворе", "фонари не работают ночью"] * 4,
}


@pytest.fixture(scope="module")
def model() -> TextModel:
    texts = [t for ts in TEXTS.values() for t in ts]
    labels = [label for label, ts in TEXTS.items() for _ in ts]
    return TextModel.train(texts, labels)


def test_a_saved_model_loads_and_suggests_the_same(model: TextModel, tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    sha = model.save(path)
    loaded = TextModel.load(path, sha)
    top = loaded.suggest("огромные сосульки висят над подъездом")
    assert top[0].label == "snow" and top == model.suggest("огромные сосульки висят над подъездом")
    assert abs(sum(s.p for s in loaded.suggest("фонарь", k=5)) - 1.0) < 1e-6


def test_a_missing_altered_or_foreign_file_is_refused_with_the_reason(
    model: TextModel, tmp_path: Path
) -> None:
    path = tmp_path / "m.bin"
    sha = model.save(path)
    with pytest.raises(ModelUnavailable, match="не найден"):
        TextModel.load(tmp_path / "none.bin", sha)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ModelUnavailable, match="повреждён"):
        TextModel.load(path, sha)
    with pytest.raises(ModelUnavailable, match="не читается"):
        TextModel.load(path)  # no checksum to compare: the cut pickle itself fails
    path.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelUnavailable, match="не является моделью"):
        TextModel.load(path)
    # a file of the text-only format written before the kind of place: retrain, not unpickle
    path.write_bytes(OLD_MAGIC + model.dumps()[len(MAGIC) :])
    with pytest.raises(ModelUnavailable, match="старого формата"):
        TextModel.load(path)


def test_the_kind_of_place_decides_what_the_words_leave_open() -> None:
    """The same words about rubbish: in the yard it is the yard's cleaning, in the house's
    entrance the managing company's; a kind never seen in training counts as none said."""
    texts = ["мусор не убирают", "грязно и мусор", "мусор лежит неделю"] * 6
    kinds = [PlaceKind.yard, PlaceKind.house] * 9
    labels = ["yard" if k is PlaceKind.yard else "house" for k in kinds]
    model = TextModel.train(texts, labels, kinds)
    assert model.suggest("опять мусор", kind=PlaceKind.yard)[0].label == "yard"
    assert model.suggest("опять мусор", kind=PlaceKind.house)[0].label == "house"
    unseen, none = model.suggest("опять мусор", kind=PlaceKind.park), model.suggest("опять мусор")
    assert [s.label for s in unseen] == [s.label for s in none]
    assert all(abs(s.p - 0.5) < 0.2 for s in unseen + none)


def test_the_starters_corpus_has_every_third_kind_left_out_like_real_traffic(
    tmp_path: Path,
) -> None:
    """The portal asked everyone what the place was, our bot asks only when the topic is
    unknown: the starter's examples drop every third kind, by position (reproducible)."""
    assert leave_some_out(["yard", "house", None, "flat"]) == [None, "house", None, None]
    rows = [
        {"text": f"текст {i}", "category": "Кровля", "object": "Дом", "created_at": f"2021-01-0{i}"}
        for i in range(1, 7)
    ]
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    assert [e.kind for e in load_corpus(path)] == [None, "house", "house"] * 2
    assert list(inputs(["а", "б"], ["yard", None])[:, 1]) == ["yard", ""]
    with pytest.raises(ValueError, match="kinds differ"):
        inputs(["а"], ["yard", "house"])


def test_training_refuses_kinds_of_another_length() -> None:
    with pytest.raises(ValueError, match="kinds differ"):
        TextModel.train(["снег"] * 6, ["a", "b"] * 3, [PlaceKind.yard] * 3)


def test_empty_foreign_and_wordless_texts_get_no_suggestion(model: TextModel) -> None:
    assert model.suggest("") == [] and model.suggest("   ") == []
    assert model.suggest("!!! ??? 🙂") == []
    assert model.suggest("the street light is broken again") == []
    assert model.suggest("не горит фонарь") != []


def test_training_needs_two_labels_with_examples() -> None:
    with pytest.raises(ValueError, match="два направления"):
        TextModel.train(["снег", "снег", "снег"], ["snow", "snow", "snow"])
    with pytest.raises(ValueError, match="differ"):
        TextModel.train(["снег"], ["a", "b"])


def test_the_threshold_is_the_lowest_confidence_that_keeps_the_precision() -> None:
    conf = [0.99, 0.98, 0.97, 0.9, 0.8, 0.7]
    right = [True, True, True, True, False, True]
    assert threshold_for(conf, right, precision=1.0, min_items=2) == 0.9
    assert threshold_for(conf, right, precision=0.8, min_items=2) == 0.7
    assert threshold_for(conf, right, precision=1.0, min_items=5) is None
    # ties are not split: three at 0.9, one of them wrong
    assert (
        threshold_for([0.95, 0.9, 0.9, 0.9], [True, True, False, True], precision=1.0, min_items=1)
        == 0.95
    )
    with pytest.raises(ValueError):
        threshold_for([0.5], [True, False], precision=0.9)


def _examples(n_per: int) -> list:
    from datetime import UTC, datetime, timedelta

    from workflows.routing.learning import Example

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n_per):
        for label, texts in TEXTS.items():
            out.append(Example(texts[i % 3] + f" дом {i}", label, t0 + timedelta(hours=len(out))))
    return out


def test_training_from_decisions_holds_out_the_newest_and_refuses_a_worse_model() -> None:
    from workflows.routing.learning import not_worse, train_on

    examples = _examples(40)
    trained = train_on(examples, precision=0.95)
    assert trained.held_out == sorted(examples, key=lambda e: e.at)[64:]
    assert trained.metrics["held_out"] == 16 and trained.metrics["macro_f1"] > 0.9
    assert trained.threshold is not None and trained.metrics["auto_share"] > 0.5
    # a "current" model that mixes the labels up is worse: the candidate may replace it
    swapped = TextModel.train(
        [e.text for e in examples], ["light" if e.label == "snow" else "snow" for e in examples]
    )
    ok, why = not_worse(trained, swapped)
    assert ok and "macro-F1" in why
    # a candidate taught the labels the wrong way round (all but the newest, held-out decisions)
    # is worse than a good current model, and is refused
    flip = {"snow": "light", "light": "snow"}
    taught_wrong = [type(e)(e.text, flip[e.label], e.at) for e in examples[:64]] + examples[64:]
    bad = train_on(taught_wrong, refit=False)
    ok, why = not_worse(bad, trained.evaluated, map_label=lambda x: x)
    assert ok is False, why
    with pytest.raises(ValueError, match="мало решений"):
        train_on(examples[:10])


@pytest.mark.parametrize("rare", [2, 3, 4])
def test_a_label_with_too_few_decisions_is_left_to_the_operator(rare: int) -> None:
    from datetime import timedelta

    from workflows.routing.learning import MIN_PER_LABEL, Example, train_on

    examples = _examples(40)
    # the rare label among the oldest decisions: in the training part, not held out
    t0 = examples[0].at
    examples += [
        Example(f"сломана скамейка во дворе {i}", "bench", t0 - timedelta(hours=i + 1))
        for i in range(rare)
    ]
    assert rare < MIN_PER_LABEL
    trained = train_on(examples, precision=0.95)
    assert "bench" not in trained.model.labels and trained.metrics["labels"] == 2


def test_not_worse_puts_the_share_routed_at_the_goal_first_and_a_tie_is_no_switch() -> None:
    from workflows.routing.learning import not_worse, train_on

    examples = _examples(40)
    trained = train_on(examples, precision=0.95)
    assert trained.threshold is not None and trained.metrics["auto_precision"] >= 0.95
    # the same model as the current one: equal share, equal macro-F1: no switch
    ok, why = not_worse(trained, trained.evaluated, current_threshold=trained.threshold)
    assert ok is False and "macro-F1" in why
    # a current model that routes nothing: the candidate routes more at the goal, switch
    ok, why = not_worse(trained, trained.evaluated, current_threshold=None)
    assert ok, why
    assert "против 0% у текущей" in why
    # a candidate that routes nothing is refused against one that routes at the goal, however
    # good its macro-F1 (here the very same model)
    silent = type(trained)(
        trained.model, trained.evaluated, trained.metrics, None, trained.held_out
    )
    ok, why = not_worse(silent, trained.evaluated, current_threshold=trained.threshold)
    assert ok is False and "сама направила бы 0% против" in why
    # a current model routing below the goal counts as routing nothing: a silent candidate with
    # a higher macro-F1 may replace it
    flip = {"snow": "light", "light": "snow"}
    wrong = TextModel.train([e.text for e in examples], [flip[e.label] for e in examples])
    ok, why = not_worse(silent, wrong, current_threshold=0.0)
    assert ok, why


def test_a_category_the_table_leaves_out_is_never_counted_as_routed(model: TextModel) -> None:
    from workflows.routing.learning import evaluate

    examples = _examples(6)
    both = evaluate(
        model, examples, threshold=0.0, map_label={"snow": "snow", "light": "light"}.get
    )
    assert both["auto_share"] == 1.0 and both["auto_precision"] == 1.0
    # "light" left out of the table: its items go to the operator, they are not routed wrong
    half = evaluate(model, examples, threshold=0.0, map_label={"snow": "snow"}.get)
    assert half["auto_share"] == 0.5 and half["auto_precision"] == 1.0
    # but the scores still count them wrong: nothing names their sector
    assert half["accuracy"] == 0.5 and both["accuracy"] == 1.0


def test_a_sectors_categories_add_up_as_routing_adds_them() -> None:
    """Two categories of one sector at 0.45 each are that sector at 0.9, as `route.py` reads
    them; a category the table leaves out keeps its mass apart, never routed."""
    from workflows.routing.learning import UNMAPPED, by_target

    proba = np.array([[0.45, 0.45, 0.10], [0.2, 0.1, 0.7]])
    table = {"roofs": "zhkh", "facades": "zhkh"}
    summed, targets = by_target(proba, ["roofs", "facades", "adverts"], table.get)
    assert targets == sorted(["zhkh", UNMAPPED])
    zhkh, unmapped = targets.index("zhkh"), targets.index(UNMAPPED)
    assert summed[0, zhkh] == pytest.approx(0.9) and summed[0, unmapped] == pytest.approx(0.1)
    assert summed[1, zhkh] == pytest.approx(0.3) and summed[1, unmapped] == pytest.approx(0.7)
