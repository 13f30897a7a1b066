"""Stage 4, wording: how alike the question is to each candidate's closest phrasing (rapidfuzz).

Both sides are compared as stems, so "sending soldiers" and "send troops" meet after the lexicon's synonyms.
Two scorers, each the best over the candidate's phrasings: a token-set likeness (the question's words within a
phrasing's, order aside) and rapidfuzz's token-sort ratio (the whole wording, order aside).

The token-set likeness is rapidfuzz's token_set_ratio computed on whole stems with numpy: the words both share
are counted from a precomputed table instead of compared letter by letter, so scoring every candidate's
phrasings costs a few microseconds. Where two wordings share no stem it falls back to the token-sort ratio.
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
    vocabulary: Mapping[str, int]  # stem -> id
    word_ids: np.ndarray  # every phrasing's stems, as ids, one after another
    word_lengths: np.ndarray  # the letters in each of those stems
    word_starts: np.ndarray  # phrasing p's stems are word_ids[word_starts[p]:word_starts[p + 1]]
    document_phrasings: tuple[np.ndarray, ...]  # per document, the indexes of its phrasings
    document_words: tuple[np.ndarray, ...]  # per document, the indexes of its phrasings' stems
    lengths: np.ndarray  # per phrasing, the letters of its stems joined by spaces
    counts: np.ndarray  # per phrasing, how many stems it has
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
        token_set = np.maximum(self._token_set(stems, candidates, picked), token_sort)
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

    def _token_set(self, stems: Sequence[str], candidates: np.ndarray, picked: np.ndarray) -> np.ndarray:
        """Per picked phrasing (the candidates' phrasings, in order), token_set_ratio with the question (0–100), on
        whole stems: the shared stems sorted (s), then s + the question's others (t1), s + the phrasing's others
        (t2); the best of ratio(s, t1), ratio(s, t2) and ratio(t1, t2), which share a prefix; 100 when either
        side's stems all lie in the other."""
        mark = np.zeros(len(self.vocabulary), dtype=bool)
        mark[[self.vocabulary[s] for s in stems if s in self.vocabulary]] = True
        # A candidate's phrasings, and so their stems, lie side by side: one slice per candidate.
        words = np.concatenate([self.document_words[d] for d in candidates.tolist()])
        if not len(words):
            return np.zeros(len(picked))
        stem_counts = self.counts[picked]
        offsets = (np.cumsum(stem_counts) - stem_counts).astype(np.int64)
        hit = mark[self.word_ids[words]]
        shared = np.add.reduceat(hit.astype(np.float64), offsets)
        letters = np.add.reduceat(self.word_lengths[words] * hit, offsets)
        s = letters + np.maximum(shared - 1.0, 0.0)
        t1 = float(sum(len(w) for w in stems) + len(stems) - 1)
        t2 = self.lengths[picked]
        with np.errstate(divide="ignore", invalid="ignore"):
            best = np.maximum.reduce([2.0 * s / (s + t1), 2.0 * s / (s + t2), 2.0 * (s + 1.0) / (t1 + t2)])
        best = np.where(shared > 0, best, 0.0)
        inside = (shared > 0) & ((shared == len(stems)) | (shared == stem_counts))
        return np.asarray(np.where(inside, 100.0, 100.0 * np.minimum(best, 1.0)), dtype=np.float64)


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
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    word_starts: list[int] = []
    for choice in choices:
        word_starts.append(len(ids))
        ids.extend(vocabulary.setdefault(stem, len(vocabulary)) for stem in dict.fromkeys(choice.split()))
    word_starts.append(len(ids))
    words = sorted(vocabulary, key=vocabulary.__getitem__)
    phrasing_ranges = [(starts[d], starts[d + 1]) for d in range(len(per_document))]
    return PhrasingIndex(
        tuple(choices),
        sorted_choices,
        np.array(starts, dtype=np.int64),
        {k: tuple(v) for k, v in exact.items()},
        vocabulary,
        np.array(ids, dtype=np.int64),
        np.array([len(words[i]) for i in ids], dtype=np.float64),
        np.array(word_starts, dtype=np.int64),
        tuple(np.arange(a, b, dtype=np.int64) for a, b in phrasing_ranges),
        tuple(np.arange(word_starts[a], word_starts[b], dtype=np.int64) for a, b in phrasing_ranges),
        np.array([len(c) for c in choices], dtype=np.float64),
        np.array([len(set(c.split())) for c in choices], dtype=np.float64),
        tuple(sorted_choices[a:b] for a, b in phrasing_ranges),
        np.diff(np.array(starts, dtype=np.int64)),
    )
