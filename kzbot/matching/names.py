"""Stage 0 (for `/actor`, and for questions that are only a name): find a person or body by what was typed.

A look-up may hold a name or part of it ("mitter"), an alias or one of the articles' slips ("tokaev", "victor
oban"), an acronym ("csto"), and around it an institution or a role ("tsang soas", "lavrov foreign minister") and
fillers ("who is …", "… what does he think"). Fillers are dropped (the lexicon's question_words); each remaining
word is scored against the actor's name words (full weight) and role words (Tuning.actor_role_weight); the actor
scores the mean over the words, or its whole name's likeness to the query if that is higher. A word that only
describes ("professor", "newspaper") counts only where it matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from kzbot.knowledge import Actor
from kzbot.matching.results import ActorStatus, Suggestion
from kzbot.matching.tuning import Tuning
from kzbot.text import ascii_fold


@dataclass(frozen=True)
class NameWords:
    """The lexicon's word lists for reading a look-up."""

    who_prefixes: tuple[tuple[str, ...], ...]  # longest first
    who_suffixes: tuple[tuple[str, ...], ...]
    what_words: frozenset[str]
    fillers: frozenset[str]
    titles: frozenset[str]
    descriptors: frozenset[str]
    stopwords: frozenset[str]
    entities: frozenset[str] = frozenset()  # places, countries and bodies (the lexicon's entities)
    prefixes_by_first: Mapping[str, tuple[tuple[str, ...], ...]] = field(init=False)  # who_prefixes by first word
    suffixes_by_last: Mapping[str, tuple[tuple[str, ...], ...]] = field(init=False)  # who_suffixes by last word
    suffixes_by_first: Mapping[str, tuple[tuple[str, ...], ...]] = field(init=False)  # who_suffixes by first word

    who_words: frozenset[str] = field(init=False)  # the one-word who_prefixes and who_suffixes ("who", "whos")
    bare: frozenset[str] = field(init=False)  # titles and fillers that are no stop word: a name with them is a name

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "who_words", frozenset(p[0] for p in self.who_prefixes + self.who_suffixes if len(p) == 1)
        )
        object.__setattr__(self, "bare", self.titles | (self.fillers - self.stopwords - self.what_words))
        object.__setattr__(self, "prefixes_by_first", _by_word(self.who_prefixes, 0))
        object.__setattr__(self, "suffixes_by_last", _by_word(self.who_suffixes, -1))
        object.__setattr__(self, "suffixes_by_first", _by_word(self.who_suffixes, 0))

    @classmethod
    def from_lists(
        cls, lists: Mapping[str, Sequence[str]], stopwords: frozenset[str], entities: Sequence[str] = ()
    ) -> NameWords:
        def phrases(key: str) -> tuple[tuple[str, ...], ...]:
            found = {tuple(ascii_fold(p).split()) for p in lists.get(key, ())}
            return tuple(sorted((p for p in found if p), key=lambda p: (-len(p), p)))

        def words(key: str) -> frozenset[str]:
            return frozenset(w for p in lists.get(key, ()) for w in ascii_fold(p).split())

        what = words("what_words")
        fillers = words("name_fillers") | what | stopwords
        return cls(
            phrases("who_prefixes"),
            phrases("who_suffixes"),
            what,
            fillers,
            words("titles"),
            words("descriptors"),
            stopwords,
            frozenset(w for e in entities for w in ascii_fold(e).split()),
        )


def _by_word(phrases: tuple[tuple[str, ...], ...], at: int) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases (longest first) grouped by their word at `at`, keeping their order."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        out.setdefault(phrase[at], []).append(phrase)
    return {word: tuple(found) for word, found in out.items()}


@dataclass(frozen=True)
class Grouped:
    """Lists of vocabulary indexes, one per actor, laid end to end (so numpy can take each actor's best at once)."""

    flat: np.ndarray
    starts: np.ndarray  # actor i's indexes are flat[starts[i]:starts[i] + counts[i]]
    counts: np.ndarray

    @classmethod
    def of(cls, groups: Sequence[Sequence[int]]) -> Grouped:
        counts = np.array([len(g) for g in groups], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        return cls(np.array([i for g in groups for i in g], dtype=np.int64), starts, counts)


def _best_per_actor(likeness: np.ndarray, groups: Grouped) -> np.ndarray:
    """(words, actors): each word's best likeness among each actor's words (0 for an actor with none)."""
    out = np.zeros((likeness.shape[0], len(groups.counts)))
    if not len(groups.flat):
        return out
    has = groups.counts > 0
    columns = likeness[:, groups.flat]
    out[:, has] = np.maximum.reduceat(columns, groups.starts[has], axis=1)
    return out


@dataclass(frozen=True)
class NameQuery:
    words: tuple[str, ...]  # what is left of the look-up once fillers and titles are dropped
    asked_what: bool  # "what is the csto": an explanation is wanted more than a profile
    asked_who: bool  # "who is …", "what is …", "… who is that": a profile (or an explanation) is wanted


@dataclass(frozen=True)
class ActorMatch:
    status: ActorStatus
    score: float
    actor: Actor | None
    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True)
