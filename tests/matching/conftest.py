"""A small world: a ten-entry knowledge base built here, so each stage is tested on data the test can see."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from kzbot.knowledge import Actor, Entry, Gap, KnowledgeBase, Quote, Source, Topic
from kzbot.matcher import Matcher


def _entry(id: str, question: str, phrasings: list[str], answer: str, quote: str, actors: tuple[str, ...] = ()):
    return Entry(id, "world", question, tuple(phrasings), answer, None, (Quote("news", quote),), (), actors)


ENTRIES = [
    _entry(
        "why-no-fleet",
        "Why did Freedonia not send its fleet?",
        ["why no freedonian ships", "freedonia navy stayed home"],
        "Freedonia kept its navy in port because the treaty forbids it.",
        "the treaty forbids sending the fleet",
    ),
    _entry(
        "harbour-fire",
        "When did the harbour fire start?",
        ["date of the harbour fire", "when did the port burn"],
        "The fire started on 3 March in the old harbour.",
        "the fire broke out on 3 March",
    ),
    _entry(
        "fire-deaths",
        "How many people died in the fire?",
        ["fire death toll", "how many killed in the blaze"],
        "Officials counted 41 dead.",
        "41 people were killed",
    ),
    _entry(
        "fire-cause",
        "What caused the harbour fire?",
        ["why did the harbour burn", "cause of the blaze"],
        "Investigators blamed a fuel leak.",
        "a fuel leak was blamed",
    ),
    _entry(
        "mayor-view",
        "What did the mayor say about the fire?",
        ["mayor statement on the fire"],
        "Mayor Ortega called it a tragedy.",
        "Ortega called it a tragedy",
        ("ortega",),
    ),
    _entry(
        "treaty-basics",
        "What is the Harbour Treaty?",
        ["what is the harbour treaty", "harbour treaty explained"],
        "A pact between the two ports on shared defence.",
        "a pact on shared defence",
        ("harbour-treaty",),
    ),
    _entry(
        "trade-ties",
        "How important is trade with Sylvania?",
        ["sylvania trade", "is sylvania a big trading partner"],
        "Sylvania is the largest trading partner, buying grain and timber.",
        "the largest trading partner",
    ),
    _entry(
        "grain-exports",
        "What does Freedonia export?",
        ["freedonian exports", "what goods are shipped abroad"],
        "Mostly grain and timber.",
        "grain and timber make up most exports",
    ),
    _entry(
        "election-date",
        "When is the next election?",
        ["next vote date", "when do people vote again"],
        "The articles say an election is due in the spring.",
        "an election is due in the spring",
    ),
    _entry(
        "professor-view",
        "What does Professor Lind think?",
        ["lind opinion", "what does the expert think"],
        "Lind says the fleet was never ready.",
        "the fleet was never ready",
        ("anna-lind",),
    ),
]

ACTORS = [
    Actor(
        "ortega",
        "Carlos Ortega",
        ("Ortega", "Mayor Ortega", "Ortego"),
        "person",
        "Mayor of Freedonia City",
        "Freedonia City",
        "The mayor.",
        None,
        None,
        ("news",),
        (),
        ("who runs the city", "who is in charge of freedonia city"),
    ),
    Actor(
        "anna-lind",
        "Anna Lind",
        ("Lind", "Prof. Lind"),
        "person",
        "Professor at the Naval Academy of Sylvania",
        "Naval Academy of Sylvania",
        "A naval historian.",
        None,
        None,
        ("news",),
        (),
    ),
    Actor(
        "naval-academy",
        "Naval Academy of Sylvania",
        ("NAS",),
        "organisation",
        "A military university",
        None,
        "The academy.",
        None,
        None,
        ("news",),
        (),
    ),
    Actor(
        "harbour-treaty",
        "Harbour Treaty Organisation",
        ("HTO",),
        "organisation",
        "A defence pact",
        None,
        "The pact.",
        None,
        None,
        ("news",),
        (),
    ),
    Actor(
        "harbour-board",
        "Harbour Board",
        ("Port Authority",),
        "organisation",
        "The body that runs the old harbour",
        None,
        "The board.",
        None,
        None,
        ("news",),
        (),
        places=("Port Royal", "Portroyale"),
    ),
]

GAPS = [
    Gap(
        "arrests",
        "The articles do not say how many people were arrested.",
        ("how many people were arrested", "arrests after the fire"),
        ("fire-deaths",),
    )
]

LEXICON = {
    "synonyms": {
        "fire": ("blaze", "inferno"),
        "navy": ("fleet", "ships"),
        "freedonia": ("freedonian",),
        "sylvania": ("sylv",),
        "naval academy": ("navacad",),
    },
    "stopwords": (
        "the",
        "a",
        "an",
        "is",
        "was",
        "did",
        "do",
        "does",
        "of",
        "in",
        "on",
        "to",
        "what",
        "how",
        "about",
        "say",
        "its",
        "it",
        "and",
        "who",
        "that",
        "there",
        "were",
        "people",
    ),
    "entities": ("freedonia", "sylvania", "ruritania"),
    "question_words": {
        "who_prefixes": ("who is", "tell me about", "what is"),
        "who_suffixes": ("who is that", "what does he think", "what does she think"),
        "what_words": ("what", "whats"),
        "name_fillers": ("who", "guy", "never", "heard"),
        "titles": ("the", "mr", "prof", "professor"),
        "descriptors": ("professor", "mayor", "university"),
        "asks_number": ("how many", "how much"),
        "asks_date": ("when", "what year"),
        "question_openers": ("how", "what", "why", "who", "where", "which", "when"),
        "number_words": ("thousand", "dozens"),
        "date_words": ("march", "spring", "monday"),
        "months": ("march",),
        "asks_exact": ("exactly",),
        "asks_reply": ("reply", "say back"),
        "reply_words": ("replied",),
    },
}


def small_kb() -> KnowledgeBase:
    return KnowledgeBase(
        sources=MappingProxyType(
            {"news": Source("news", "000.txt", "Fire in the harbour", None, False, "2022-03-03", None, "A report.")}
        ),
        topics=MappingProxyType({"world": Topic("world", "The world", tuple(e.id for e in ENTRIES))}),
        entries=MappingProxyType({e.id: e for e in ENTRIES}),
        actors=MappingProxyType({a.id: a for a in ACTORS}),
        events=(),
        synonyms=MappingProxyType(LEXICON["synonyms"]),
        stopwords=LEXICON["stopwords"],
        entities=LEXICON["entities"],
        version="small",
        gaps=tuple(GAPS),
        question_words=MappingProxyType(LEXICON["question_words"]),
    )


@pytest.fixture(scope="session")
def world() -> KnowledgeBase:
    return small_kb()


@pytest.fixture(scope="session")
def small(world: KnowledgeBase) -> Matcher:
    return Matcher(world)
