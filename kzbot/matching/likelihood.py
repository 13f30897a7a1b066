"""Stage 3b, likelihood: how typical the question's words are of each entry, counting how often each occurs.

BM25 (evidence.py) asks whether an entry holds a word at all. This stage counts: a word found in twenty of an
entry's phrasings says more for it than a word found in one. Each entry is a bag of stems — one count for every
phrasing that holds the stem, and a weighted count (Tuning.likelihood_*) for its answer, quotes and actors' names
— and a question scores by its query likelihood under that bag, smoothed towards the whole knowledge base
(Dirichlet smoothing, Tuning.likelihood_prior), as a log ratio over the knowledge base's own likelihood.
"""

from __future__ import annotations

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
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # stem -> (documents holding it, log(1 + count / (prior × p)))
    base: np.ndarray  # per document, log(prior / (length + prior)): what every stem adds before its own count
    count: int

    def score(self, stems: Sequence[str], documents: np.ndarray) -> np.ndarray:
        """Per document asked for: the mean, over the question's known stems, of log P(stem | document) less
        log P(stem | knowledge base), with P(stem | document) = (count + prior × p) / (length + prior) and p the
        stem's share of the whole knowledge base. That log ratio is log(1 + count / (prior × p)) + base, so only
        the documents holding a stem need a term of their own. Zero for every document when no stem is known."""
        found = [self.postings[s] for s in stems if s in self.postings]
        if not found or not len(documents):
            return np.zeros(len(documents), dtype=np.float64)
        docs = np.concatenate([d for d, _ in found])
        held = np.bincount(docs, weights=np.concatenate([w for _, w in found]), minlength=self.count)
        return np.asarray(held[documents] / len(found) + self.base[documents], dtype=np.float64)


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
    prior = tuning.likelihood_prior
    postings = {}
    for stem, per_doc in per_stem.items():
        docs = np.fromiter(per_doc, dtype=np.int64, count=len(per_doc))
        counts = np.fromiter(per_doc.values(), dtype=np.float64, count=len(per_doc))
        share = counts.sum() / grand
        postings[stem] = (docs, np.log1p(counts / (prior * share)))
    return LikelihoodIndex(postings, np.log(prior / (length + prior)), len(bags))
