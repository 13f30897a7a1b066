"""Match a question to the knowledge base: answer, suggest or decline. Pure and deterministic.

The stages, each its own module in kzbot/matching/ and each built once from the KnowledgeBase:

0. names      — a question that is only a name ("who is tsang") gets that actor's profile (names.py)
1. reading    — clean, fold, rewrite synonyms, drop stop words (reading.py)
2. spelling   — correct unknown words to known ones (spelling.py)
3. evidence   — BM25 over each entry's phrasings, answer, quotes and actors' names (evidence.py), and the
                likelihood of the question's words under each entry's counted words (likelihood.py)
4. wording    — rapidfuzz likeness to the closest phrasings of the best candidates (similarity.py)
5. relevance  — one fitted linear score per candidate, from 3 and 4 (relevance.py)
6. decision   — a calibrated confidence (fitted trees, trees.py); known gaps; answer, suggest or decline (decision.py)

Every number is in matching/tuning.py; every word list is in knowledge/lexicon.yaml. `ask(..., explain=True)`
records what each stage did in the result's `trace`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kzbot.knowledge import KnowledgeBase
from kzbot.matching.build import Stages, build
from kzbot.matching.complete import Completer
from kzbot.matching.decision import Confidence, GapMatch, Signals, Verdict, confidence, decide, gap_match
from kzbot.matching.evidence import Evidence
from kzbot.matching.reading import Reading, clauses, clean
from kzbot.matching.relevance import FEATURES, Clues, Relevance, rank
from kzbot.matching.results import (
    ActorResult,
    ActorStatus,
    AskResult,
    AskStatus,
    Suggestion,
    TraceStep,
)
from kzbot.matching.tuning import TUNING, Tuning
from kzbot.text import ascii_fold

__all__ = ["ActorResult", "ActorStatus", "AskResult", "AskStatus", "Matcher", "Suggestion", "TraceStep", "clean"]


@dataclass(frozen=True)
class Scored:
    missing: tuple[str, ...]  # stems no entry holds
    unknown: float  # their share of the question's IDF mass
    relevance: Relevance
    confidence: Confidence
    signals: Signals


class Matcher:
    """The stages for one knowledge base, and the questions asked of them."""

    def __init__(self, kb: KnowledgeBase, tuning: Tuning = TUNING, *, max_phrasings: int | None = None) -> None:
        self.kb = kb
        self.tuning = tuning
        self.stages: Stages = build(kb, tuning, max_phrasings)
        self._complete = Completer(self.stages, tuning)

    # ------------------------------------------------------------------------------------------ questions

    def ask(self, question: str, *, explain: bool = False) -> AskResult:
        """Answer, suggest or decline. Never raises for any text."""
        trace: list[TraceStep] = []
        text = clean(question)
        if not text:
            return AskResult(question, "decline", 0.0, reason="empty")
        if len(text) > self.tuning.max_query_chars:
            return AskResult(question, "decline", 0.0, reason="too_long")
        folded = ascii_fold(text)
        if not folded:
            return AskResult(question, "decline", 0.0, reason="unreadable")
        named, pure = self._name_question(question, folded, trace)
        if named is not None and pure:
            return named if explain else _without_trace(named)
        reading = self.stages.reader.read(text)
        if (profile := self.stages.asked_as.find(reading.stems)) is not None:  # "who wrote the wsj article"
            trace.append(TraceStep("names", f"asked as a question about {profile[0].name} ({profile[1]:.0f})"))
            result = AskResult(question, "answer", profile[1], actor=profile[0], trace=tuple(trace))
            return result if explain else _without_trace(result)
        result = self._match(question, reading, trace, explain)
        if named is not None:
            # "what did the spokesman say": an entry about that very actor, answered surely, says more than a profile.
            about = named.actor is not None and result.entry is not None and named.actor.id in result.entry.actors
            if not (about and result.answered):
                return named if explain else _without_trace(named)
        # A chatty message ("is it true tokayev speaks mandarin?? thats kinda wild") whose whole gives no answer, or
        # whose whole is answered despite words no entry knows ("I live in Germany and drink coffee, when did…"):
        # one clause alone may be the clearer question, and the surest reading is used (the last few clauses).
        chatter = sum(s not in self.stages.evidence.postings for s in reading.stems) >= self.tuning.clause_chatter
        # A whole that asks for a detail the articles lack was understood: a clause must not answer it after all.
        understood = result.reason == "missing_detail"
        retry_clauses = (not result.answered or chatter) and not understood
        for clause in clauses(text)[: self.tuning.clause_retries] if retry_clauses else []:
            reading = self.stages.reader.read(clause)
            if len(reading.stems) >= 2:
                retry = self._match(question, reading, [*trace, TraceStep("clause", f"retried on {clause!r}")], explain)
                # A clause is less of the message than the whole: it answers only when sure.
                sure = not retry.answered or retry.score >= 100.0 * self.tuning.clause_answer_cutoff
                if retry.score > result.score and sure:
                    result = retry
        return result if explain else _without_trace(result)

    def _name_question(self, question: str, folded: str, trace: list[TraceStep]) -> tuple[AskResult | None, bool]:
        """The profile (or explaining entry) for a question that is a name, "who is NAME" or "what is NAME"; and
        whether the question is only that (else an entry about the actor may say more)."""
        query = self.stages.actors.read(folded)
        if not query.words or len(query.words) > self.tuning.name_question_words or self._claimed(folded):
            return None, False
        match = self.stages.actors.find(query.words, names_only=True)
        if match.actor is None:
            return None, False
        if self.stages.actors.only_its_places(match.actor, query.words):
            trace.append(TraceStep("names", f"a place that stands for {match.actor.name}: asked about the place"))
            return None, False
        trace.append(TraceStep("names", f"a name question: {match.actor.name} ({match.score:.0f})"))
        explained = self.stages.explained_by.get(match.actor.id) if query.asked_what else None
        if explained is not None:
            trace.append(TraceStep("decision", f"'what is' answered by the entry that explains it: {explained.id}"))
            return AskResult(question, "answer", match.score, entry=explained, trace=tuple(trace)), True
        # Only the name, with at most a title or a filler that is no stop word ("the man wang wenbin").
        bare = self.stages.actors.words.bare
        pure = query.asked_who or all(w in query.words or w in bare for w in folded.split())
        return AskResult(question, "answer", match.score, actor=match.actor, trace=tuple(trace)), pure

    def _claimed(self, folded: str) -> bool:
        """Whether an entry lists this very question among its phrasings (then it is that entry's, not a name)."""
        return " ".join(w for w in folded.split() if w not in self.stages.actors.words.titles) in self.stages.claims

    def score(self, reading: Reading, *, explain: bool = False) -> Scored | None:
        """Stages 3–5 for a reading: the ranked candidates, the confidence and the gaps to weigh; None when no
        entry holds any word of the question."""
        stages, n = self.stages, len(self.stages.entries)
        evidence = stages.evidence.score(reading.stems)
        entries = self._candidates(reading, evidence)
        if not len(entries):
            return None
        gaps = n + _top(evidence.bm25[n:], self.tuning.gap_candidates)
        wording = stages.phrasings.compare(reading.stems, np.concatenate([entries, gaps]), closest=explain)
        clues = Clues(
            _entity_misses(stages, reading, entries),
            stages.intents.agreement(reading.folded, entries),
            stages.likelihood.score(reading.stems, entries),
            stages.phrasings.per_document[entries],
            stages.pairs.share(reading.stems, entries),
        )
        relevance = rank(
            evidence,
            wording.cut(0, len(entries)),
            entries,
            clues,
            self.tuning.relevance_weights,
            self.tuning.relevance_bias,
            self.tuning.exact_phrasing,
        )
        sure = confidence(relevance, evidence.unknown, len(reading.stems), stages.confidence)
        gap_blend = (wording.token_set[len(entries) :] + wording.token_sort[len(entries) :]) / 2.0
        top_blend = float(relevance.wording.token_set[0] + relevance.wording.token_sort[0]) / 2.0
        explains = np.array([_explains(stages, reading, int(relevance.candidates[0]), int(g)) for g in gaps])
        signals = Signals(
            gap=gap_match(gaps - n, wording.token_set[len(entries) :], gap_blend, top_blend, explains, self.tuning)
            or _gap_by_word(stages, self.tuning, reading, evidence, gaps),
            unknown_figure=any(s.isdigit() for s in evidence.missing),
            missing_detail=stages.details.missing(reading.folded, int(relevance.candidates[0])),
            words=len(reading.folded.split()),
            exact=bool(relevance.wording.token_sort[0] >= self.tuning.exact_phrasing),
        )
        return Scored(evidence.missing, evidence.unknown, relevance, sure, signals)

    def _match(self, question: str, reading: Reading, trace: list[TraceStep], explain: bool) -> AskResult:
        trace = [*trace, _reading_step(reading)] if explain else trace
        scored = self.score(reading, explain=explain) if reading.stems else None
        if scored is None:
            trace.append(TraceStep("evidence", "no entry holds any word of the question"))
            return AskResult(question, "decline", 0.0, reason="off_topic", trace=(*trace,))
        verdict = decide(scored.relevance, scored.confidence, scored.signals, self.tuning)
        if explain:
            trace += _scoring_steps(self, scored.missing, scored.relevance, scored.confidence.value, verdict)
        return self._result(question, scored.relevance, scored.confidence.value, verdict, trace)

    def _candidates(self, reading: Reading, evidence: Evidence) -> np.ndarray:
        """The entries worth a close look: any with a phrasing of exactly the question's stems, the best by BM25,
        and the best by what their phrasings alone hold (a short question of common words may be one entry's
        phrasing word for word and still rank low on BM25)."""
        n = len(self.stages.entries)
        exact = np.array([d for d in self.stages.phrasings.repeated_by(reading.stems) if d < n], dtype=np.int64)
        by_bm25 = _top(evidence.bm25[:n], self.tuning.candidates)
        by_phrasings = _top(evidence.field_coverage[:n, 0], self.tuning.phrasing_candidates)
        return np.unique(np.concatenate([exact, by_bm25, by_phrasings]))

    def _result(
        self, question: str, relevance: Relevance, sure: float, verdict: Verdict, trace: list[TraceStep]
    ) -> AskResult:
        entries = self.stages.entries
        offered = tuple(
            Suggestion(entries[d].id, entries[d].question, round(100.0 * float(relevance.share[i]), 1))
            for i in verdict.suggested
            for d in [int(relevance.candidates[i])]
        )
        score = round(100.0 * sure, 1)
        if verdict.status == "answer" and verdict.top is not None:
            entry = entries[int(relevance.candidates[verdict.top])]
            return AskResult(question, "answer", score, entry=entry, also=offered, trace=tuple(trace))
        if verdict.status == "gap" and verdict.gap is not None:
            gap = self.stages.gaps[verdict.gap]
            see = tuple(Suggestion(e, self.kb.entries[e].question, 0.0) for e in gap.see if e in self.kb.entries)
            return AskResult(
                question, "decline", score, suggestions=see, reason="not_covered", gap=gap, trace=tuple(trace)
            )
        if verdict.status == "detail":
            return AskResult(
                question,
                "decline",
                score,
                suggestions=offered,
                reason="missing_detail",
                detail=verdict.detail,
                trace=tuple(trace),
            )
        status: AskStatus = "suggest" if verdict.status == "suggest" else "decline"
        reason = None if status == "suggest" else "off_topic"
        return AskResult(question, status, score, suggestions=offered, reason=reason, trace=tuple(trace))

    # --------------------------------------------------------------------------------------------- actors

    def actor(self, name: str) -> ActorResult:
        """Look an actor up by name, alias, role or institution; suggest the closest names when unsure."""
        text = clean(name)
        if not text or len(text) > self.tuning.max_query_chars:
            return ActorResult(name, "not_found", 0.0)
        query = self.stages.actors.read(ascii_fold(text), look_up=True)
        match = self.stages.actors.look_up(query.words)
        return ActorResult(name, match.status, match.score, match.actor, match.suggestions)

    # ----------------------------------------------------------------------------------------- autocomplete

    def complete(self, text: str, limit: int = 25) -> tuple[Suggestion, ...]:
        return self._complete.questions(text, limit, self._relevance_scores)

    def complete_actor(self, text: str, limit: int = 25) -> tuple[Suggestion, ...]:
        return self._complete.actors(text, limit)

    def _relevance_scores(self, reading: Reading) -> np.ndarray:
        """Per entry, 0–100: how close each candidate comes to the best one (100), zero outside the candidates."""
        out = np.zeros(len(self.stages.entries))
        scored = self.score(reading) if reading.stems else None
        if scored is not None:
            ranked = scored.relevance
            out[ranked.candidates] = 100.0 * np.exp(ranked.logit - ranked.logit.max())
        return out


def _gap_by_word(
    stages: Stages, tuning: Tuning, reading: Reading, evidence: Evidence, gaps: np.ndarray
) -> GapMatch | None:
    """The known gap that holds the question's words no entry holds, when those words are a good part of the
    question and the gap holds most of the rest too ("how many people were *arrested*": only a gap speaks of
    arrests). A gap sharing one stray word ("spend") with a question about something else is no match."""
    index, n = stages.evidence, len(stages.entries)
    orphans = [s for s in reading.stems if s in index.postings and index.postings[s].first >= n]
    best: GapMatch | None = None
    for gap in gaps:
        held = sum(index.idf[s] for s in orphans if s in index.documents[int(gap)].all) / evidence.total_idf
        covers = evidence.coverage[int(gap)] >= tuning.gap_word_coverage
        if held >= tuning.gap_word_share and covers and (best is None or held > best.similarity / 100.0):
            best = GapMatch(int(gap) - n, 100.0 * held)
    return best


def _entity_misses(stages: Stages, reading: Reading, documents: np.ndarray) -> np.ndarray:
    """Per document, how many places, countries, bodies and people the question names and the document never does."""
    named = [s for s in reading.stems if s in stages.entity_stems]
    if not named:
        return np.zeros(len(documents))
    held = stages.evidence.documents
    return np.array(
        [len(named) - sum(map(held[d].all.__contains__, named)) for d in documents.tolist()], dtype=np.float64
    )


def _explains(stages: Stages, reading: Reading, entry: int, gap: int) -> bool:
    """Whether the gap holds a word of the question that the entry does not."""
    documents = stages.evidence.documents
    return any(s in documents[gap].all and s not in documents[entry].all for s in reading.stems)


_SORT_WHOLE = 4096  # up to this many values a stable sort is cheaper than a partition, and breaks ties by index


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k largest positive values, best first (ties by index, at least among small arrays)."""
    if len(values) <= _SORT_WHOLE:
        order = np.argsort(-values, kind="stable")[:k]
        return order[values[order] > 0]
    positive = np.flatnonzero(values > 0)
    if len(positive) > k:
        positive = np.sort(positive[np.argpartition(-values[positive], k - 1)[:k]])
    return positive[np.lexsort((positive, -values[positive]))]


def _without_trace(result: AskResult) -> AskResult:
    return replace(result, trace=()) if result.trace else result


def _reading_step(reading: Reading) -> TraceStep:
    fixes = ", ".join(f"{c.typed}→{c.read_as}" for c in reading.corrections) or "none"
    return TraceStep(
        "reading",
        f"words: {' '.join(reading.words) or '(none)'}; corrections: {fixes}; stems: {' '.join(reading.stems)}",
        {
            "words": list(reading.words),
            "corrections": {c.typed: c.read_as for c in reading.corrections},
            "stems": list(reading.stems),
        },
    )


def _scoring_steps(
    matcher: Matcher, missing: tuple[str, ...], relevance: Relevance, sure: float, verdict: Verdict
) -> list[TraceStep]:
    entries = matcher.stages.entries
    rows = []
    for i in range(min(5, len(relevance.candidates))):
        values = dict(zip(FEATURES, (round(float(v), 3) for v in relevance.features[i]), strict=True))
        rows.append(
            {
                "id": entries[int(relevance.candidates[i])].id,
                "share": round(float(relevance.share[i]), 3),
                "closest_phrasing": matcher.stages.phrasings.phrasing(int(relevance.wording.best[i])),
                **values,
            }
        )
    lines = "; ".join(f"{r['id']} {r['share']:.2f}" for r in rows)
    return [
        TraceStep("evidence", f"words no entry holds: {' '.join(missing) or 'none'}", {"unknown": list(missing)}),
        TraceStep("relevance", f"top candidates: {lines}", {"candidates": rows}),
        TraceStep(
            "decision",
            f"{verdict.status} (confidence {sure:.2f}): {verdict.rule}",
            {"status": verdict.status, "confidence": round(sure, 3), "rule": verdict.rule},
        ),
    ]
