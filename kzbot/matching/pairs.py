"""Word order, a little: which pairs of neighbouring stems each entry's question, phrasings, answer and details
hold. "who led the armed groups" and "who did the armed groups blame" share their words but not their pairs; the
share of a question's pairs an entry holds is one of the relevance features.

A pair is kept as its hash: the index is built in the process that uses it, and two pairs that collide cost at
most a sliver of one feature.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


def pairs_of(stems: Sequence[str]) -> frozenset[int]:
    """The hashes of the stems' neighbouring pairs, in order ("armed group" is not "group armed")."""
    return frozenset(map(hash, itertools.pairwise(stems)))


@dataclass(frozen=True)
class PairIndex:
    held: tuple[frozenset[int], ...]  # per entry: the pairs of its texts

    def share(self, stems: Sequence[str], documents: np.ndarray) -> np.ndarray:
        """Per document, the share of the question's pairs it holds (0 for a question of one stem)."""
        if len(stems) < 2:
            return np.zeros(len(documents))
        asked = pairs_of(stems)
        held = self.held
        return np.array([len(asked & held[d]) for d in documents.tolist()], dtype=np.float64) / len(asked)


def build_pairs(texts: Iterable[Iterable[Sequence[str]]]) -> PairIndex:
    """texts: per entry, the stems of each of its texts."""
    return PairIndex(tuple(frozenset().union(*map(pairs_of, entry)) for entry in texts))
