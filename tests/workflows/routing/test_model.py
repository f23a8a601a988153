"""The routing classifier's file and its refusals: a model that cannot be read says why."""

from pathlib import Path

import pytest

from workflows.routing.metrics import threshold_for
from workflows.routing.model import ModelUnavailable, TextModel

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
