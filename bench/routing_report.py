"""Where a routing model loses macro-F1: per-category figures and the most frequent confusions
on the held-out part (read, never tuned on)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sklearn.metrics import precision_recall_fscore_support

NAME_WIDTH = 48


def short(category: str) -> str:
    """A category cut to the table's column, an ellipsis marking the cut."""
    return category if len(category) <= NAME_WIDTH else category[: NAME_WIDTH - 1] + "…"


def per_category(truth: Sequence[str], predicted: Sequence[str]) -> str:
    """Precision, recall, F1 and support of each category in `truth`, weakest F1 first."""
    labels = sorted(set(truth))
    p, r, f1, n = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    lines = [f"{'category':<{NAME_WIDTH}} {'P':>6} {'R':>6} {'F1':>6} {'support':>7}"]
    for i in sorted(range(len(labels)), key=lambda i: (f1[i], labels[i])):
        row = f"{short(labels[i]):<{NAME_WIDTH}} {p[i]:>6.3f} {r[i]:>6.3f} {f1[i]:>6.3f}"
        lines.append(f"{row} {int(n[i]):>7}")
    return "\n".join(lines)


def confusions(truth: Sequence[str], predicted: Sequence[str], top: int = 12) -> str:
    """The most frequent (true -> predicted) mistakes, with their share of the true category."""
    support = Counter(truth)
    wrong = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    lines = [f"{'count':>5} {'of true':>7}  true -> predicted"]
    for (t, p), n in wrong.most_common(top):
        lines.append(f"{n:>5} {n / support[t]:>7.1%}  {short(t)} -> {short(p)}")
    return "\n".join(lines)
