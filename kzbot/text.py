"""Text folding shared by the loader and the matcher: one place decides what "the same words" means."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_QUOTES = str.maketrans({"’": "'", "‘": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")


def fold_quote(text: str) -> str:
    """Fold typographic quotes to plain ones and runs of white space to one space (the quote check)."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def ascii_fold(text: str) -> str:
    """Lower-case, strip accents and drop everything but letters, digits and single spaces."""
    text = text.translate(_QUOTES).casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = text.replace("'", "")
    return " ".join(_WORD.findall(stripped))


class Normaliser:
    """Turns a question into the words the matcher compares: folded, synonyms rewritten, stop words dropped.

    Synonym variants may be phrases ("collective security treaty organization"); the longest variant wins.
    """

    def __init__(self, synonyms: Mapping[str, Iterable[str]], stopwords: Iterable[str]) -> None:
        table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for canonical, variants in synonyms.items():
            target = tuple(ascii_fold(canonical).split())
            for variant in variants:
                words = tuple(ascii_fold(variant).split())
                if words and words != target:
                    table[words] = target
        self._table = table
        # The lengths of the variants that start with each word, longest first: most words start none.
        sizes: dict[str, set[int]] = {}
        for words in table:
            sizes.setdefault(words[0], set()).add(len(words))
        self._sizes = {first: sorted(found, reverse=True) for first, found in sizes.items()}
        self.stopwords = frozenset(ascii_fold(w) for w in stopwords)

    def single_word_variants(self) -> dict[str, tuple[str, ...]]:
        """One-word variants and what they are rewritten to ("beijing" -> ("china",)), for spelling correction."""
        return {words[0]: target for words, target in self._table.items() if len(words) == 1}

    def words(self, text: str) -> list[str]:
        """Folded words with synonyms rewritten, stop words kept."""
        tokens = ascii_fold(text).split()
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in self._sizes.get(tokens[i], ()):
                target = self._table.get(tuple(tokens[i : i + size])) if i + size <= len(tokens) else None
                if target is not None:
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def content_words(self, text: str) -> list[str]:
        """The meaningful words: synonyms rewritten; stop words and single letters or digits dropped."""
        return [w for w in self.words(text) if w not in self.stopwords and len(w) > 1]

    def __call__(self, text: str) -> str:
        return " ".join(self.content_words(text))
