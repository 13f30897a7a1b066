"""What a question asks for, by its opening words ("why…", "when…", "how many…", "did…"), and how often each
entry's own phrasings ask the same way. A "why" question about the protests wants the entry on their cause, not
the one on when they began. The phrases are the lexicon's (question_words: intent_why, intent_when, …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kzbot.text import ascii_fold

_PREFIX = "intent_"


@dataclass(frozen=True)
class IntentIndex:
    phrases: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]]  # first word -> (phrase, intent), longest first
    window: int  # an intent phrase must start within this many words of the question's start
    shares: Mapping[str, np.ndarray]  # intent -> per document, the share of its phrasings that ask that way

    def of(self, folded: str) -> str | None:
        """The intent of a folded question: the phrase that starts first (the longest among those)."""
        words = folded.split()
        best: tuple[int, int, str] | None = None
        for start in range(min(self.window, len(words))):
            for phrase, intent in self.phrases.get(words[start], ()):
                if tuple(words[start : start + len(phrase)]) == phrase:
                    best = (start, -len(phrase), intent)
                    break
            if best is not None:
                return best[2]
        return None

    def agreement(self, folded: str, documents: np.ndarray) -> np.ndarray:
        """Per document, the share of its phrasings that ask the way the question does (0 when it asks no way)."""
        intent = self.of(folded)
        if intent is None:
            return np.zeros(len(documents))
        return np.asarray(self.shares[intent][documents], dtype=np.float64)


def build_intents(lists: Mapping[str, Sequence[str]], phrasings: Sequence[Sequence[str]], window: int) -> IntentIndex:
    """phrasings: per document, its question and phrasings as typed."""
    pairs = {
        tuple(ascii_fold(p).split()): key.removeprefix(_PREFIX)
        for key, values in lists.items()
        if key.startswith(_PREFIX)
        for p in values
    }
    ordered = sorted(((p, i) for p, i in pairs.items() if p), key=lambda pi: (-len(pi[0]), pi[0]))
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, intent in ordered:
        by_first.setdefault(phrase[0], []).append((phrase, intent))
    firsts = {word: tuple(found) for word, found in by_first.items()}
    index = IntentIndex(firsts, window, {})
    intents = sorted(set(pairs.values()))
    table = np.zeros((len(intents), len(phrasings)))
    for d, texts in enumerate(phrasings):
        found = [index.of(ascii_fold(t)) for t in texts]
        for i, intent in enumerate(intents):
            table[i, d] = sum(f == intent for f in found) / max(len(found), 1)
    return IntentIndex(firsts, window, {intent: table[i] for i, intent in enumerate(intents)})