class ActorIndex:
    actors: tuple[Actor, ...]
    names: tuple[str, ...]  # every name and alias, folded, its words sorted
    name_owner: np.ndarray  # actor index of each name
    vocabulary: tuple[str, ...]  # every word of every name, alias, role and affiliation
    name_words: Grouped  # per actor: vocabulary indexes of its name words
    role_words: Grouped  # per actor: vocabulary indexes of its role and affiliation words
    own: tuple[frozenset[str], ...]  # per actor: the words of its names and its affiliation
    words: NameWords
    tuning: Tuning
    namelike: dict[str, bool] = field(default_factory=dict, compare=False)  # word -> like some word of a name
    places: Mapping[str, str] = field(default_factory=dict)  # a place's other one-word names -> its own ("kz")
    standing_for: Mapping[str, frozenset[str]] = field(default_factory=dict)  # actor id -> words of its places

    def only_its_places(self, actor: Actor, words: Sequence[str]) -> bool:
        """Whether every word is (nearly) a word of a place that stands for the actor: "whats noursultan" asks
        about the city, which entries explain, not about the government it stands for."""
        held = self.standing_for.get(actor.id)
        if not held or not words:
            return False
        strong = self.tuning.typo_score_cutoff
        return all(process.extractOne(w, held, scorer=fuzz.ratio, score_cutoff=strong) is not None for w in words)

    def with_places(self, words: Sequence[str]) -> tuple[str, ...]:
        """The look-up with each place as roles name it: "tileuberdi kazakh fm" is the Foreign Minister of
        Kazakhstan's look-up."""
        return tuple(self.places.get(w, w) for w in words)

    def look_up(self, words: Sequence[str]) -> ActorMatch:
        """What /actor finds: the words as typed, or, when that finds no one for sure, with each place as roles
        name it."""
        match = self.find(words)
        placed = self.with_places(words)
        if match.status == "found" or placed == tuple(words):
            return match
        retry = self.find(placed)
        return retry if retry.status == "found" else match

    def read(self, folded: str, *, look_up: bool = False) -> NameQuery:
        """Strip "who is …", "… who is that", fillers and titles from a folded look-up. A look-up typed into /actor
        (look_up) also ends before a long who_suffix in its middle ("xi jinping what does he think about
        kazakhstan"); a question asked that way wants an entry about it, not the profile."""
        words = folded.split()
        asked_what = bool(words) and words[0] in self.words.what_words
        asked_who = False
        for prefix in self.words.prefixes_by_first.get(words[0], ()) if words else ():
            if tuple(words[: len(prefix)]) == prefix:
                words = words[len(prefix) :]
                asked_who = True
                break
        for suffix in self.words.suffixes_by_last.get(words[-1], ()) if words else ():
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words = words[: -len(suffix)]
                asked_who = True
                break
        else:
            if look_up:
                words, cut = self._before_asking(words)
                asked_who = asked_who or cut
        while words and (words[-1] in self.words.fillers or words[-1] in self.words.titles):
            asked_what = asked_what or words[-1] in self.words.what_words
            asked_who = asked_who or words[-1] in self.words.who_words  # "yang jin who is this guy"
            words = words[:-1]
        while words and (words[0] in self.words.fillers or words[0] in self.words.titles):
            asked_what = asked_what or words[0] in self.words.what_words
            asked_who = asked_who or words[0] in self.words.who_words
            words = words[1:]
        kept = [w for w in words if w not in self.words.titles and w not in self.words.stopwords]
        return NameQuery(tuple(kept or words), asked_what, asked_who)

    def _before_asking(self, words: list[str]) -> tuple[list[str], bool]:
        """The words before a long who_suffix in the middle of the look-up: what follows it is what the person is
        asked about ("xi jinping what does he think about kazakhstan"), not part of the name."""
        for at in range(1, len(words) - 1):
            for phrase in self.words.suffixes_by_first.get(words[at], ()):
                if len(phrase) >= self.tuning.asking_words and tuple(words[at : at + len(phrase)]) == phrase:
                    return words[:at], True
        return words, False

    def find(self, words: Sequence[str], *, names_only: bool = False) -> ActorMatch:
        """Score every actor against the words. With names_only, give up unless every word is like some word of
        some name or role: the quick test that a question is nothing but a name."""
        if not words or not self.actors or (names_only and not all(map(self._like_a_name, words))):
            return ActorMatch("not_found", 0.0, None, ())
        likeness = process.cdist(
            list(words), self.vocabulary, scorer=fuzz.ratio, score_cutoff=self.tuning.loose_name, workers=1
        )
        describes = np.array([w in self.words.descriptors for w in words])
        if names_only and not (likeness.any(axis=1) | describes).all():
            return ActorMatch("not_found", 0.0, None, ())
        scores = self._per_word(words, likeness, describes, names_only)
        whole = process.cdist([" ".join(sorted(words))], self.names, scorer=fuzz.ratio, workers=1)[0]
        np.maximum.at(scores, self.name_owner, whole)
        return self._decide(scores)

    def _like_a_name(self, word: str) -> bool:
        """Whether the word describes a name or is at least loose_name like a word of some name or role
        (remembered: most questions are not names, and the same words come back)."""
        found = self.namelike.get(word)
        if found is None:
            if len(self.namelike) >= self.tuning.memo_words:
                self.namelike.clear()
            found = self.namelike[word] = word in self.words.descriptors or (
                process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=self.tuning.loose_name)
                is not None
            )
        return found

    def _per_word(
        self, words: Sequence[str], likeness: np.ndarray, describes: np.ndarray, names_only: bool
    ) -> np.ndarray:
        """Per actor, the mean over the look-up's words of each word's likeness to the actor's name words (or, a
        little less, its role words). With names_only, an actor counts only when every word that does not merely
        describe is (nearly) one of its words: "prime minister of kazakhstan" is not the government."""
        strong = self.tuning.typo_score_cutoff
        name_best = _best_per_actor(likeness, self.name_words)
        role_raw = _best_per_actor(likeness, self.role_words)
        keep = name_best.max(axis=0, initial=0.0) >= strong  # some word of the look-up is the actor's name
        if names_only:
            keep &= (np.maximum(name_best, role_raw)[~describes] >= strong).all(axis=0)
            for index in np.flatnonzero(keep):
                # "csto like the warsaw pact", "pap tajikistan": another name or a place, so a question
                if any(w in self.words.entities and w not in self.own[index] for w in words):
                    keep[index] = False
        best = np.maximum(name_best, role_raw * self.tuning.actor_role_weight)
        counted = ~describes[:, None] | (best > 0)
        totals = counted.sum(axis=0)
        means = np.divide((best * counted).sum(axis=0), totals, out=np.zeros(len(self.actors)), where=totals > 0)
        return np.asarray(np.where(keep, means, 0.0), dtype=np.float64)

    def _named_with(self, first: int, second: int) -> bool:
        """Whether every word of the second actor's name is one of the first's own words (its affiliation's)."""
        name = [w for w in ascii_fold(self.actors[second].name).split() if w not in self.words.stopwords]
        return bool(name) and all(w in self.own[first] for w in name)

    def _decide(self, scores: np.ndarray) -> ActorMatch:
        order = np.lexsort((np.arange(len(scores)), -scores))[: self.tuning.actor_suggestions]
        top = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
        suggestions = tuple(
            Suggestion(f"actor:{self.actors[i].id}", self.actors[i].name, round(float(scores[i]), 1), "actor")
            for i in order
            if scores[i] >= self.tuning.actor_suggest and scores[i] >= top - self.tuning.actor_suggest_band
        )
        # The whole name typed exactly beats a near miss ("ministry" against "minister"), however close.
        clear = top - runner_up >= self.tuning.actor_margin or (top >= 100.0 and runner_up < 100.0)
        # A person typed with the institution they belong to ("yang shu central asia research institute"): the
        # institution's whole name is there too, but it is said of the person.
        clear = clear or (len(order) > 1 and self._named_with(int(order[0]), int(order[1])))
        if top >= self.tuning.actor_found and clear:
            return ActorMatch("found", round(top, 1), self.actors[order[0]], suggestions[1:])
        if suggestions:
            return ActorMatch("suggest", round(top, 1), None, suggestions)
        return ActorMatch("not_found", round(top, 1), None, ())


