"""The causes behind growth: a growth point's items of the week grouped into problems (clusters of
similar texts), each with a label from its distinctive words and its most central items.

The texts become TF-IDF vectors of content lemmas (IDF over the whole week), reduced by LSA so
that words used together («снег», «наледь», «сосульки») count as near; then a greedy clustering:
the text with the most near neighbours takes them as a problem, and so on; problems whose centres
are near merge; each text finally joins the nearest centre, or «прочее». Deterministic (ties by
position, randomised SVD from a fixed seed), about a second for 3,000 texts on two cores."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import ThreadpoolController

from workflows.reports.wording import label, tells, terms

MAX_TEXTS = 3_000  # a busier week is sampled evenly to this many (counts scaled back)
DIMS = 60  # LSA dimensions: topics of a week, not words
NEAR = 0.5  # cosine at which two texts are neighbours
MERGE = 0.7  # …at which two problems' centres are one problem
JOIN = 0.45  # …at which a text belongs to a problem's centre at all
MIN_SIZE = 3  # a problem has at least this many texts…
MIN_SHARE = 0.03  # …and this share of the point's, up to
MIN_ENOUGH = 12  # …this many
SHOWN = 5  # problems named; the rest fold into «прочее»
CENTRAL = 3  # representative items of a problem
LABEL_WORDS = 3
OTHER = "прочее"


@dataclass
class GrowthProblem:
    """One problem behind a growth point: what it is about, how many items, which ones show it."""

    label: str
    count: int
    examples: list[dict[str, str]] = field(default_factory=list)  # number, text: most central
    other: bool = False  # «прочее»: what fits no named problem


@dataclass
class Group:
    """A problem as positions in the week's texts, before they become item numbers."""

    label: str
    members: list[int]
    central: list[int]
    other: bool = False


@functools.cache
def _threads() -> ThreadpoolController:
    return ThreadpoolController()


