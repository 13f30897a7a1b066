"""Match a question to the knowledge base with rapidfuzz: answer, suggest or decline. Pure and deterministic.

How a question is scored, in three steps, all precomputed where possible:

1. **Words.** The question is folded (case, accents, punctuation), synonyms from lexicon.yaml are rewritten
   ("beijing" → "china", "soldiers" → "troops"), stop words dropped, and each word the knowledge base does not
   know is corrected to the closest word it does know (rapidfuzz, so "kazakstan" and "troups" still count).
2. **Coverage.** How much of the question's meaning an entry accounts for: the IDF-weighted share of the
   question's words found in the entry's question and phrasings (full weight) or its answer (half weight).
   Words no entry knows ("france", "bitcoin") weigh against every entry, which is what declines off-topic
   questions. Coverage also picks the few candidate entries worth a closer look.
3. **Similarity.** rapidfuzz's token-set and token-sort ratios between the question and each candidate's
   phrasings, best phrasing per entry.

The score (0–100) blends coverage and similarity. The bot answers only when the best entry clears a cutoff
*and* beats the runner-up entry by a margin; otherwise it offers suggestions or declines. Known gaps
(unanswered.yaml: questions the articles do not answer) are scored like entries; one that surely matches, beats
every entry and accounts for a word the best entry does not makes the bot decline and say why.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from kzbot.knowledge import Actor, Entry, Gap, KnowledgeBase
from kzbot.text import ascii_fold

MAX_QUERY_CHARS = 500
ANSWER_CUTOFF = 70.0
MARGIN = 3.0
SUGGEST_CUTOFF = 42.0
CLOSE_CUTOFF = 32.0
COVERAGE_WEIGHT = 0.4
ANSWER_WORD_WEIGHT = 0.5
UNKNOWN_WORD_WEIGHT = 1.5
# Entity names (lexicon.yaml) weigh at least as much as a word found in this many entries.
ENTITY_DF = 4.0
# Points off an entry for each entity the question names that the entry's question and phrasings never do:
# "how long is the China–Russia border" is not a question about the China–Kazakhstan border.
ENTITY_PENALTY = 15.0
CANDIDATES = 10
# Entries tied for the last candidate place all stay, up to this many times CANDIDATES.
_TIE_ROOM = 3
# Words of five letters or more are corrected to the closest known word at least this alike.
TYPO_CUTOFF = 82.0
TYPO_MIN_LENGTH = 5
STOPWORD_TYPO_CUTOFF = 90.0
ACTOR_FOUND = 85.0
ACTOR_SUGGEST = 60.0
ACTOR_MARGIN = 5.0
# How alike a word must be to some word of a name before a question is scored as a name ("tsnag" for "tsang").
LOOSE_NAME = 60.0
# Autocomplete ranks by the `ask` score, with this share, and by the typed text's resemblance to the question.
AUTOCOMPLETE_BLEND = 0.7
# A question whose words equal an entry's phrasing this closely belongs to that entry, even if it is a name.
CLAIMED = 92.0

AskStatus = Literal["answer", "suggest", "decline"]
ActorStatus = Literal["found", "suggest", "not_found"]

_WHO_PREFIXES = tuple(
    tuple(p.split())
    for p in (
        "who is",
        "who was",
        "who are",
        "who were",
        "whos",
        "who",
        "what is",
        "what was",
        "what are",
        "whats",
        "tell me about",
        "tell me who is",
        "info on",
        "information on",
        "information about",
        "do you know",
        "do you know who is",
    )
)
_WHO_PREFIXES = tuple(sorted(_WHO_PREFIXES, key=len, reverse=True))
_WHO_SUFFIXES = tuple(
    tuple(p.split())
    for p in ("who is that", "who is he", "who is she", "who is it", "who is this", "who", "whos that", "who that")
)
_WHO_SUFFIXES = tuple(sorted(_WHO_SUFFIXES, key=len, reverse=True))
# Words that describe a name rather than belong to it: "sputnik news agency", "the heritage guy".
_DESCRIPTORS = frozenset(
    [
        "newspaper",
        "paper",
        "daily",
        "news",
        "agency",
        "outlet",
        "media",
        "channel",
        "university",
        "uni",
        "institute",
        "think",
        "tank",
        "professor",
        "expert",
        "analyst",
        "scholar",
        "researcher",
        "guy",
        "man",
        "woman",
        "person",
        "org",
        "organisation",
        "organization",
        "group",
    ]
)
_WHO_WORDS = frozenset({"who", "whos", "dat", "dis"})
# Words for a person that may trail a name with the question around it: "yang jin, who is this guy".
_PERSON_WORDS = frozenset({"guy", "man", "woman", "person", "lady", "fella", "bloke", "chap"})
# Remarks around a name that ask nothing more: "who is lee wei, never heard of him".
# At most this many actors are tried as the one a question names alongside an institution.
_NAMED_MAX = 8
# (The lexicon's stop words, such as "heard" and "know", are fillers there already.)
_REMARK_WORDS = frozenset({"never", "idea", "ever"})
_WHAT_WORDS = frozenset({"what", "whats", "wat", "wats", "wut", "wot", "wht", "wtf"})
_ARTICLES = frozenset({"the", "a", "an", "mr", "mrs", "ms", "dr", "prof", "professor"})


@dataclass(frozen=True)
class Suggestion:
    id: str
    label: str
    score: float


@dataclass(frozen=True)
class AskResult:
    question: str
    status: AskStatus
    score: float
    entry: Entry | None = None
    actor: Actor | None = None
    suggestions: tuple[Suggestion, ...] = ()
    reason: str | None = None
    # The known gap (a question the articles do not answer) that this question matched, if any.
    gap: Gap | None = None

    @property
    def answered(self) -> bool:
        return self.status == "answer"

    @property
    def id(self) -> str | None:
        if self.entry is not None:
            return self.entry.id
        if self.actor is not None:
            return f"actor:{self.actor.id}"
        return None


@dataclass(frozen=True)
class ActorResult:
    query: str
    status: ActorStatus
    score: float
    actor: Actor | None = None
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def found(self) -> bool:
        return self.status == "found"


_NOISE = re.compile(r"<a?:\w+:\d+>|<[@#][!&]?\d+>|@(?:everyone|here)\b|https?://\S+", re.IGNORECASE)


_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|,\s+")


def clean(text: str) -> str:
    """Drop what is not the question: control and format characters (zero-width, direction marks), Discord
    mentions and custom emoji, links; collapse white space."""
    if not text.isprintable():
        text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(_NOISE.sub(" ", text).split())


class Matcher:
    """Everything the matcher needs is computed here once; the query methods only read it."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._normalise = kb.normaliser()
        self._entries: list[Entry] = list(kb.entries.values())
        # Known gaps are scored like entries and come after them: index len(entries) + i is gap i.
        self._gaps: list[Gap] = list(kb.gaps)
        self._count = len(self._entries) + len(self._gaps)
        self._entry_position = {entry.id: index for index, entry in enumerate(self._entries)}
        self._actors: list[Actor] = list(kb.actors.values())
        self._build_choices()
        self._build_index()
        self._build_actor_names()
        self._edge_fillers = self._normalise.stopwords | _WHO_WORDS | _WHAT_WORDS | _PERSON_WORDS | _REMARK_WORDS
        self._build_explanations()

    # ------------------------------------------------------------------------------------------ building

    def _build_choices(self) -> None:
        choices: list[str] = []
        starts: list[int] = []
        folded: list[str] = []
        for phrasings in [(e.question, *e.phrasings) for e in self._entries] + [g.phrasings for g in self._gaps]:
            starts.append(len(choices))
            # Phrasings that normalise alike are compared once: the best phrasing decides.
            choices.extend(dict.fromkeys(self._normalise(phrasing) for phrasing in phrasings))
        for entry in self._entries:
            folded.extend(ascii_fold(phrasing) for phrasing in (entry.question, *entry.phrasings))
        self._choices = choices
        self._sorted_choices = [" ".join(sorted(c.split())) for c in choices]
        self._starts = np.array([*starts, len(choices)], dtype=np.int64)
        self._folded_questions = [ascii_fold(e.question) for e in self._entries]
        self._claim_choices = [" ".join(w for w in f.split() if w not in _ARTICLES) for f in folded]

    def _build_index(self) -> None:
        primary: list[set[str]] = []
        secondary: list[set[str]] = []
        answers = [entry.answer for entry in self._entries] + ["" for _ in self._gaps]
        for index, answer in enumerate(answers):
            words = set()
            for choice in self._choices[self._starts[index] : self._starts[index + 1]]:
                words.update(choice.split())
            primary.append(words)
            secondary.append(set(self._normalise.content_words(answer)) - words)
        df: dict[str, int] = {}
        for words in (*primary, *secondary):
            for word in words:
                df[word] = df.get(word, 0) + 1
        count = max(self._count, 1)
        entities = {w for name in self.kb.entities for w in self._normalise.words(name)}
        floor = math.log(1.0 + count / ENTITY_DF)
        self._target_words = [frozenset(p | q) for p, q in zip(primary, secondary, strict=True)]
        self._idf = {word: max(math.log(1.0 + count / n), floor if word in entities else 0.0) for word, n in df.items()}
        self._entities = frozenset(entities)
        self._lacks_entity = {word: np.array([word not in words for words in primary], dtype=bool) for word in entities}
        self._unknown_idf = math.log(1.0 + count) * UNKNOWN_WORD_WEIGHT
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for index, (prim, sec) in enumerate(zip(primary, secondary, strict=True)):
            for word, weight in [(w, 1.0) for w in prim] + [(w, ANSWER_WORD_WEIGHT) for w in sec]:
                ids, weights = postings.setdefault(word, ([], []))
                ids.append(index)
                weights.append(weight * self._idf[word])
        self._postings = {
            word: (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64))
            for word, (ids, weights) in postings.items()
        }
        vocabulary = set(self._postings)
        for actor in self._actors:
            for name in (actor.name, *actor.aliases):
                vocabulary.update(ascii_fold(name).split())
        # Names the lexicon lists stay as typed, so that a name the articles never give still counts against entries.
        vocabulary.update(entities)
        # A misspelt synonym ("beijng", "russains") is corrected to the synonym, then rewritten like it.
        stopwords = self._normalise.stopwords
        self._rewrites = {
            variant: tuple(w for w in target if w not in stopwords)
            for variant, target in self._normalise.single_word_variants().items()
            if len(variant) >= TYPO_MIN_LENGTH and variant not in vocabulary
        }
        vocabulary.update(self._rewrites)
        self._vocabulary = sorted(vocabulary)
        self._known = frozenset(self._vocabulary)
        # A misspelt stop word ("actualy", "becuase") is corrected to it, and then dropped like it.
        typo_targets = sorted(vocabulary | {w for w in stopwords if len(w) >= TYPO_MIN_LENGTH})
        # Typo candidates for a typed word: words of a length that can reach the cutoff (ratio = 2·common / (a + b))
        # and that share its first or its second letter — one slip never changes both, unless it swaps them.
        reach = TYPO_CUTOFF / (200.0 - TYPO_CUTOFF)
        buckets: dict[tuple[int, int, str], list[str]] = {}
        for word in typo_targets:
            for position in (0, 1):
                if len(word) > position:
                    buckets.setdefault((len(word), position, word[position]), []).append(word)
        self._typo_buckets = buckets
        self._typo_reach = reach
        self._corrections: dict[str, str] = {}

    def _build_explanations(self) -> None:
        """Entries with a phrasing that is nothing but "what is <actor>" explain that actor."""
        self._explained_by: dict[str, Entry] = {}
        name_words = frozenset(self._name_words)
        for entry in self._entries:
            for phrasing in (entry.question, *entry.phrasings):
                folded = ascii_fold(phrasing)
                # Cheap test first: only a short phrasing with a "what" word, the rest words of names, can qualify.
                words = folded.split()
                if len(words) > 10 or not _WHAT_WORDS.intersection(words):
                    continue
                if not all(w in name_words or w in self._edge_fillers or w in _ARTICLES for w in words):
                    continue
                found, asked_what = self._name_question(folded)
                if found is not None and asked_what:
                    self._explained_by.setdefault(found.actor.id, entry)

    def _build_actor_names(self) -> None:
        names: list[str] = []
        owners: list[int] = []
        weights: list[float] = []
        for index, actor in enumerate(self._actors):
            for name, weight in [(actor.name, 1.0)] + [(a, 1.0) for a in actor.aliases] + [(actor.role, 0.88)]:
                folded = " ".join(w for w in ascii_fold(name).split() if w not in _ARTICLES)
                if folded:
                    names.append(folded)
                    owners.append(index)
                    weights.append(weight)
        self._actor_names = names
        # Each actor's affiliation words: those of its role and the names of the organisations its role names.
        self._actor_index = {actor.id: index for index, actor in enumerate(self._actors)}
        aliases_of: dict[tuple[str, ...], set[str]] = {}
        for actor in self._actors:
            aliases_of.setdefault(tuple(ascii_fold(actor.name).split()), set()).update(
                w for alias in actor.aliases for w in ascii_fold(alias).split()
            )
        longest = max(map(len, aliases_of), default=0)
        self._affiliation: list[frozenset[str]] = []
        for actor in self._actors:
            role = ascii_fold(actor.role).split()
            own = tuple(ascii_fold(actor.name).split())
            words = set(role)
            # The aliases of any organisation named in the role ("East China Normal University" -> "ecnu").
            for start in range(len(role)):
                for size in range(1, min(longest, len(role) - start) + 1):
                    named = tuple(role[start : start + size])
                    if named != own:
                        words.update(aliases_of.get(named, ()))
            self._affiliation.append(frozenset(words - set(own)))
        self._actor_owners = np.array(owners, dtype=np.int64)
        self._actor_weights = np.array(weights, dtype=np.float64)
        self._sorted_names = [" ".join(sorted(name.split())) for name in names]
        # Which names contain each word, to credit a part of a name ("mitter", "wang") and nothing else.
        self._name_words = sorted({w for name in names for w in name.split()})
        position = {w: i for i, w in enumerate(self._name_words)}
        holders: list[list[int]] = [[] for _ in self._name_words]
        for index, name in enumerate(names):
            for word in set(name.split()):
                holders[position[word]].append(index)
        self._names_with_word = [np.array(h, dtype=np.int64) for h in holders]

    # ----------------------------------------------------------------------------------------- questions

    def ask(self, question: str) -> AskResult:
        """Answer, suggest or decline. Never raises for any text."""
        text = clean(question)
        if not text:
            return AskResult(question, "decline", 0.0, reason="empty")
        if len(text) > MAX_QUERY_CHARS:
            return AskResult(question, "decline", 0.0, reason="too_long")
        folded = ascii_fold(text)
        if not folded:
            return AskResult(question, "decline", 0.0, reason="unreadable")
        actor, asked_what = self._name_question(folded)
        if actor is not None and not self._claimed(folded):
            # "what is the SCO" wants the explanation an FAQ entry gives, when there is one; a bare name, the profile.
            explained = self._explained_by.get(actor.actor.id) if asked_what else None
            if explained is not None:
                return AskResult(question, "answer", actor.score, entry=explained)
            return AskResult(question, "answer", actor.score, actor=actor.actor)
        words = self._correct(self._normalise.content_words(text))
        scores = self._score_entries(words)
        result = self._decide(question, words, scores)
        # Context first, question last ("so it started with fuel, but what happened next?"): when the whole does not
        # give a sure answer, the last clause alone may be the clearer question, and is used if it matches better.
        clauses = [c for c in _CLAUSE.split(text) if c.strip()] if not result.answered else []
        if len(clauses) > 1:
            tail = self._correct(self._normalise.content_words(clauses[-1]))
            if len(tail) >= 2:
                tail_scores = self._score_entries(tail)
                if tail_scores.max() > scores.max():
                    return self._decide(question, tail, tail_scores)
        return result

    def _claimed(self, folded: str) -> bool:
        """Whether an FAQ entry lists this very question as one of its phrasings (then it wins over a name)."""
        plain = " ".join(w for w in folded.split() if w not in _ARTICLES)
        hit = process.extractOne(plain, self._claim_choices, scorer=fuzz.ratio, score_cutoff=CLAIMED)
        return hit is not None

    def _decide(self, question: str, words: list[str], scores: np.ndarray) -> AskResult:
        if not len(scores) or float(scores.max()) <= 0.0:
            return AskResult(question, "decline", 0.0, reason="off_topic")
        # The margin is over the runner-up entry: a known gap wins only by scoring above every entry.
        entries = scores[: len(self._entries)]
        order = _ranked(entries, 3)
        best = float(entries[order[0]]) if order else 0.0
        gap = int(scores[len(self._entries) :].argmax()) if self._gaps else -1
        best_entry = order[0] if order else None
        if gap >= 0 and scores[len(self._entries) + gap] > best and self._gap_explains(words, gap, best_entry):
            gap_score = float(scores[len(self._entries) + gap])
            if gap_score >= ANSWER_CUTOFF:
                return self._gap_decline(question, scores, gap, gap_score)
        else:
            runner_up = float(entries[order[1]]) if len(order) > 1 else 0.0
            if best >= ANSWER_CUTOFF and best - runner_up >= MARGIN:
                return AskResult(question, "answer", round(best, 1), entry=self._entries[order[0]])
        # Not sure: the closest entries, if any come near, and never a known gap.
        if best >= SUGGEST_CUTOFF:
            close = [i for i in order if scores[i] >= max(SUGGEST_CUTOFF, best - 15.0)]
            return AskResult(question, "suggest", round(best, 1), suggestions=self._entry_suggestions(close, scores))
        close = [i for i in order if scores[i] >= CLOSE_CUTOFF]
        return AskResult(
            question,
            "decline",
            round(best, 1),
            suggestions=self._entry_suggestions(close, scores),
            reason="off_topic",
        )

    def _gap_explains(self, words: list[str], gap: int, best: int | None) -> bool:
        """Whether the gap accounts for a word of the question that the best entry does not: "how many people were
        *arrested*" is a gap; "fuel price hike", all of whose words the entry on the protests' cause has, is not."""
        unexplained = set(words) - (self._target_words[best] if best is not None else frozenset())
        return bool(unexplained & self._target_words[len(self._entries) + gap])

    def _gap_decline(self, question: str, scores: np.ndarray, index: int, best: float) -> AskResult:
        """The question is surely one the articles do not answer: decline, saying so, and point to the entries
        the curator listed as nearby."""
        gap = self._gaps[index]
        see = [self._entry_position[eid] for eid in gap.see if eid in self._entry_position]
        return AskResult(
            question,
            "decline",
            round(best, 1),
            suggestions=self._entry_suggestions(see, scores),
            reason="not_covered",
            gap=gap,
        )

    def _entry_suggestions(self, indexes: Sequence[int], scores: np.ndarray) -> tuple[Suggestion, ...]:
        return tuple(
            Suggestion(self._entries[i].id, self._entries[i].question, round(float(scores[i]), 1)) for i in indexes
        )

    def _correct(self, words: list[str]) -> list[str]:
        """Replace each unknown word of five letters or more by the closest known word, when one is close."""
        out = []
        for word in words:
            if word in self._known or len(word) < TYPO_MIN_LENGTH or word.isdigit():
                out.append(word)
                continue
            corrected = self._correction(word)
            if corrected in self._normalise.stopwords:
                continue
            out.extend(self._rewrites.get(corrected, (corrected,)))
        return list(dict.fromkeys(out))

    def _correction(self, word: str) -> str:
        """The closest known word to an unknown one (ties: alphabetical), or the word itself; remembered."""
        known = self._corrections.get(word)
        if known is not None:
            return known
        lengths = range(math.ceil(len(word) * self._typo_reach), math.floor(len(word) / self._typo_reach) + 1)
        pool = {
            w
            for size in lengths
            for position in (0, 1)
            for w in self._typo_buckets.get((size, position, word[position]), ())
        }
        best = word
        if pool:
            candidates = sorted(pool)
            scores = process.cdist([word], candidates, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, workers=1)[0]
            index = int(scores.argmax())
            # A stop word must be nearer still: "weather" is not a slip for "whether", "actualy" is for "actually".
            stop = candidates[index] in self._normalise.stopwords and scores[index] < STOPWORD_TYPO_CUTOFF
            if scores[index] > 0 and not stop:
                best = candidates[index]
        if len(self._corrections) >= 20_000:
            self._corrections.clear()
        self._corrections[word] = best
        return best

    def _score_entries(self, words: list[str]) -> np.ndarray:
        """Blended score per entry, 0–100, less the penalty for entities the entry never names."""
        similarity, coverage = self._components(words)
        scores = (1.0 - COVERAGE_WEIGHT) * similarity + COVERAGE_WEIGHT * 100.0 * coverage
        for word in self._entities.intersection(words):
            scores -= ENTITY_PENALTY * self._lacks_entity[word]
        # A year or figure the knowledge base never mentions ("in 2027") asks about something the articles do not cover.
        for word in words:
            if word.isdigit() and word not in self._postings:
                scores -= ENTITY_PENALTY
        return np.maximum(scores, 0.0, out=scores)

    def _coverage(self, words: list[str]) -> np.ndarray:
        """IDF-weighted share of the words each entry accounts for, 0–1 (words no entry knows count too)."""
        count = self._count
        found = [self._postings[w] for w in words if w in self._postings]
        if not found or not count:
            return np.zeros(count, dtype=np.float64)
        total = sum(self._idf.get(w, self._unknown_idf) for w in words)
        ids = np.concatenate([ids for ids, _ in found])
        weights = np.concatenate([weights for _, weights in found])
        return np.bincount(ids, weights=weights, minlength=count) / total

    def _components(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: best phrasing similarity (0–100) and coverage (0–1); candidates only, zero elsewhere."""
        count = self._count
        similarity = np.zeros(count, dtype=np.float64)
        if not words or not count:
            return similarity, np.zeros(count, dtype=np.float64)
        coverage = self._coverage(words)
        candidates = _top(coverage, CANDIDATES)
        if not len(candidates):
            return similarity, coverage
        query = " ".join(words)
        # token-sort ratio, with the phrasings sorted once at start-up rather than on every call
        sorted_query = " ".join(sorted(query.split()))
        subset_sorted: list[str] = []
        for index in candidates:
            subset_sorted.extend(self._sorted_choices[self._starts[index] : self._starts[index + 1]])
        token_sort = process.cdist([sorted_query], subset_sorted, scorer=fuzz.ratio, workers=1)[0]
        sizes = self._starts[candidates + 1] - self._starts[candidates]
        ends = np.cumsum(sizes)
        if len(candidates) > CANDIDATES:
            # A tie for the last places: the cheap token-sort ratio picks which of the tied entries go on to
            # the slower token-set ratio.
            best_sort = np.maximum.reduceat(token_sort, ends - sizes)
            keep = np.sort(np.lexsort((-best_sort, -coverage[candidates]))[:CANDIDATES])
            token_sort = np.concatenate([token_sort[ends[k] - sizes[k] : ends[k]] for k in keep])
            candidates, sizes = candidates[keep], sizes[keep]
            ends = np.cumsum(sizes)
        bounds = ends - sizes
        subset: list[str] = []
        for index in candidates:
            subset.extend(self._choices[self._starts[index] : self._starts[index + 1]])
        token_set = process.cdist([query], subset, scorer=fuzz.token_set_ratio, workers=1)[0]
        similarity[candidates] = np.maximum.reduceat((token_set + token_sort) / 2.0, bounds)
        outside = np.ones(count, dtype=bool)
        outside[candidates] = False
        coverage[outside] = 0.0
        return similarity, coverage

    # -------------------------------------------------------------------------------------------- actors

    def _name_question(self, folded: str) -> tuple[ActorResult | None, bool]:
        """The actor a question that is only a name, or "who is NAME", asks about, and whether it asks "what is"."""
        words = folded.split()
        asked_what = bool(words) and words[0] in _WHAT_WORDS
        for prefix in _WHO_PREFIXES:
            if tuple(words[: len(prefix)]) == prefix:
                words = words[len(prefix) :]
                break
        for suffix in _WHO_SUFFIXES:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words = words[: -len(suffix)]
                break
        # Fillers around the name ("heritage foundation, what is it", "wang wenbin who dat") say nothing more.
        while words and words[-1] in self._edge_fillers:
            asked_what = asked_what or words[-1] in _WHAT_WORDS
            words = words[:-1]
        while words and words[0] in self._edge_fillers:
            asked_what = asked_what or words[0] in _WHAT_WORDS
            words = words[1:]
        words = [w for w in words if w not in _ARTICLES and w not in _DESCRIPTORS] or words
        if not words or len(words) > 6:
            return None, asked_what
        result = self._score_actors(" ".join(words), names_only=True)
        if not result.found and len(words) > 1:
            # A name with its owner's institution ("zhang xin ecnu", "shen yi fudan"): the rest must be that name.
            for index in self._named_in(words, result.suggestions):
                rest = [w for w in words if w not in self._affiliation[index]]
                if rest and len(rest) < len(words):
                    retry = self._score_actors(" ".join(rest), names_only=True)
                    if retry.found and retry.actor is self._actors[index]:
                        return retry, asked_what
        return (result if result.found else None), asked_what

    def _named_in(self, words: list[str], suggestions: Sequence[Suggestion]) -> list[int]:
        """The suggested actors, then any actor with a word of its name in the question ("zhang xin east china")."""
        out = [self._actor_index[s.id.removeprefix("actor:")] for s in suggestions]
        for word in words:
            at = bisect.bisect_left(self._name_words, word)
            # Only a word few names share points at a person; "china" in a long list of names points nowhere.
            if at < len(self._name_words) and self._name_words[at] == word and len(self._names_with_word[at]) <= 3:
                out.extend(int(self._actor_owners[n]) for n in self._names_with_word[at])
        return list(dict.fromkeys(out))[:_NAMED_MAX]

    def actor(self, name: str) -> ActorResult:
        """Look an actor up by name, alias or role; suggest the closest names when unsure."""
        text = clean(name)
        folded = " ".join(w for w in ascii_fold(text).split() if w not in _ARTICLES)
        if not folded or len(text) > MAX_QUERY_CHARS:
            return ActorResult(name, "not_found", 0.0)
        result = self._score_actors(folded)
        return ActorResult(name, result.status, result.score, result.actor, result.suggestions)

    def _score_actors(self, folded: str, *, names_only: bool = False) -> ActorResult:
        """Score the actors whose names share a word, even loosely, with the query (the others cannot come
        close). With names_only, give up at once unless every word of the query is like some word of a name:
        the quick test that a question is nothing but a name."""
        words = folded.split()
        if not self._actor_names or not words:
            return ActorResult(folded, "not_found", 0.0)
        close = process.cdist(words, self._name_words, scorer=fuzz.ratio, score_cutoff=LOOSE_NAME, workers=1)
        if names_only and not close.any(axis=1).all():
            return ActorResult(folded, "not_found", 0.0)
        columns = np.flatnonzero(close.any(axis=0))
        if not len(columns):
            return ActorResult(folded, "not_found", 0.0)
        names = np.unique(np.concatenate([self._names_with_word[c] for c in columns]))
        position = {int(n): i for i, n in enumerate(names)}
        # A part of a name ("mitter", "wang yi") counts a little below the whole name, but only when every word
        # of the query is (nearly) a word of that name: "csto troops" is not a part of "CSTO".
        close[close < TYPO_CUTOFF] = 0.0
        part = np.full(len(names), np.inf)
        for row in close:
            word_best = np.zeros(len(names), dtype=np.float64)
            for column in np.flatnonzero(row):
                holders = [position[int(n)] for n in self._names_with_word[column]]
                word_best[holders] = np.maximum(word_best[holders], row[column])
            part = np.minimum(part, word_best)
        sorted_query = " ".join(sorted(words))
        whole = process.cdist([sorted_query], [self._sorted_names[n] for n in names], scorer=fuzz.ratio, workers=1)[0]
        per_name = np.maximum(whole, part * 0.95) * self._actor_weights[names]
        best = np.zeros(len(self._actors), dtype=np.float64)
        np.maximum.at(best, self._actor_owners[names], per_name)
        order = _ranked(best, 5)
        top = float(best[order[0]])
        runner_up = float(best[order[1]]) if len(order) > 1 else 0.0
        suggestions = tuple(
            Suggestion(f"actor:{self._actors[i].id}", self._actors[i].name, round(float(best[i]), 1))
            for i in order[:5]
            if best[i] >= ACTOR_SUGGEST and best[i] >= top - 20.0
        )
        # The whole name typed exactly beats a near miss ("ministry" against "minister"), however close.
        clear = top - runner_up >= ACTOR_MARGIN or (top >= 100.0 and runner_up < 100.0)
        if top >= ACTOR_FOUND and clear:
            return ActorResult(folded, "found", round(top, 1), self._actors[order[0]])
        if suggestions:
            return ActorResult(folded, "suggest", round(top, 1), suggestions=suggestions)
        return ActorResult(folded, "not_found", round(top, 1))

    # -------------------------------------------------------------------------------------- autocomplete

    def complete(self, text: str, limit: int = 25) -> tuple[Suggestion, ...]:
        """FAQ questions for autocomplete, best first; with no text, the questions in knowledge-base order.

        Ranked like `ask` (coverage and phrasing similarity), with the last, half-typed word completed from the
        vocabulary ("troo" → troops); the canonical question's resemblance to the typed text (rapidfuzz WRatio)
        orders what would otherwise tie.
        """
        limit = max(0, min(limit, 25))
        text = clean(text)[:MAX_QUERY_CHARS]
        folded = ascii_fold(text)
        if not folded:
            return tuple(Suggestion(e.id, e.question, 0.0) for e in self._entries[:limit])
        words = self._normalise.content_words(text)
        if words and words[-1] not in self._known and folded.endswith(words[-1]):
            words[-1] = self._completion(words[-1])
        blended = self._score_entries(self._correct(words))[: len(self._entries)]
        resemblance = process.cdist([folded], self._folded_questions, scorer=fuzz.WRatio, workers=1)[0]
        per_entry = AUTOCOMPLETE_BLEND * blended + (1.0 - AUTOCOMPLETE_BLEND) * resemblance
        order = [i for i in _ranked(per_entry, limit) if per_entry[i] >= 40.0]
        if not order:  # a letter or two: the questions that start that way
            order = [i for i, q in enumerate(self._folded_questions) if q.startswith(folded)][:limit]
        return tuple(
            Suggestion(self._entries[i].id, self._entries[i].question, round(float(per_entry[i]), 1)) for i in order
        )

    def _completion(self, prefix: str) -> str:
        """The shortest known word that starts with a half-typed one (alphabetical among equals), or the prefix."""
        start = bisect.bisect_left(self._vocabulary, prefix)
        matches = []
        for word in self._vocabulary[start : start + 200]:
            if not word.startswith(prefix):
                break
            matches.append(word)
        return min(matches, key=len) if matches else prefix

    def complete_actor(self, text: str, limit: int = 25) -> tuple[Suggestion, ...]:
        """Actor names for autocomplete, matched on names and aliases; with no text, all names A–Z."""
        limit = max(0, min(limit, 25))
        folded = ascii_fold(clean(text)[:MAX_QUERY_CHARS])
        if not folded:
            ordered = sorted(self._actors, key=lambda a: ascii_fold(a.name))
            return tuple(Suggestion(f"actor:{a.id}", a.name, 0.0) for a in ordered[:limit])
        scores = process.cdist([folded], self._actor_names, scorer=fuzz.WRatio, workers=1)[0] * self._actor_weights
        best = np.zeros(len(self._actors), dtype=np.float64)
        np.maximum.at(best, self._actor_owners, scores)
        order = [i for i in _ranked(best) if best[i] >= 50.0][:limit]
        return tuple(
            Suggestion(f"actor:{self._actors[i].id}", self._actors[i].name, round(float(best[i]), 1)) for i in order
        )


def _ranked(scores: np.ndarray, k: int | None = None) -> list[int]:
    """Indexes of the k best scores (all, if k is None), best first; ties keep knowledge-base order."""
    if k is not None and k <= 0:
        return []
    index = np.arange(len(scores))
    if k is not None and k < len(scores):
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        index = np.flatnonzero(scores >= threshold)
    return [int(i) for i in index[np.lexsort((index, -scores[index]))]][:k]


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k largest positive values, and of any tied with the k-th, in index order.

    Short questions of common words ("russia troops") cover many entries fully; cutting such a tie at
    random would drop the entry whose phrasing matches word for word."""
    positive = np.flatnonzero(values > 0)
    if len(positive) <= k:
        return positive
    threshold = np.partition(values[positive], len(positive) - k)[len(positive) - k]
    chosen = positive[values[positive] >= threshold]
    if len(chosen) > k * _TIE_ROOM:
        # A huge knowledge base can tie thousands of entries; keep the first few of the tie, in index order.
        above = chosen[values[chosen] > threshold]
        tied = chosen[values[chosen] == threshold][: k * _TIE_ROOM - len(above)]
        chosen = np.sort(np.concatenate([above, tied]))
    return chosen