def build_actor_index(
    actors: Sequence[Actor],
    words: NameWords,
    tuning: Tuning,
    abbreviations: Mapping[str, tuple[str, ...]] | None = None,
) -> ActorIndex:
    """abbreviations: the lexicon's one-word variants and what they stand for ("fm" -> foreign minister); an actor
    whose role holds a phrase one stands for has the variant among its role words ("wang yi china fm")."""

    def fold(text: str) -> list[str]:
        return [w for w in ascii_fold(text).split() if w not in words.titles and w not in words.stopwords]

    # The aliases' words of each actor, by the words of its name: an organisation named in another actor's role
    # brings its aliases ("East China Normal University" → "ecnu").
    aliases_of: dict[tuple[str, ...], set[str]] = {}
    for other in actors:
        aliases_of.setdefault(tuple(fold(other.name)), set()).update(w for al in other.aliases for w in fold(al))
    longest = max((len(key) for key in aliases_of), default=0)
    names: list[str] = []
    owners: list[int] = []
    name_words: list[set[str]] = []
    role_words: list[set[str]] = []
    own_words: list[frozenset[str]] = []
    for index, actor in enumerate(actors):
        own: set[str] = set()
        for name in (actor.name, *actor.aliases):
            folded = fold(name)
            if folded:
                names.append(" ".join(sorted(folded)))
                owners.append(index)
                own.update(folded)
        role = fold(actor.role) + fold(actor.affiliation or "")
        # Phrases of two words or more: a one-word variant of one word ("chinese", "beijing") would make most roles
        # longer for every look-up, at a cost to every question, and fuzzy likeness finds most of them anyway.
        phrases = {tuple(role[a:b]) for a in range(len(role)) for b in range(a + 2, len(role) + 1)}
        extra = {
            w
            for start in range(len(role))
            for size in range(1, min(longest, len(role) - start) + 1)
            for w in aliases_of.get(tuple(role[start : start + size]), ())
        } | {short for short, phrase in (abbreviations or {}).items() if phrase in phrases}
        name_words.append(own)
        role_words.append((set(role) | extra) - own - words.fillers)
        own_words.append(frozenset(own | set(fold(actor.affiliation or "")) | extra))
    vocabulary = tuple(sorted(set().union(*name_words, *role_words)))
    position = {w: i for i, w in enumerate(vocabulary)}
    return ActorIndex(
        tuple(actors),
        tuple(names),
        np.array(owners, dtype=np.int64),
        vocabulary,
        Grouped.of([sorted(position[w] for w in ws) for ws in name_words]),
        Grouped.of([sorted(position[w] for w in ws) for ws in role_words]),
        tuple(own_words),
        words,
        tuning,
        places=_places(abbreviations or {}, words.entities),
        standing_for={a.id: frozenset(w for p in a.places for w in fold(p)) for a in actors if a.places},
    )


