"""Stage 3b, likelihood: how typical the question's words are of each entry, counting how often each occurs.

BM25 (evidence.py) asks whether an entry holds a word at all. This stage counts: a word found in twenty of an
entry's phrasings says more for it than a word found in one. Each entry is a bag of stems — one count for every
phrasing that holds the stem, and a weighted count (Tuning.likelihood_*) for its answer, quotes and actors' names
— and a question scores by its query likelihood under that bag, smoothed towards the whole knowledge base
(Dirichlet smoothing, Tuning.likelihood_prior), as a log ratio over the knowledge base's own likelihood.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kzbot.matching.tuning import Tuning


@dataclass(frozen=True)
class Bag:
    """One entry's (or gap's) texts, by field, as stem lists: one list per text."""

    phrasings: Sequence[Sequence[str]]
    answer: Sequence[Sequence[str]] = ()
    quotes: Sequence[Sequence[str]] = ()
    actors: Sequence[Sequence[str]] = ()


@dataclass(frozen=True)
class LikelihoodIndex:
    counts: dict[str, tuple[np.ndarray, np.ndarray]]  # stem -> (documents holding it, weighted count in each)
    background: dict[str, float]  # stem -> its share of all weighted counts
    length: np.ndarray  # per document, its weighted count of stems
    prior: float  # Dirichlet smoothing mass

    def score(self, stems: Sequence[str], documents: np.ndarray) -> np.ndarray:
        """Per document asked for: the mean, over the question's known stems, of log P(stem | document) less
        log P(stem | knowledge base). Zero for every document when no stem is known."""
        known = [s for s in stems if s in self.counts]
        if not known or not len(documents):
            return np.zeros(len(documents), dtype=np.float64)
        prior, length = self.prior, self.length[documents]
        total = np.zeros(len(documents), dtype=np.float64)
        for stem in known:
            docs, count = self.counts[stem]
            p = self.background[stem]
            held = np.zeros(len(documents), dtype=np.float64)
            where = np.searchsorted(docs, documents)
            inside = where < len(docs)
            hit = np.zeros(len(documents), dtype=bool)
            hit[inside] = docs[where[inside]] == documents[inside]
            held[hit] = count[where[hit]]
            total += np.log((held + prior * p) / (length + prior)) - math.log(p)
        return total / len(known)


def build_likelihood(bags: Sequence[Bag], tuning: Tuning) -> LikelihoodIndex:
    weights = {
        "phrasings": 1.0,
        "answer": tuning.likelihood_answer,
        "quotes": tuning.likelihood_quotes,
        "actors": tuning.likelihood_actors,
    }
    per_stem: dict[str, dict[int, float]] = {}
    length = np.zeros(len(bags), dtype=np.float64)
    for index, bag in enumerate(bags):
        for name, weight in weights.items():
            for text in getattr(bag, name):
                for stem in text:
                    per_doc = per_stem.setdefault(stem, {})
                    per_doc[index] = per_doc.get(index, 0.0) + weight
                    length[index] += weight
    grand = float(length.sum()) or 1.0
    counts = {}
    background = {}
    for stem, per_doc in per_stem.items():
        docs = np.array(sorted(per_doc), dtype=np.int64)
        counts[stem] = (docs, np.array([per_doc[int(d)] for d in docs], dtype=np.float64))
        background[stem] = sum(per_doc.values()) / grand
    return LikelihoodIndex(counts, background, length, tuning.likelihood_prior)
