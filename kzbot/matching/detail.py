"""A question that asks for a figure or a date its best entry does not give ("how many years did tokayev spend in
beijing" against an entry with no figure) is not answered by that entry: the bot says the articles do not give it,
and offers the entry as the nearest thing they do say. The words that ask, and the words that give, are the
lexicon's (question_words: asks_number, asks_date, number_words, date_words); digits always give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kzbot.text import ascii_fold

KINDS = ("number", "date")


@dataclass(frozen=True)
class DetailIndex:
    asks: Mapping[str, tuple[tuple[str, ...], ...]]  # kind -> phrases that ask for it
    gives: tuple[frozenset[str], ...]  # per entry, the kinds its answer, details and quotes give

    def asked(self, folded: str) -> tuple[str, ...]:
        """The kinds of detail a folded question asks for."""
        words = folded.split()
        present = set(words)
        return tuple(
            kind
            for kind, phrases in self.asks.items()
            if any(p[0] in present and _contains(words, p) for p in phrases)
        )

    def missing(self, folded: str, entry: int) -> str | None:
        """The first kind of detail the question asks for and the entry does not give."""
        return next((kind for kind in self.asked(folded) if kind not in self.gives[entry]), None)


def build_details(lists: Mapping[str, Sequence[str]], texts: Sequence[str]) -> DetailIndex:
    """texts: per entry, its answer, details and quotes in one string."""
    asks = {kind: tuple(tuple(ascii_fold(p).split()) for p in lists.get(f"asks_{kind}", ())) for kind in KINDS}
    gives_words = {kind: frozenset(ascii_fold(" ".join(lists.get(f"{kind}_words", ()))).split()) for kind in KINDS}
    gives = []
    for text in texts:
        words = set(ascii_fold(text).split())
        digits = any(w.isdigit() for w in words)
        gives.append(frozenset(k for k in KINDS if digits or words & gives_words[k]))
    return DetailIndex({k: v for k, v in asks.items() if v}, tuple(gives))


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))
