"""Stage 3, evidence: how much of the question each entry accounts for, over everything the entry holds.

Each entry is a document of four fields: its question and phrasings, its answer and details, its quotes, and the
names of the people and bodies it is about. A stem's weight in an entry is BM25's saturated term frequency,
where the frequency is the sum of the weights (Tuning.weight_*) of the fields that hold the stem, times the stem's
inverse document frequency. Known gaps are documents too, of their phrasings alone, after the entries.
Stems no document holds weigh against every entry: that is most of what declines an off-topic question.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kzbot.matching.tuning import Tuning

FIELDS = ("phrasings", "answer", "quotes", "actors")


@dataclass(frozen=True)
class Document:
    """The stems of one entry (or gap), by field, and all of them."""

    phrasings: frozenset[str]
    answer: frozenset[str] = frozenset()
    quotes: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    all: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all", self.phrasings | self.answer | self.quotes | self.actors)


@dataclass(frozen=True)
class Posting:
    docs: np.ndarray  # document indexes holding the stem
    weight: np.ndarray  # BM25 weight in each
    in_field: np.ndarray  # (docs, FIELDS): 1.0 where that field of the document holds the stem
    first: int  # the lowest document index holding the stem (below EvidenceIndex.entries: an entry holds it)


@dataclass(frozen=True)
class Evidence:
    """Per document, for one question."""

    bm25: np.ndarray  # Σ BM25 weights of the question's stems
    coverage: np.ndarray  # share of the question's IDF mass the document holds anywhere, 0–1
    field_coverage: np.ndarray  # (documents, FIELDS): the share each field holds, 0–1
    unknown: float  # share of the question's IDF mass that no entry holds (a known gap's words count), 0–1
    total_idf: float
    missing: tuple[str, ...]  # the stems no document holds


@dataclass(frozen=True)
class EvidenceIndex:
    postings: dict[str, Posting]
    idf: dict[str, float]
    unknown_idf: float
    count: int
    documents: tuple[Document, ...]
    entries: int  # documents [0, entries) are entries, the rest known gaps

    def score(self, stems: Sequence[str]) -> Evidence:
        count = self.count
        missing = tuple(s for s in stems if s not in self.postings)
        total = sum(self.idf[s] for s in stems if s in self.postings) + self.unknown_idf * len(missing)
        pairs = [(s, self.postings[s]) for s in stems if s in self.postings]
        found = [p for _, p in pairs]
        if not found or total <= 0:
            zeros = np.zeros(count, dtype=np.float64)
            return Evidence(zeros, zeros, np.zeros((count, len(FIELDS))), 1.0 if stems else 0.0, total, missing)
        docs = np.concatenate([p.docs for p in found])
        idf = np.concatenate([np.full(len(p.docs), self.idf[s]) for s, p in pairs])
        bm25 = np.bincount(docs, weights=np.concatenate([p.weight for p in found]), minlength=count)
        coverage = np.bincount(docs, weights=idf, minlength=count) / total
        flags = np.concatenate([p.in_field for p in found]) * idf[:, None]
        width = len(FIELDS)
        cells = (docs[:, None] * width + np.arange(width)).ravel()
        per_field = np.bincount(cells, weights=flags.ravel(), minlength=count * width)
        field_coverage = per_field.reshape(count, width) / total
        held = sum(self.idf[s] for s, p in pairs if p.first < self.entries)
        return Evidence(bm25, coverage, field_coverage, 1.0 - held / total, total, missing)


def build_evidence(documents: Sequence[Document], entries: int, tuning: Tuning) -> EvidenceIndex:
    weights = {
        "phrasings": tuning.weight_phrasings,
        "answer": tuning.weight_answer,
        "quotes": tuning.weight_quotes,
        "actors": tuning.weight_actors,
    }
    count = len(documents)
    frequency: dict[str, dict[int, float]] = {}
    for index, document in enumerate(documents):
        for name in FIELDS:
            for stem in getattr(document, name):
                per_doc = frequency.setdefault(stem, {})
                per_doc[index] = per_doc.get(index, 0.0) + weights[name]
    k1 = tuning.bm25_k1
    idf = {s: math.log(1.0 + (count - len(d) + 0.5) / (len(d) + 0.5)) for s, d in frequency.items()}
    postings = {}
    for stem, per_doc in frequency.items():
        docs = np.fromiter(per_doc, dtype=np.int64, count=len(per_doc))
        tf = np.fromiter(per_doc.values(), dtype=np.float64, count=len(per_doc))
        held = np.array([[stem in getattr(documents[d], f) for f in FIELDS] for d in docs], dtype=np.float64)
        postings[stem] = Posting(docs, idf[stem] * tf * (k1 + 1.0) / (tf + k1), held, int(docs.min()))
    rarest = math.log(1.0 + (count + 0.5) / 0.5) if count else 1.0
    return EvidenceIndex(postings, idf, rarest * tuning.unknown_idf_factor, count, tuple(documents), entries)
