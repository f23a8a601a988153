"""The incident filter and grouping on their labelled set: `python -m bench.incidents`.

Prints, on the dev part (tuned on) and the held-out part (never tuned on): the candidate filter's
precision and recall at the chosen threshold next to a plain baseline (any keyword as a substring,
no lemmas, no negative signals), a table over thresholds on dev, and the grouping's pairwise
precision and recall over the true candidates next to a baseline (same place within 48 hours);
then the held-out filter without and with learning from the simulated operator's decisions
(bench/incidents/decisions.py), and the precision and share of automatic acceptance."""

import argparse

from bench.incidents.decisions import (
    acceptance_figures,
    decide,
    learning_figures,
    show_acceptance,
    show_learning,
)
from bench.incidents.rows import (
    HERE as HERE,
)
from bench.incidents.rows import (
    PARTS,
    Row,
    load,
    load_vocabulary,
    precision_recall,
    ratio,
)
from bench.support import write_json
from workflows.core.words import words
from workflows.incidents.grouping import Post, group, pairs
from workflows.incidents.learning import learn
from workflows.incidents.matching import DEFAULT_THRESHOLD, is_candidate, score
from workflows.incidents.vocabulary import PROBLEM_WORDS, Vocabulary, find_places

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def baseline_candidate(text: str, vocabulary: Vocabulary) -> bool:
    """Any sector keyword or problem word as a plain substring: what a naive filter does."""
    low = text.lower().replace("ё", "е")
    keys = [k for ks in vocabulary.sectors.values() for k in ks] + list(PROBLEM_WORDS)
    return any(k.lower() in low for k in keys if len(k) > 2)


def pair_figures(found: set[frozenset[str]], gold: set[frozenset[str]]) -> dict[str, object]:
    hits = len(found & gold)
    return {
        "precision": ratio(hits, len(found)),
        "recall": ratio(hits, len(gold)),
        "pairs": len(found),
        "gold_pairs": len(gold),
    }


def baseline_groups(rows: list[Row], vocabulary: Vocabulary) -> set[frozenset[str]]:
    """Two posts belong together when they name the same place (else: the same community) and
    are at most 48 hours apart."""

    def place(r: Row) -> str:
        found = find_places(words(r.text), vocabulary.localities)
        return found[0] if found else r.source

    found = set()
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            close = abs((a.at - b.at).total_seconds()) <= 48 * 3600
            if close and place(a) == place(b):
                found.add(frozenset((a.id, b.id)))
    return found


def evaluate(rows: list[Row], vocabulary: Vocabulary, threshold: float) -> dict[str, object]:
    gold = [r.problem for r in rows]
    matches = [score(r.text, vocabulary) for r in rows]
    true = [r for r in rows if r.problem]
    gold_groups: dict[str, list[str]] = {}
    for r in true:
        gold_groups.setdefault(r.group or r.id, []).append(r.id)
    gold_pairs = pairs(list(gold_groups.values()))
    posts = [Post(id=r.id, at=r.at, text=r.text, source=r.source, kind=r.kind) for r in true]
    return {
        "texts": len(rows),
        "problems": sum(gold),
        "filter": precision_recall([is_candidate(m, threshold) for m in matches], gold),
        "filter_baseline": precision_recall(
            [baseline_candidate(r.text, vocabulary) for r in rows], gold
        ),
        "thresholds": {
            t: precision_recall([is_candidate(m, t) for m in matches], gold) for t in THRESHOLDS
        },
        "grouping": pair_figures(pairs(group(posts, vocabulary)), gold_pairs),
        "grouping_baseline": pair_figures(baseline_groups(true, vocabulary), gold_pairs),
    }


def show(part: str, result: dict[str, object], *, table: bool) -> None:
    print(f"\n== {part}: {result['texts']} texts, {result['problems']} problems")
    for key in ("filter", "filter_baseline", "grouping", "grouping_baseline"):
        print(f"  {key:18} {result[key]}")
    if table:
        print("  threshold  precision  recall")
        thresholds = result["thresholds"]
        assert isinstance(thresholds, dict)
        for t, pr in thresholds.items():
            print(f"  {t:9}  {pr['precision']!s:9}  {pr['recall']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incidents", description=__doc__)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--json", action="store_true", help="also write bench/out/incidents.json")
    parser.add_argument("--errors", action="store_true", help="list the filter's errors on dev")
    args = parser.parse_args(argv)
    vocabulary = load_vocabulary()
    results = {}
    for part in PARTS:
        results[part] = evaluate(load(part), vocabulary, args.threshold)
        show(part, results[part], table=part == "dev")
    dev, heldout = load("dev"), load("heldout")
    results["learning"] = learning_figures(dev, heldout, vocabulary)
    show_learning(results["learning"])
    learned = learn(decide(dev, vocabulary, args.threshold)[1])
    plain = acceptance_figures(heldout, vocabulary, args.threshold)
    taught = acceptance_figures(heldout, vocabulary, args.threshold, learned)
    results["accept_above"] = {"without": plain, "with_dev_decisions": taught}
    show_acceptance(args.threshold, plain, taught)
    if args.errors:
        for r in dev:
            m = score(r.text, vocabulary)
            if is_candidate(m, args.threshold) != r.problem:
                print(r.id, r.problem, m.score, [(x.signal.value, x.word) for x in m.reasons])
                print("   ", r.text)
    if args.json:
        print("figures:", write_json("incidents", {"threshold": args.threshold, **results}))
    return 0
