"""Build every stage once from a KnowledgeBase, in pure functions, into frozen objects."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kzbot.knowledge import Entry, Gap, KnowledgeBase
from kzbot.matching.decision import FEATURES as CONFIDENCE_FEATURES
from kzbot.matching.detail import DetailIndex, build_details
from kzbot.matching.evidence import Document, EvidenceIndex, build_evidence
from kzbot.matching.intent import IntentIndex, build_intents
from kzbot.matching.likelihood import Bag, LikelihoodIndex, build_likelihood
from kzbot.matching.names import ActorIndex, AskedAs, NameWords, build_actor_index, build_asked_as
from kzbot.matching.pairs import PairIndex, build_pairs
from kzbot.matching.reading import Reader
from kzbot.matching.similarity import PhrasingIndex, build_phrasings
from kzbot.matching.spelling import build_speller
from kzbot.matching.trees import Trees, load_trees
from kzbot.matching.tuning import Tuning
from kzbot.text import Normaliser, ascii_fold


@dataclass(frozen=True)
class Stages:
    entries: tuple[Entry, ...]
    gaps: tuple[Gap, ...]  # document len(entries) + i is gap i
    reader: Reader
    evidence: EvidenceIndex
    likelihood: LikelihoodIndex  # how typical the question's words are of each entry, by their counts
    phrasings: PhrasingIndex
    pairs: PairIndex  # the neighbouring stems each entry's question, phrasings, answer and details hold
    actors: ActorIndex
    asked_as: AskedAs  # questions that an actor's profile answers without naming the actor
    entity_stems: frozenset[str]
    explained_by: Mapping[str, Entry]  # actor id -> the entry that explains what it is
    claims: frozenset[str]  # every entry's phrasings, folded, titles dropped: such a question is not a name
    vocabulary: tuple[str, ...]  # every known word, sorted (autocomplete completes a half-typed word from it)
    details: DetailIndex  # which entries give a figure or a date
    intents: IntentIndex  # what each entry's phrasings ask for ("why", "when", …)
    confidence: Trees | None  # the fitted trees that say how likely the best candidate is right


def build(kb: KnowledgeBase, tuning: Tuning, max_phrasings: int | None = None) -> Stages:
    """All stages for one knowledge base. max_phrasings keeps only each entry's first N phrasings (to measure
    what the curated phrasings add)."""
    normalise = kb.normaliser()
    entries = tuple(kb.entries.values())
    if max_phrasings is not None:
        entries = tuple(_first_phrasings(e, max_phrasings) for e in entries)
    gaps = tuple(kb.gaps)
    words = NameWords.from_lists(kb.question_words, normalise.stopwords, kb.entities)
    vocabulary = _vocabulary(kb, entries, normalise)
    reader = Reader(
        normalise,
        build_speller(vocabulary, normalise.stopwords, _rewrites(vocabulary, normalise, tuning), tuning),
    )
    stems = _Stems(reader)
    documents = [_document(kb, e, stems) for e in entries] + [
        Document(frozenset(s for p in g.phrasings for s in stems(p))) for g in gaps
    ]
    bags = [Bag(**{k: [stems(t) for t in v] for k, v in _entry_texts(kb, e).items()}) for e in entries]
    bags += [Bag([stems(p) for p in g.phrasings]) for g in gaps]
    phrasing_lists = [[" ".join(stems(p)) for p in (e.question, *e.phrasings)] for e in entries]
    phrasing_lists += [[" ".join(stems(p)) for p in g.phrasings] for g in gaps]
    actors = build_actor_index(tuple(kb.actors.values()), words, tuning, normalise.single_word_variants())
    return Stages(
        entries=entries,
        gaps=gaps,
        reader=reader,
        evidence=build_evidence(documents, len(entries), tuning),
        likelihood=build_likelihood(bags, tuning),
        phrasings=build_phrasings(phrasing_lists),
        pairs=build_pairs([[stems(t) for t in (e.question, *e.phrasings, e.answer, e.details or "")] for e in entries]),
        actors=actors,
        asked_as=build_asked_as(tuple(kb.actors.values()), stems, tuning.asked_as_similarity),
        entity_stems=frozenset(s for name in kb.entities for s in reader.stems(name)),
        explained_by=_explanations(entries, actors, tuning.explaining_words),
        claims=frozenset(
            " ".join(w for w in ascii_fold(p).split() if w not in words.titles)
            for e in entries
            for p in (e.question, *e.phrasings)
        ),
        vocabulary=tuple(sorted(reader.speller.known)),
        details=build_details(
            kb.question_words,
            [" ".join([e.answer, e.details or "", *(q.quote for q in e.sources)]) for e in entries],
            tuning.detail_window,
        ),
        intents=build_intents(
            kb.question_words,
            [(e.question, *e.phrasings) for e in entries] + [g.phrasings for g in gaps],
            tuning.detail_window,
        ),
        confidence=_trees(tuning.confidence_trees),
    )


@functools.cache
def _trees(name: str) -> Trees | None:
    """The fitted trees named in the tuning, read once per process (a reload rebuilds the rest)."""
    return load_trees(Path(__file__).with_name(name), CONFIDENCE_FEATURES) if name else None


def _first_phrasings(entry: Entry, n: int) -> Entry:
    from dataclasses import replace

    return replace(entry, phrasings=entry.phrasings[:n])


def _entry_texts(kb: KnowledgeBase, entry: Entry) -> dict[str, list[str]]:
    names = [n for a in entry.actors if a in kb.actors for n in (kb.actors[a].name, *kb.actors[a].aliases)]
    return {
        "phrasings": [entry.question, *entry.phrasings],
        "answer": [entry.answer, entry.details or ""],
        "quotes": [q.quote for q in entry.sources],
        "actors": names,
    }


class _Stems:
    """A knowledge base's texts as stems, each text read once (phrasings and names recur across stages)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.memo: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> tuple[str, ...]:
        found = self.memo.get(text)
        if found is None:
            found = self.memo[text] = self.reader.stems(text)
        return found


