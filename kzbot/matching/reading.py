"""Stage 1, reading: from what was typed to the words and stems the other stages compare.

clean (mentions, links, control characters out) → fold (case, accents, punctuation) → rewrite synonyms and drop
stop words (the lexicon's) → correct spelling (see spelling.py) → stem (Snowball, English).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kzbot.matching.spelling import Correction, Speller
from kzbot.matching.stems import stem_all
from kzbot.text import Normaliser, ascii_fold

_NOISE = re.compile(r"<a?:\w+:\d+>|<[@#][!&]?\d+>|(?<!\w)@\w+|https?://\S+", re.IGNORECASE)
_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|,\s+")


@dataclass(frozen=True)
class Reading:
    """A question as the matcher reads it."""

    text: str  # cleaned: what the user meant to type
    folded: str  # lower case, ASCII letters and digits
    words: tuple[str, ...]  # content words: synonyms rewritten, stop words dropped, spelling corrected
    stems: tuple[str, ...]  # the words' stems, in order, without repeats
    corrections: tuple[Correction, ...] = ()


def clean(text: str) -> str:
    """Drop what is not the question: control and format characters (zero-width, direction marks), Discord
    mentions and custom emoji, a member addressed as typed ("@dana"), links; collapse white space."""
    if not text.isprintable():
        text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(_NOISE.sub(" ", text).split())


def clauses(text: str) -> list[str]:
    """The clauses of a message with several ("so it started with fuel, but what happened next?"), last first;
    none for a message of one clause."""
    parts = [c for c in _CLAUSE.split(text) if c.strip()]
    return parts[::-1] if len(parts) > 1 else []


@dataclass(frozen=True)
class Reader:
    """Reads questions with one knowledge base's synonyms, stop words and vocabulary."""

    normalise: Normaliser
    speller: Speller

    def read(self, text: str) -> Reading:
        cleaned = clean(text)
        words, corrections = self.speller.correct(self.normalise.content_words(cleaned))
        return Reading(cleaned, ascii_fold(cleaned), tuple(words), stem_all(words), tuple(corrections))

    def stems(self, text: str) -> tuple[str, ...]:
        """Stems of a knowledge-base text (no spelling correction: the knowledge base defines the words)."""
        return stem_all(self.normalise.content_words(text))
