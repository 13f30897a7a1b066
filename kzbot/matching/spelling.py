"""Stage 2, spelling: an unknown word is corrected to the closest word the knowledge base knows.

"kazakstan", "troups" and "tokaev" still count. Only words of a few letters or more are corrected, and a slip
for a stop word must be nearer still, so "weather" is not read as "whether".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
from rapidfuzz import fuzz, process

from kzbot.matching.stems import stem_all
from kzbot.matching.tuning import Tuning


@dataclass(frozen=True)
class Correction:
    typed: str
    read_as: str


@dataclass(frozen=True)
class Speller:
    known: frozenset[str]
    known_stems: frozenset[str]  # an inflection of a known word is known too ("protesters" of "protest")
    stopwords: frozenset[str]
    # (length, position, letter) -> words of that length with that letter at position 0 or 1
    buckets: Mapping[tuple[int, int, str], tuple[str, ...]]
    # a misspelt synonym ("beijng") is corrected to the synonym, then rewritten like it ("china")
    rewrites: Mapping[str, tuple[str, ...]]
    stem_rewrites: Mapping[str, tuple[str, ...]]  # the same, by the misspelling's stem
    tuning: Tuning
    memo: dict[str, str] = field(default_factory=dict, compare=False)

    def correct(self, words: list[str]) -> tuple[list[str], list[Correction]]:
        out: list[str] = []
        corrections: list[Correction] = []
        for word in words:
            if word in self.known or len(word) < self.tuning.typo_min_length or word.isdigit():
                out.append(word)
                continue
            stem = stem_all((word,))[0]
            if stem in self.stem_rewrites:  # "russains", an inflected slip for a synonym
                out.extend(self.stem_rewrites[stem])
                continue
            if stem in self.known_stems:  # "protesters", an inflection of a known word
                out.append(word)
                continue
            read_as = self.closest(word)
            if read_as != word:
                corrections.append(Correction(word, read_as))
            if read_as in self.stopwords:
                continue
            out.extend(self.rewrites.get(read_as, (read_as,)))
        return list(dict.fromkeys(out)), corrections

    def closest(self, word: str) -> str:
        """The closest known word (ties: alphabetical), or the word itself."""
        if word in self.memo:
            return self.memo[word]
        cutoff = self.tuning.typo_score_cutoff
        # ratio = 2·common / (a + b): only words of a length that can reach the cutoff, sharing the first or the
        # second letter (one slip never changes both, unless it swaps them).
        reach = cutoff / (200.0 - cutoff)
        lengths = range(math.ceil(len(word) * reach), math.floor(len(word) / reach) + 1)
        same = tuple(chain.from_iterable(self.buckets.get((n, 0, word[0]), ()) for n in lengths))
        other = tuple(chain.from_iterable(self.buckets.get((n, 1, word[1]), ()) for n in lengths))
        pool = same + other  # a word may be in both: scored twice, alike
        best = word
        if pool:
            raw = process.cdist([word], pool, scorer=fuzz.ratio, score_cutoff=cutoff, workers=1)[0]
            # A slip rarely changes the first letter: among equals, "troups" is "troops", not "groups".
            scores = raw.copy()
            scores[: len(same)] += self.tuning.typo_first_letter_bonus * (raw[: len(same)] > 0)
            top = float(scores.max())
            if top > 0:
                index = min(np.flatnonzero(scores == top).tolist(), key=pool.__getitem__)  # ties: alphabetical
                if not (pool[index] in self.stopwords and raw[index] < self.tuning.stopword_typo_score_cutoff):
                    best = pool[index]
        if len(self.memo) >= self.tuning.memo_words:
            self.memo.clear()
        self.memo[word] = best
        return best


def build_speller(
    vocabulary: Iterable[str], stopwords: frozenset[str], rewrites: Mapping[str, tuple[str, ...]], tuning: Tuning
) -> Speller:
    """A speller that knows the vocabulary, the misspelt-synonym rewrites and the longer stop words."""
    words = frozenset(vocabulary)
    known = words | frozenset(rewrites)
    targets = known | {w for w in stopwords if len(w) >= tuning.typo_min_length}
    buckets: dict[tuple[int, int, str], list[str]] = {}
    for word in sorted(targets):
        for position in (0, 1):
            if len(word) > position:
                buckets.setdefault((len(word), position, word[position]), []).append(word)
    stems = frozenset(stem_all(sorted(words)))
    by_stem = {stem_all((variant,))[0]: target for variant, target in rewrites.items()}
    by_stem = {s: t for s, t in by_stem.items() if s not in stems}
    return Speller(known, stems, stopwords, {k: tuple(v) for k, v in buckets.items()}, rewrites, by_stem, tuning)