def _document(kb: KnowledgeBase, entry: Entry, stems: _Stems) -> Document:
    texts = _entry_texts(kb, entry)
    return Document(**{name: frozenset(s for t in parts for s in stems(t)) for name, parts in texts.items()})


def _vocabulary(kb: KnowledgeBase, entries: tuple[Entry, ...], normalise: Normaliser) -> set[str]:
    texts = [t for e in entries for parts in _entry_texts(kb, e).values() for t in parts]
    texts += [p for g in kb.gaps for p in g.phrasings]
    texts += [t for a in kb.actors.values() for t in (a.name, *a.aliases, a.role, *a.asked_as)]
    known = {w for t in texts for w in normalise.words(t)}
    # Names the lexicon lists stay as typed, so that a name the articles never give still counts against entries.
    known.update(w for name in kb.entities for w in ascii_fold(name).split())
    return known


def _rewrites(known: set[str], normalise: Normaliser, tuning: Tuning) -> dict[str, tuple[str, ...]]:
    """A misspelt synonym ("beijng", "russains") is corrected to the synonym, then rewritten like it."""
    return {
        variant: tuple(w for w in target if w not in normalise.stopwords)
        for variant, target in normalise.single_word_variants().items()
        if len(variant) >= tuning.typo_min_length and variant not in known
    }


def _explanations(entries: tuple[Entry, ...], actors: ActorIndex, most_words: int) -> dict[str, Entry]:
    """Entries with a phrasing that is nothing but "what is <name>" explain that actor."""
    out: dict[str, Entry] = {}
    known = frozenset(actors.vocabulary)
    for entry in entries:
        for phrasing in (entry.question, *entry.phrasings):
            folded = ascii_fold(phrasing)
            if len(folded.split()) > most_words or not actors.words.what_words.intersection(folded.split()):
                continue
            query = actors.read(folded)
            # A curator writes the name as it is: every word must be one of the actors' words exactly.
            if not query.asked_what or not query.words or not known.issuperset(query.words):
                continue
            match = actors.find(query.words, names_only=True)
            if match.actor is not None and match.score >= 100.0:
                out.setdefault(match.actor.id, entry)
    return out
