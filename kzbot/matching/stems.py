"""Snowball stems (English): "troops", "sending" and "protesters" meet "troop", "send" and "protest"."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import Stemmer


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem_all(words: Sequence[str]) -> tuple[str, ...]:
    """Stems of the words, in order, each once."""
    return tuple(dict.fromkeys(_stemmer().stemWords(list(words))))