class WeekSpace:
    """The week's texts as unit vectors, and which lemmas each contains (for labels)."""

    def __init__(self, texts: Sequence[str]) -> None:
        # Small products are slowest spread over BLAS threads on a busy machine (measured here:
        # 1.0 s for the SVD of 2,430 texts with 2 threads, under load).
        with _threads().limit(limits=1, user_api="blas"):
            self._fit(texts)

    def _fit(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        n = len(self.texts)
        vec = TfidfVectorizer(analyzer=terms, sublinear_tf=True, min_df=2, dtype=np.float32)
        try:
            x = vec.fit_transform(self.texts)
        except ValueError:  # no lemma occurs twice: nothing to compare
            x = sparse.csr_matrix((n, 0), dtype=np.float32)
        self.lemmas = np.array(vec.get_feature_names_out()) if x.shape[1] else np.array([])
        self.present = (x > 0).astype(np.float32).tocsr()
        self.df = np.asarray(self.present.sum(axis=0)).ravel()
        self.empty = np.asarray(x.sum(axis=1)).ravel() == 0
        dims = min(DIMS, x.shape[1] // 3, n - 1)  # a small week is smoothed as much
        z = (
            TruncatedSVD(dims, algorithm="randomized", n_iter=4, random_state=0).fit_transform(x)
            if dims >= 2
            else x.toarray()
        )
        norms = np.linalg.norm(z, axis=1, keepdims=True)
        self.z = (z / np.where(norms > 0, norms, 1)).astype(np.float32)

    def groups(self, members: Sequence[int]) -> list[Group]:
        """The problems among these texts of the week, largest first, «прочее» last; none when
        the texts are too few or too unlike each other to make a problem."""
        idx = np.array(sorted(set(members)), dtype=np.int64)
        if len(idx) < MIN_SIZE:
            return []
        with _threads().limit(limits=1, user_api="blas"):
            return self._groups(idx)

    def _groups(self, idx: NDArray[np.int64]) -> list[Group]:
        z, empty = self.z[idx], self.empty[idx]
        least = min(max(MIN_SIZE, math.ceil(MIN_SHARE * len(idx))), MIN_ENOUGH)
        labels = _cluster(z, empty, least)
        found = [self._group(idx, z, labels == c) for c in range(int(labels.max()) + 1)]
        found = _merge_same_label(found)
        found.sort(key=lambda g: (-len(g.members), g.label))
        named = found[:SHOWN]  # the smaller ones fold into «прочее»
        if not named:
            return []
        inside = {i for g in named for i in g.members}
        other = [int(i) for i in idx if int(i) not in inside]
        if other:
            named.append(Group(OTHER, other, [], other=True))
        return named

    def _group(
        self, idx: NDArray[np.int64], z: NDArray[np.float32], mask: NDArray[np.bool_]
    ) -> Group:
        members = idx[mask]
        centre = z[mask].mean(axis=0)
        closeness = z[mask] @ (centre / (np.linalg.norm(centre) or 1.0))
        order = np.lexsort((members, -closeness))  # most central first, ties by position
        central = [int(members[i]) for i in order[:CENTRAL]]
        return Group(self._label(members, idx), [int(i) for i in members], central)

    def _label(self, members: NDArray[np.int64], point: NDArray[np.int64]) -> str:
        """The lemmas most typical of these texts against both the rest of the week and the rest
        of the point (so that a roof problem in the roofs' point is told by «сосульки», not by
        «кровля»), as words; against the week alone if no lemma stands out from both."""
        inside = self._count(members)
        p_in = inside / len(members)
        p_week = (self.df - inside) / max(len(self.texts) - len(members), 1)
        p_point = (self._count(point) - inside) / max(len(point) - len(members), 1)
        for p_out in (np.maximum(p_week, p_point), p_week):
            score = p_in * np.log((p_in + 0.01) / (p_out + 0.01))
            order: list[int] = np.lexsort((self.lemmas, -score)).tolist()
            chosen = [
                str(self.lemmas[i])
                for i in order
                if inside[i] >= 2
                and p_in[i] >= 0.15
                and score[i] > 0
                and tells(str(self.lemmas[i]))
            ][:LABEL_WORDS]
            if chosen:
                return label((self.texts[i] for i in members), chosen)
        return OTHER

    def _count(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """In how many of these texts each lemma occurs."""
        return np.asarray(self.present[rows].sum(axis=0), dtype=np.float64).ravel()


def _cluster(z: NDArray[np.float32], empty: NDArray[np.bool_], least: int) -> NDArray[np.int64]:
    """Cluster numbers (0…k−1) per text, −1 for «прочее»."""
    n = len(z)
    near = (z @ z.T) >= NEAR
    near[empty, :] = False
    near[:, empty] = False
    labels = np.full(n, -1, dtype=np.int64)
    k = 0
    for i in np.lexsort((np.arange(n), -near.sum(axis=1))):  # densest first, ties by position
        if labels[i] >= 0:
            continue
        free = near[i] & (labels < 0)
        if free.sum() >= MIN_SIZE:
            labels[free] = k
            k += 1
    labels = _merge_near(z, labels, k)
    for _ in range(3):  # each text to its nearest centre; too small a problem dissolves
        k = int(labels.max()) + 1
        if k == 0:
            break
        sim = z @ _centres(z, labels, k).T
        labels = np.where((sim.max(axis=1) >= JOIN) & ~empty, sim.argmax(axis=1), -1)
        sizes = np.bincount(labels[labels >= 0], minlength=k)
        keep = np.cumsum(sizes >= least) - 1
        labels = np.where((labels >= 0) & (sizes[labels] >= least), keep[labels], -1)
    return labels


def _centres(z: NDArray[np.float32], labels: NDArray[np.int64], k: int) -> NDArray[np.float32]:
    c = np.vstack([z[labels == j].mean(axis=0) for j in range(k)])
    norms = np.linalg.norm(c, axis=1, keepdims=True)
    return (c / np.where(norms > 0, norms, 1)).astype(np.float32)


def _merge_near(z: NDArray[np.float32], labels: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    """Join the two nearest problems while their centres are nearer than MERGE."""
    while k > 1:
        c = _centres(z, labels, k)
        g = c @ c.T
        np.fill_diagonal(g, -1.0)
        a, b = sorted(np.unravel_index(int(g.argmax()), g.shape))
        if g[a, b] < MERGE:
            break
        labels = np.where(labels == b, a, labels)
        labels = np.where(labels > b, labels - 1, labels)
        k -= 1
    return labels


def _merge_same_label(groups: list[Group]) -> list[Group]:
    """Problems told by the same words read as one: join them (the larger's centre leads)."""
    by: dict[str, Group] = {}
    for g in sorted(groups, key=lambda g: -len(g.members)):
        if g.label == OTHER:
            continue
        if g.label in by:
            by[g.label].members = sorted(by[g.label].members + g.members)
        else:
            by[g.label] = g
    return list(by.values())
