"""A question that asks for a figure, a date or someone's reply its best entry does not give ("how many years did
tokayev spend in beijing" against an entry with no figure, "what did tokayev reply to xi" against Xi's words) is
not answered by that entry: the bot says the articles do not give it, and offers the entry as the nearest thing they
do say.

The words that ask, and the words that give, are the lexicon's (question_words: asks_number, asks_date,
asks_exact, asks_reply, question_openers, number_words, date_words, months, reply_words). A figure is given by a
number that is neither a year nor a day beside a month ("january 5"), or by a number word; a date by a year, a
month, a weekday or another date word; a reply by a word that says someone replied.
A question that asks for an exact figure ("how many exactly") is given one only by digits: "thousands" is not
an exact figure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kzbot.text import ascii_fold

KINDS = ("number", "date", "reply")
# Kinds whose asking words ask wherever they stand ("what did lavrov say back"); "when" inside a sentence is as
# often a conjunction, so the others must open the question.
ANYWHERE = frozenset({"reply"})
_YEAR = re.compile(r"^(1[89]|20)\d\d$")


@dataclass(frozen=True)
class DetailIndex:
    asks: Mapping[str, tuple[tuple[str, ...], ...]]  # kind -> phrases that ask for it
    exact: frozenset[str]  # words that ask for an exact figure
    window: int  # a phrase that asks must start within this many words of the question's start
    openers: frozenset[str]  # words that open another kind of question ("how", "why"): a phrase after one does not ask
    gives: tuple[frozenset[str], ...]  # per entry, the kinds its answer, details and quotes give ("exact" too)
    firsts: Mapping[str, frozenset[str]] = field(init=False)  # kind -> the first words of its phrases

    def __post_init__(self) -> None:
        object.__setattr__(self, "firsts", {k: frozenset(p[0] for p in v if p) for k, v in self.asks.items()})

    def asked(self, folded: str) -> tuple[str, ...]:
        """The kinds of detail a folded question asks for: a phrase that asks must open the question ("when did…",
        "so how many…"), for inside a sentence "when" is as often a conjunction ("…when it makes deals", "how does
        china react when…"): it asks only when no word opening another kind of question comes before it. A reply is
        asked for wherever the words stand ("…but what did lavrov say back to him")."""
        every = folded.split()
        words = every[: self.window]
        opened = next((i for i, w in enumerate(words) if w in self.openers), len(words))
        present = set(every)
        kinds = [
            k
            for k, phrases in self.asks.items()
            if not present.isdisjoint(self.firsts[k])
            and any(
                p[0] in present
                and (_starts_by(every, p, len(every)) if k in ANYWHERE else _starts_by(words, p, opened))
                for p in phrases
            )
        ]
        if "number" in kinds and present & self.exact:
            kinds[kinds.index("number")] = "exact"
        return tuple(kinds)

    def missing(self, folded: str, entry: int) -> str | None:
        """The first kind of detail the question asks for and the entry does not give ("number" for "exact")."""
        kind = next((k for k in self.asked(folded) if k not in self.gives[entry]), None)
        return "number" if kind == "exact" else kind


def build_details(lists: Mapping[str, Sequence[str]], texts: Sequence[str], window: int) -> DetailIndex:
    """texts: per entry, its answer, details and quotes in one string."""
    asks = {kind: tuple(tuple(ascii_fold(p).split()) for p in lists.get(f"asks_{kind}", ())) for kind in KINDS}
    number_words = _words(lists.get("number_words", ()))
    date_words = _words(lists.get("date_words", ()))
    months = _words(lists.get("months", ()))
    reply_words = _words(lists.get("reply_words", ()))
    gives = []
    for text in texts:
        tokens = ascii_fold(text.replace(",", "")).split()
        words = set(tokens)
        years = {w for w in words if _YEAR.match(w)}
        days = {w for i, w in enumerate(tokens) if w.isdigit() and months & set(tokens[max(i - 1, 0) : i + 2])}
        counts = {w for w in words if w.isdigit()} - years - days
        kinds = {"exact"} if counts else set()
        if counts or words & number_words:
            kinds.add("number")
        if years or days or words & date_words:
            kinds.add("date")
        if words & reply_words:
            kinds.add("reply")
        gives.append(frozenset(kinds))
    asks = {k: v for k, v in asks.items() if v}
    openers = _words(lists.get("question_openers", ()))
    return DetailIndex(asks, _words(lists.get("asks_exact", ())), window, openers, tuple(gives))


def _words(phrases: Sequence[str]) -> frozenset[str]:
    return frozenset(ascii_fold(" ".join(phrases)).split())


def _starts_by(words: list[str], phrase: tuple[str, ...], last: int) -> bool:
    """Whether the phrase occurs in the words, starting at index `last` at the latest."""
    n = len(phrase)
    return n > 0 and any(tuple(words[i : i + n]) == phrase for i in range(min(last, len(words) - n) + 1))
