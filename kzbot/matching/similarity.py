"""Stage 4, wording: how alike the question is to each candidate's closest phrasing (rapidfuzz).

Both sides are compared as stems, so "sending soldiers" and "send troops" meet after the lexicon's synonyms.
Two scorers, each the best over the candidate's phrasings: a token-set likeness (the question's words within a
phrasing's, order aside) and rapidfuzz's token-sort ratio (the whole wording, order aside).

The token-set likeness is rapidfuzz's token_set_ratio computed on whole stems with numpy: the words both share
are counted from each question stem's list of the phrasings that hold it instead of compared letter by letter,
so scoring every candidate's phrasings costs a few microseconds. Where two wordings share no stem it falls back
to the token-sort ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Wording:
    token_set: np.ndarray  # per candidate, 0–100
    token_sort: np.ndarray  # per candidate, 0–100
    best: np.ndarray  # per candidate, the index in PhrasingIndex.choices of its closest phrasing (-1: not asked for)

    def cut(self, start: int, stop: int) -> Wording:
        return Wording(self.token_set[start:stop], self.token_sort[start:stop], self.best[start:stop])

    def pick(self, order: np.ndarray) -> Wording:
        return Wording(self.token_set[order], self.token_sort[order], self.best[order])


@dataclass(frozen=True)
class PhrasingIndex:
    choices: tuple[str, ...]  # every document's distinct phrasings, as space-joined stems
    sorted_choices: tuple[str, ...]  # the same, stems sorted (token-sort ratio without re-sorting per call)
    starts: np.ndarray  # document d's phrasings are choices[starts[d]:starts[d + 1]]
    exact: Mapping[str, tuple[int, ...]]  # sorted stems of a phrasing -> the documents that have it
    holding: Mapping[str, np.ndarray]  # stem -> the phrasings (indexes in choices) that hold it
    document_phrasings: tuple[np.ndarray, ...]  # per document, the indexes of its phrasings
    lengths: np.ndarray  # per phrasing, the letters of its stems joined by spaces
    counts: np.ndarray  # per phrasing, how many distinct stems it has
    sorted_by_document: tuple[tuple[str, ...], ...]  # per document, its slice of sorted_choices
    per_document: np.ndarray  # per document, how many distinct phrasings it has

    def repeated_by(self, stems: Sequence[str]) -> tuple[int, ...]:
        """The documents with a phrasing of exactly these stems, in any order."""
        return self.exact.get(" ".join(sorted(stems)), ())

    def phrasing(self, index: int) -> str:
        """A phrasing's stems, by its index in `choices` ("" for -1)."""
        return self.choices[index] if index >= 0 else ""

    def compare(self, stems: Sequence[str], candidates: np.ndarray, *, closest: bool = False) -> Wording:
        """Per candidate, its best token-set and best token-sort likeness over its phrasings; with `closest`, also
        which phrasing is closest by the two together (for `ask --explain`)."""
        n = len(candidates)
        if not n or not stems:
            empty = np.zeros(n, dtype=np.float64)
            return Wording(empty, empty.copy(), np.full(n, -1, dtype=np.int64))
        picked = np.concatenate([self.document_phrasings[d] for d in candidates.tolist()])
        texts = list(chain.from_iterable(self.sorted_by_document[d] for d in candidates.tolist()))
        token_sort = process.cdist([" ".join(sorted(stems))], texts, scorer=fuzz.ratio, workers=1)[0]
        token_set = np.maximum(self._token_set(stems, picked), token_sort)
        sizes = self.starts[candidates + 1] - self.starts[candidates]
        has = sizes > 0
        heads = (np.cumsum(sizes) - sizes)[has]
        best_set, best_sort, best = np.zeros(n), np.zeros(n), np.full(n, -1, dtype=np.int64)
        best_set[has] = np.maximum.reduceat(token_set, heads)
        best_sort[has] = np.maximum.reduceat(token_sort, heads)
        if closest:  # the first of each slice's best blend
            blend = token_set + token_sort
            best[has] = [picked[a + int(np.argmax(blend[a : a + k]))] for a, k in zip(heads, sizes[has], strict=True)]
        return Wording(best_set, best_sort, best)

    def _token_set(self, stems: Sequence[str], picked: np.ndarray) -> np.ndarray:
        """Per picked phrasing (the candidates' phrasings, in order), token_set_ratio with the question (0–100), on
        whole stems: the shared stems sorted (s), then s + the question's others (t1), s + the phrasing's others
        (t2); the best of ratio(s, t1), ratio(s, t2) and ratio(t1, t2), which share a prefix; 100 when either
        side's stems all lie in the other."""
        held = [(stem, self.holding[stem]) for stem in dict.fromkeys(stems) if stem in self.holding]
        if not held or not len(picked):
            return np.zeros(len(picked))
        # Every phrasing's shared stems and their letters at once, from the postings of the question's stems
        # (a question's stems are distinct, and so are a phrasing's): counting beats comparing words.
        hits = np.concatenate([phrasings for _, phrasings in held])
        letters_per_hit = np.repeat([float(len(stem)) for stem, _ in held], [len(phrasings) for _, phrasings in held])
        size = len(self.lengths)
        shared = np.bincount(hits, minlength=size)[picked]
        letters = np.bincount(hits, weights=letters_per_hit, minlength=size)[picked]
        s = letters + np.maximum(shared - 1, 0)
        t1 = float(sum(len(w) for w in stems) + len(stems) - 1)
        t2 = self.lengths[picked]
        # No denominator is 0: the question has a stem (t1 > 0) and every phrasing has one (t2 > 0).
        twice = 2.0 * s
        best: np.ndarray = np.maximum(np.maximum(twice / (s + t1), twice / (s + t2)), (twice + 2.0) / (t1 + t2))
        np.minimum(best, 1.0, out=best)
        best *= 100.0
        best[shared == 0] = 0.0
        best[(shared > 0) & ((shared == len(stems)) | (shared == self.counts[picked]))] = 100.0
        return best


def build_phrasings(per_document: Sequence[Sequence[str]]) -> PhrasingIndex:
    """Each document's phrasings, already turned to stems; phrasings that read alike are kept once."""
    choices: list[str] = []
    starts: list[int] = []
    for phrasings in per_document:
        starts.append(len(choices))
        choices.extend(dict.fromkeys(p for p in phrasings if p))
    starts.append(len(choices))
    sorted_choices = tuple(" ".join(sorted(c.split())) for c in choices)
    exact: dict[str, list[int]] = {}
    for document in range(len(per_document)):
        for choice in sorted_choices[starts[document] : starts[document + 1]]:
            if document not in exact.setdefault(choice, []):
                exact[choice].append(document)
    holding: dict[str, list[int]] = {}
    for index, choice in enumerate(choices):
        for stem in dict.fromkeys(choice.split()):
            holding.setdefault(stem, []).append(index)
    phrasing_ranges = [(starts[d], starts[d + 1]) for d in range(len(per_document))]
    return PhrasingIndex(
        tuple(choices),
        sorted_choices,
        np.array(starts, dtype=np.int64),
        {k: tuple(v) for k, v in exact.items()},
        {stem: np.array(indexes, dtype=np.int64) for stem, indexes in holding.items()},
        tuple(np.arange(a, b, dtype=np.int64) for a, b in phrasing_ranges),
        np.array([len(c) for c in choices], dtype=np.float64),
        np.array([len(set(c.split())) for c in choices], dtype=np.float64),
        tuple(sorted_choices[a:b] for a, b in phrasing_ranges),
        np.diff(np.array(starts, dtype=np.int64)),
    )