def _places(abbreviations: Mapping[str, tuple[str, ...]], entities: frozenset[str]) -> dict[str, str]:
    """A place's other one-word names and its own, as roles name it ("kz" -> kazakhstan)."""
    return {short: phrase[0] for short, phrase in abbreviations.items() if len(phrase) == 1 and phrase[0] in entities}


@dataclass(frozen=True)
class AskedAs:
    """Questions whose answer is an actor's profile though they name no one ("who wrote the wsj article"): the
    actors' `asked_as`, as stems. A question this alike (ratio of sorted stems) gets that profile."""

    texts: tuple[str, ...]  # each question's stems, sorted and joined
    owners: tuple[Actor, ...]  # the actor each belongs to
    cutoff: float
    words: frozenset[str] = frozenset()  # every stem of every text
    fewest: int = 0  # stems a question shares with them at least, to be worth comparing: min(2, shortest text)

    def find(self, stems: Sequence[str]) -> tuple[Actor, float] | None:
        """The actor whose asked_as the question words alike, or holds every stem of (with more besides: "who wrote
        the wsj article on russia trumping china"); None if none."""
        if not self.texts or not stems or len(self.words.intersection(stems)) < self.fewest:
            return None
        hit = process.extractOne(" ".join(sorted(stems)), self.texts, scorer=fuzz.ratio, score_cutoff=self.cutoff)
        if hit is not None:
            return self.owners[hit[2]], float(hit[1])
        held = set(stems)
        within = [i for i, text in enumerate(self.texts) if held.issuperset(text.split())]
        best = max(within, key=lambda i: len(self.texts[i].split()), default=None)
        return None if best is None else (self.owners[best], self.cutoff)


def build_asked_as(actors: Sequence[Actor], stems: Callable[[str], Sequence[str]], cutoff: float) -> AskedAs:
    pairs = [(" ".join(sorted(stems(q))), a) for a in actors for q in a.asked_as]
    kept = [(text, actor) for text, actor in pairs if text]
    texts = tuple(t for t, _ in kept)
    words = frozenset(w for t in texts for w in t.split())
    fewest = min([2, *(len(t.split()) for t in texts)])
    return AskedAs(texts, tuple(a for _, a in kept), cutoff, words, fewest)
