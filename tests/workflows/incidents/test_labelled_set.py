"""The labelled set is well formed: what its figures rest on."""

import json
from datetime import datetime
from pathlib import Path

import yaml

from bench.incidents import HERE, PARTS, load, load_vocabulary

ROOT = Path(__file__).parents[3]


def test_ids_are_unique_groups_only_on_problems_and_the_split_is_by_time() -> None:
    ids: set[str] = set()
    split = {}
    for part in PARTS:
        header = json.loads((HERE / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()[0])
        assert "about" in header and "Split by time" in header["about"]
        split[part] = datetime.fromisoformat(header["split_before"])
        rows = load(part)
        for r in rows:
            assert r.id not in ids
            ids.add(r.id)
            assert r.kind in ("post", "comment") and r.text.strip()
            assert (r.group is not None) == r.problem, r.id
            assert (r.at < split[part]) == (part == "dev"), r.id
            assert r.at.tzinfo is not None
        assert [r.at for r in rows] == sorted(r.at for r in rows)
    assert split["dev"] == split["heldout"]
    assert len(ids) >= 300


def test_both_parts_hold_problems_others_and_groups_of_several_posts() -> None:
    for part in PARTS:
        rows = load(part)
        groups = [r.group for r in rows if r.group]
        assert sum(r.problem for r in rows) >= 50 and sum(not r.problem for r in rows) >= 50
        assert sum(groups.count(g) >= 3 for g in set(groups)) >= 10
    dev_groups = {r.group for r in load("dev") if r.group}
    assert dev_groups.isdisjoint({r.group for r in load("heldout") if r.group})


def test_the_vocabulary_loads() -> None:
    vocabulary = load_vocabulary()
    assert "Бежта" in vocabulary.localities and vocabulary.sectors


def test_the_vocabulary_follows_the_bezhta_setup() -> None:
    """The bench scores with what the municipality's setup holds, not with words picked for it."""
    setup = yaml.safe_load((ROOT / "setup" / "bezhta.yaml").read_text(encoding="utf-8"))
    vocabulary = load_vocabulary()
    assert set(vocabulary.localities) == {loc["name"] for loc in setup["localities"]}
    rule_words = {k for rule in setup["routing"]["rules"] for k in rule.get("keywords", [])}
    sector_words = {k for ks in vocabulary.sectors.values() for k in ks}
    assert rule_words <= sector_words
