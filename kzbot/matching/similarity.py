"""Stage 4, wording: how alike the question is to each candidate's closest phrasing (rapidfuzz).

Both sides are compared as stems, so "sending soldiers" and "send troops" meet after the lexicon's synonyms.
Two scorers, each the best over the candidate's phrasings: token-set ratio (the question's words within a
phrasing's, order aside) and token-sort ratio (the whole wording, order aside).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Wording:
    token_set: np.ndarray  # per candidate, 0–100
    token_sort: np.ndarray  # per candidate, 0–100
    best_phrasing: tuple[str, ...]  # per candidate, the phrasing (as stems) with the best blend

    def cut(self, start: int, stop: int) -> Wording:
        return Wording(self.token_set[start:stop], self.token_sort[start:stop], self.best_phrasing[start:stop])


@dataclass(frozen=True)
class PhrasingIndex:
    choices: tuple[str, ...]  # every document's distinct phrasings, as space-joined stems
    sorted_choices: tuple[str, ...]  # the same, stems sorted (token-sort ratio without re-sorting per call)
    starts: np.ndarray  # document d's phrasings are choices[starts[d]:starts[d + 1]]
    exact: Mapping[str, tuple[int, ...]]  # sorted stems of a phrasing -> the documents that have it

    def repeated_by(self, stems: Sequence[str]) -> tuple[int, ...]:
        """The documents with a phrasing of exactly these stems, in any order."""
        return self.exact.get(" ".join(sorted(stems)), ())

    def compare(self, stems: Sequence[str], candidates: np.ndarray) -> Wording:
        n = len(candidates)
        if not n or not stems:
            empty = np.zeros(n, dtype=np.float64)
            return Wording(empty, empty.copy(), ("",) * n)
        spans = [(int(self.starts[d]), int(self.starts[d + 1])) for d in candidates]
        subset = [c for a, b in spans for c in self.choices[a:b]]
        subset_sorted = [c for a, b in spans for c in self.sorted_choices[a:b]]
        query = " ".join(stems)
        token_set = process.cdist([query], subset, scorer=fuzz.token_set_ratio, workers=1)[0]
        token_sort = process.cdist([" ".join(sorted(stems))], subset_sorted, scorer=fuzz.ratio, workers=1)[0]
        sizes = np.array([b - a for a, b in spans], dtype=np.int64)
        bounds = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        blend = token_set + token_sort
        best_set = np.zeros(n)
        best_sort = np.zeros(n)
        best_text: list[str] = []
        for i, (start, size) in enumerate(zip(bounds, sizes, strict=True)):
            if size == 0:
                best_text.append("")
                continue
            at = start + int(np.argmax(blend[start : start + size]))
            best_set[i], best_sort[i] = token_set[at], token_sort[at]
            best_text.append(subset[at])
        return Wording(best_set, best_sort, tuple(best_text))


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
    return PhrasingIndex(
        tuple(choices), sorted_choices, np.array(starts, dtype=np.int64), {k: tuple(v) for k, v in exact.items()}
    )
