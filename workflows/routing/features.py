"""What the classifier reads in a text: pymorphy3 lemmas (and their bigrams) and characters.
Module-level functions, so that a trained model pickles and loads in another process."""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

WORD = re.compile(r"[а-яёa-z0-9]+")


@functools.cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=200_000)
def _lemma(word: str) -> str:
    return str(_morph().parse(word)[0].normal_form)


def normalise(text: str) -> str:
    """Lower case, ё as е: what every feature starts from."""
    return text.lower().replace("ё", "е")


def lemma_tokens(text: str) -> list[str]:
    """Lemmas of the text's words, then their bigrams."""
    lemmas = [_lemma(w) for w in WORD.findall(normalise(text))]
    return lemmas + [f"{a} {b}" for a, b in itertools.pairwise(lemmas)]


def char_tfidf() -> TfidfVectorizer:
    """Character n-grams within word boundaries, 2 to 5: robust to typos and endings."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)


def lemma_char_features() -> FeatureUnion:
    """Word TF-IDF on lemmas (1-2 grams) joined with character TF-IDF."""
    words = TfidfVectorizer(analyzer=lemma_tokens, sublinear_tf=True, min_df=2)
    return FeatureUnion([("words", words), ("chars", char_tfidf())])


def has_words(text: str) -> bool:
    """Whether a text has anything the classifier can read (Cyrillic or Latin letters, digits)."""
    return bool(WORD.search(normalise(text)))


def cyrillic_share(text: str) -> float:
    """The share of Cyrillic among the text's letters: a text in another language scores low."""
    letters = [ch for ch in normalise(text) if ch.isalpha()]
    if not letters:
        return 0.0
    return sum("а" <= ch <= "я" or ch == "ё" for ch in letters) / len(letters)
