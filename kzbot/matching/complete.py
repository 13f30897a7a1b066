"""Autocomplete for /ask and /actor: ranked like `ask`, with the last, half-typed word completed."""

from __future__ import annotations

import bisect
from collections.abc import Callable

import numpy as np
from rapidfuzz import fuzz, process

from kzbot.matching.build import Stages
from kzbot.matching.reading import Reading, clean
from kzbot.matching.results import Suggestion
from kzbot.matching.stems import stem_all
from kzbot.matching.tuning import Tuning
from kzbot.text import ascii_fold

_MAX = 25  # Discord shows at most 25 choices
_PREFIX_SCAN = 200  # known words looked at when completing a half-typed word


class Completer:
    def __init__(self, stages: Stages, tuning: Tuning) -> None:
        self.stages = stages
        self.tuning = tuning
        self.questions_folded = [ascii_fold(e.question) for e in stages.entries]
        actors = stages.actors
        self.actor_names = [ascii_fold(n) for a in actors.actors for n in (a.name, *a.aliases)]
        self.actor_owner = np.array(
            [i for i, a in enumerate(actors.actors) for _ in (a.name, *a.aliases)], dtype=np.int64
        )

    def questions(self, text: str, limit: int, relevance: Callable[[Reading], np.ndarray]) -> tuple[Suggestion, ...]:
        """FAQ questions, best first; with no text, the questions in knowledge-base order."""
        entries = self.stages.entries
        limit = max(0, min(limit, _MAX))
        text = clean(text)[: self.tuning.max_query_chars]
        folded = ascii_fold(text)
        if not folded:
            return tuple(Suggestion(e.id, e.question, 0.0) for e in entries[:limit])
        reading = self.stages.reader.read(text)
        words = list(reading.words)
        if words and words[-1] not in self.stages.reader.speller.known and folded.endswith(words[-1]):
            words[-1] = self._completion(words[-1])
            reading = Reading(reading.text, reading.folded, tuple(words), stem_all(words), reading.corrections)
        scores = relevance(reading)
        resemblance = process.cdist([folded], self.questions_folded, scorer=fuzz.WRatio, workers=1)[0]
        blend = self.tuning.autocomplete_blend
        per_entry = blend * scores + (1.0 - blend) * resemblance
        order = [int(i) for i in np.lexsort((np.arange(len(per_entry)), -per_entry))[:limit]]
        order = [i for i in order if per_entry[i] >= self.tuning.autocomplete_floor]
        if not order:  # a letter or two: the questions that start that way
            order = [i for i, q in enumerate(self.questions_folded) if q.startswith(folded)][:limit]
        return tuple(Suggestion(entries[i].id, entries[i].question, round(float(per_entry[i]), 1)) for i in order)

    def _completion(self, prefix: str) -> str:
        """The shortest known word that starts with a half-typed one (alphabetical among equals), or the prefix."""
        vocabulary = self.stages.vocabulary
        start = bisect.bisect_left(vocabulary, prefix)
        matches = [w for w in vocabulary[start : start + _PREFIX_SCAN] if w.startswith(prefix)]
        return min(matches, key=len) if matches else prefix

    def actors(self, text: str, limit: int) -> tuple[Suggestion, ...]:
        """Actor names, matched on names and aliases; with no text, all names A–Z."""
        actors = self.stages.actors.actors
        limit = max(0, min(limit, _MAX))
        folded = ascii_fold(clean(text)[: self.tuning.max_query_chars])
        if not folded:
            ordered = sorted(actors, key=lambda a: ascii_fold(a.name))
            return tuple(Suggestion(f"actor:{a.id}", a.name, 0.0, "actor") for a in ordered[:limit])
        scores = process.cdist([folded], self.actor_names, scorer=fuzz.WRatio, workers=1)[0]
        best = np.zeros(len(actors))
        np.maximum.at(best, self.actor_owner, scores)
        order = [
            int(i) for i in np.lexsort((np.arange(len(best)), -best)) if best[i] >= self.tuning.autocomplete_actor_floor
        ][:limit]
        return tuple(
            Suggestion(f"actor:{actors[i].id}", actors[i].name, round(float(best[i]), 1), "actor") for i in order
        )
