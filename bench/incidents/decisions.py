"""The operator simulated on the labelled set: decisions that teach the score, and automatic
acceptance above a threshold.

The operator decides the dev part's candidates in time order (a post's label is the decision),
each post scored with what the decisions before it taught; what dev's decisions taught then
scores the held-out part, which taught nothing. A second held-out figure ("online") lets the
operator go on deciding held-out candidates in time order, each post scored only with the
decisions made before it was written: what a running deployment would see."""

from bench.incidents.rows import Row, precision_recall, ratio
from workflows.incidents.learning import Learned, learn
from workflows.incidents.matching import Match, is_candidate, score
from workflows.incidents.vocabulary import Vocabulary

LEARN_THRESHOLDS = (0.35, 0.4, 0.5)
ACCEPT_ABOVE = (0.6, 0.7, 0.8, 0.9)


def decide(
    rows: list[Row],
    vocabulary: Vocabulary,
    threshold: float,
    decisions: list[tuple[str, bool]] | None = None,
) -> tuple[list[Match], list[tuple[str, bool]]]:
    """Each row scored with what the decisions so far taught, then decided if a candidate."""
    decided = list(decisions or [])
    learned = learn(decided)
    matches = []
    for r in rows:
        m = score(r.text, vocabulary, learned)
        matches.append(m)
        if is_candidate(m, threshold):
            decided.append((r.text, r.problem))
            learned = learn(decided)
    return matches, decided


def learning_figures(
    dev: list[Row], heldout: list[Row], vocabulary: Vocabulary
) -> dict[str, object]:
    """Held-out precision and recall without learning, with dev's decisions, and online."""
    gold = [r.problem for r in heldout]
    plain = [score(r.text, vocabulary) for r in heldout]
    out: dict[str, object] = {}
    for t in LEARN_THRESHOLDS:
        _, decisions = decide(dev, vocabulary, t)
        learned = learn(decisions)
        taught = [score(r.text, vocabulary, learned) for r in heldout]
        online, _ = decide(heldout, vocabulary, t, decisions)
        out[str(t)] = {
            "decisions": len(decisions),
            "dismissed": learned.dismissed,
            "learned_words": len(learned.weights),
            "without": precision_recall([is_candidate(m, t) for m in plain], gold),
            "with_dev_decisions": precision_recall([is_candidate(m, t) for m in taught], gold),
            "online": precision_recall([is_candidate(m, t) for m in online], gold),
        }
    return out


def acceptance_figures(
    rows: list[Row], vocabulary: Vocabulary, threshold: float, learned: Learned | None = None
) -> dict[str, object]:
    """Of the candidates at `threshold`, those scored at or above each `accept_above`: their
    precision (accepted without the operator, how many rightly) and their share of candidates."""
    matches = [score(r.text, vocabulary, learned) for r in rows]
    candidates = [(m, r) for m, r in zip(matches, rows, strict=True) if is_candidate(m, threshold)]
    out: dict[str, object] = {}
    for a in ACCEPT_ABOVE:
        auto = [r for m, r in candidates if m.score >= a]
        out[str(a)] = {
            "precision": ratio(sum(r.problem for r in auto), len(auto)),
            "share": ratio(len(auto), len(candidates)),
            "accepted": len(auto),
        }
    return out


def show_learning(figures: dict[str, object]) -> None:
    print("\n== held-out with learning from the operator's decisions (dev decided in time order)")
    print("  threshold  decisions(dismissed) words  without         with dev's       online")
    for t, f in figures.items():
        assert isinstance(f, dict)
        cells = [_pr(f[k]) for k in ("without", "with_dev_decisions", "online")]
        head = f"{f['decisions']}({f['dismissed']})"
        print(f"  {t:9}  {head:20} {f['learned_words']:5}  " + "  ".join(cells))


def show_acceptance(threshold: float, plain: dict[str, object], taught: dict[str, object]) -> None:
    print(f"\n== held-out automatic acceptance (candidates at {threshold}; P, share of candidates)")
    print("  accept_above  without learning    with dev's decisions")
    for a in plain:
        p, t = plain[a], taught[a]
        assert isinstance(p, dict) and isinstance(t, dict)
        print(f"  {a:12}  {_ps(p):18}  {_ps(t)}")


def _pr(pr: object) -> str:
    assert isinstance(pr, dict)
    return f"P {pr['precision']!s:5} R {pr['recall']!s:5}"


def _ps(f: dict[str, object]) -> str:
    return f"P {f['precision']!s:5} {f['share']!s:5} ({f['accepted']})"
