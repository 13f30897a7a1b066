"""Synthetic knowledge bases of any size, grown in memory from the shipped one.

Each clone of an entry gets a new id and its own made-up keyword (a pronounceable non-word such as
"tavomiru"), and its phrasings are perturbed (words shuffled, a letter dropped or swapped), so clones are
distinguishable the way real, distinct entries are, and the vocabulary grows with the knowledge base.
Actors grow in the same proportion (a clone's name is the real name plus its keyword), so questions that
name someone are scored against as many names as a real knowledge base of that size would hold.
"""

from __future__ import annotations

import random
from dataclasses import replace
from types import MappingProxyType

from kzbot.knowledge import Actor, Entry, KnowledgeBase, Topic

_ONSETS = tuple("bdfgklmnprstvz")
_VOWELS = tuple("aeiou")
_SPACE = (len(_ONSETS) * len(_VOWELS)) ** 4
_SPREAD = 2_654_435_761  # odd and coprime with _SPACE, so number → word stays one to one


def keyword(number: int) -> str:
    """A distinct pronounceable non-word for every number: 0 → "baba", 1 → "babe", …"""
    syllables = []
    # Spread consecutive numbers over the whole space, so neighbouring clones get unalike words.
    value = (number * _SPREAD) % _SPACE if number < _SPACE else number
    for _ in range(4):
        value, vowel = divmod(value, len(_VOWELS))
        value, onset = divmod(value, len(_ONSETS))
        syllables.append(_ONSETS[onset] + _VOWELS[vowel])
    while value:
        value, vowel = divmod(value, len(_VOWELS))
        value, onset = divmod(value, len(_ONSETS))
        syllables.append(_ONSETS[onset] + _VOWELS[vowel])
    return "".join(reversed(syllables))


def typo(word: str, rng: random.Random) -> str:
    """One slip a typist makes: a letter dropped, doubled, swapped with its neighbour, or replaced."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1 :]


def perturb(text: str, rng: random.Random, *, typos: int = 1, shuffle: bool = False) -> str:
    """The text with up to `typos` misspelt words, and its words shuffled when asked."""
    words = text.split()
    if shuffle:
        rng.shuffle(words)
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    for i in rng.sample(long_words, min(typos, len(long_words))):
        words[i] = typo(words[i], rng)
    return " ".join(words)


def _clone_entry(entry: Entry, number: int, word: str, rng: random.Random) -> Entry:
    phrasings = tuple(
        perturb(f"{p} {word}", rng, typos=rng.randrange(2), shuffle=rng.random() < 0.3) for p in entry.phrasings
    )
    return replace(
        entry,
        id=f"{entry.id}-x{number}",
        question=f"{entry.question[:-1]} ({word})?",
        phrasings=phrasings,
        answer=f"{entry.answer} ({word})",
        related=(),
    )


def _clone_actor(actor: Actor, number: int, word: str) -> Actor:
    return replace(
        actor,
        id=f"{actor.id}-x{number}",
        name=f"{actor.name} {word.capitalize()}",
        aliases=tuple(f"{a} {word.capitalize()}" for a in actor.aliases[:2]),
        mentioned_in=(),
    )


def synthetic_kb(base: KnowledgeBase, size: int, *, seed: int = 7) -> KnowledgeBase:
    """A KnowledgeBase of `size` entries: the shipped entries, then perturbed clones of them in turn."""
    rng = random.Random(seed)
    originals = list(base.entries.values())
    entries: dict[str, Entry] = {e.id: e for e in originals[:size]}
    number = 0
    while len(entries) < size:
        entry = originals[number % len(originals)]
        clone = _clone_entry(entry, number, keyword(number), rng)
        entries[clone.id] = clone
        number += 1
    actor_originals = list(base.actors.values())
    actor_count = max(len(actor_originals), round(size * len(actor_originals) / max(len(originals), 1)))
    actors: dict[str, Actor] = {a.id: a for a in actor_originals}
    number = 0
    while len(actors) < actor_count:
        actor = actor_originals[number % len(actor_originals)]
        clone = _clone_actor(actor, number, keyword(number))
        actors[clone.id] = clone
        number += 1
    topics: dict[str, list[str]] = {}
    for entry in entries.values():
        topics.setdefault(entry.topic, []).append(entry.id)
    # replace() keeps every other field of the shipped knowledge base (sources, lexicon, events, …) as it is.
    return replace(
        base,
        topics=MappingProxyType(
            {tid: Topic(tid, base.topics[tid].title, tuple(ids)) for tid, ids in topics.items() if tid in base.topics}
        ),
        entries=MappingProxyType(entries),
        actors=MappingProxyType(actors),
        version=f"synthetic-{size}",
    )
