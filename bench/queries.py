"""Generated queries: what people type, drawn from a knowledge base's own phrasings and names.

Questions mix the knowledge base's phrasings with a slip or two, the same with their words shuffled, and
questions about something else entirely; names mix actor names and aliases with slips, surnames alone,
and names the articles never mention; autocomplete inputs are the first few characters of a question, as
Discord sends them while someone types. Everything is seeded, so every run times the same queries.
"""

from __future__ import annotations

import random

from bench.synthetic import perturb, typo
from kzbot.knowledge import KnowledgeBase

UNRELATED_QUESTIONS = (
    "what is the weather in paris tomorrow",
    "how do i bake sourdough bread",
    "who won the football world cup in 2018",
    "best laptop for programming",
    "how tall is mount everest",
    "what time is it in tokyo",
    "is bitcoin going up this year",
    "recommend me a good movie",
    "how many moons does jupiter have",
    "what is the capital of australia",
    "how do i reset my router password",
    "why is the sky blue",
    "translate hello into french",
    "who wrote war and peace",
    "what is the boiling point of water",
    "how to learn the guitar fast",
    "lol",
    "ok thanks",
    "can you help me with my homework",
    "what does the fox say",
)
UNRELATED_NAMES = (
    "Angela Merkel",
    "Elon Musk",
    "Taylor Swift",
    "Napoleon",
    "Jacinda Ardern",
    "the Red Cross",
    "NATO",
    "Lionel Messi",
    "Marie Curie",
    "BBC",
)


def questions(kb: KnowledgeBase, count: int, *, seed: int = 11) -> list[str]:
    """`count` questions: 60 % phrasings with slips, 20 % shuffled phrasings, 20 % unrelated; shuffled."""
    rng = random.Random(seed)
    entries = list(kb.entries.values())
    out: list[str] = []
    for i in range(count):
        kind = i % 10
        entry = rng.choice(entries)
        text = rng.choice((entry.question, *entry.phrasings))
        if kind < 6:
            out.append(perturb(text, rng, typos=1 + rng.randrange(2)))
        elif kind < 8:
            out.append(perturb(text, rng, typos=rng.randrange(2), shuffle=True))
        else:
            out.append(perturb(rng.choice(UNRELATED_QUESTIONS), rng, typos=rng.randrange(2)))
    rng.shuffle(out)
    return out


def names(kb: KnowledgeBase, count: int, *, seed: int = 13) -> list[str]:
    """`count` /actor inputs: 50 % names or aliases with a slip, 30 % one word of a name, 20 % unknown names."""
    rng = random.Random(seed)
    actors = list(kb.actors.values())
    out: list[str] = []
    for i in range(count):
        kind = i % 10
        actor = rng.choice(actors)
        name = rng.choice((actor.name, *actor.aliases))
        if kind < 5:
            words = name.split()
            j = rng.randrange(len(words))
            words[j] = typo(words[j], rng) if rng.random() < 0.7 else words[j]
            out.append(" ".join(words))
        elif kind < 8:
            out.append(rng.choice(name.split()))
        else:
            out.append(rng.choice(UNRELATED_NAMES))
    rng.shuffle(out)
    return out


def typed(kb: KnowledgeBase, count: int, *, seed: int = 17) -> list[str]:
    """`count` autocomplete inputs: the first 3 to 40 characters of a question or phrasing, some with a slip."""
    rng = random.Random(seed)
    entries = list(kb.entries.values())
    out: list[str] = []
    for _ in range(count):
        entry = rng.choice(entries)
        text = rng.choice((entry.question, *entry.phrasings))
        if rng.random() < 0.3:
            text = perturb(text, rng)
        out.append(text[: rng.randint(3, 40)])
    return out
