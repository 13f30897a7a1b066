"""Stage 6, decision: answer, suggest or decline, with a confidence that estimates how likely the answer is right.

The confidence is an ensemble of boosted trees (trees.py; the file Tuning.confidence_trees names) over the features
below, fitted on labelled questions so that, among questions answered with confidence c, about c of them are
answered right. Trees rather than one weight per feature, because what a feature means depends on the others: a
narrow lead says little when the best candidate repeats a phrasing, much when it shares one word with the question.
Then, in order: a known gap the question surely asks declines with the gap's note; a number or year no entry holds
declines; a figure or date the best entry does not give says so ("detail"); a question that repeats an entry's
phrasing word for word is answered; one typed word gets suggestions; a confidence at the answer cutoff answers
(close siblings come along as "Also"); one at the suggestion cutoff offers the closest entries; anything lower
is declined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from kzbot.matching.relevance import FEATURES as RELEVANCE_FEATURES
from kzbot.matching.relevance import Relevance
from kzbot.matching.trees import Trees
from kzbot.matching.tuning import Tuning

FEATURES = (
    "top_logit",  # the best candidate's relevance logit
    "top_share",  # its softmax share of the belief among the candidates
    "lead",  # its share less the runner-up's
    "unknown",  # share of the question's IDF mass no entry holds
    "length",  # log(1 + number of stems)
    *(f"top_{name}" for name in RELEVANCE_FEATURES),  # the best candidate's relevance features
    *(f"top_less_second_{name}" for name in RELEVANCE_FEATURES),  # …less the runner-up's
)


VerdictStatus = Literal["answer", "suggest", "decline", "gap", "detail"]


@dataclass(frozen=True)
class Confidence:
    value: float  # 0–1


def confidence(relevance: Relevance, unknown: float, stems: int, trees: Trees | None) -> Confidence:
    """How likely the best candidate is the entry asked for (0 without fitted trees: nothing is answered)."""
    if trees is None:
        return Confidence(0.0)
    return Confidence(trees.probability(confidence_features(relevance, unknown, stems)))


def confidence_features(relevance: Relevance, unknown: float, stems: int) -> np.ndarray:
    share = relevance.share
    lead = float(share[0] - share[1]) if len(share) > 1 else float(share[0])
    head = [float(relevance.logit[0]), float(share[0]), lead, unknown, float(np.log1p(stems))]
    top = relevance.features[0]
    second = relevance.features[1] if len(relevance.features) > 1 else np.zeros_like(top)
    return np.concatenate([head, top, top - second])


@dataclass(frozen=True)
class Verdict:
    status: VerdictStatus
    rule: str  # which rule decided, for the trace
    top: int | None  # the candidate answered, or the first suggested
    suggested: tuple[int, ...] = ()  # candidates offered ("Did you mean", or "Also" beside an answer)
    gap: int | None = None  # the known gap declined with (its index among the gaps)
    detail: str | None = None  # the kind of detail asked for that the best entry does not give


@dataclass(frozen=True)
class Signals:
    """What the decision needs besides the ranking."""

    gap: GapMatch | None  # a known gap the question surely asks
    unknown_figure: bool  # the question holds a number or year that no entry mentions
    missing_detail: str | None  # a kind of detail asked for that the best candidate does not give
    words: int  # how many words were typed
    exact: bool  # the best candidate has a phrasing the question repeats word for word


def decide(relevance: Relevance, sure: Confidence, signals: Signals, tuning: Tuning) -> Verdict:
    share = relevance.share
    close = [i for i in range(len(share)) if i == 0 or share[i] >= tuning.suggestion_share]
    if signals.gap is not None:
        return Verdict(
            "gap", "a known gap matches better, for a word the best entry lacks", None, gap=signals.gap.index
        )
    if signals.unknown_figure:
        return Verdict("decline", "a number or year that no entry mentions", None, tuple(close[: tuning.suggest_count]))
    if signals.missing_detail is not None and sure.value >= tuning.suggest_cutoff:
        rule = f"asks for a {signals.missing_detail} the best entry does not give"
        return Verdict("detail", rule, None, (0,), detail=signals.missing_detail)
    if signals.exact and signals.words > 1:
        return Verdict("answer", "the question is one of the entry's phrasings, word for word", 0)
    if signals.words == 1 and len(share):
        return Verdict(
            "suggest", "one word: too little to answer", 0, tuple(range(min(tuning.suggest_count, len(share))))
        )
    if sure.value >= tuning.answer_cutoff:
        also = tuple(i for i in close[1:] if share[i] >= tuning.also_ratio * share[0])[: tuning.also_count]
        return Verdict("answer", "confidence at the answer cutoff", 0, also)
    if sure.value >= tuning.suggest_cutoff and close:
        return Verdict(
            "suggest", "confidence between the suggestion and answer cutoffs", 0, tuple(close[: tuning.suggest_count])
        )
    return Verdict("decline", "confidence below the suggestion cutoff", None, tuple(close[: tuning.suggest_count]))


@dataclass(frozen=True)
class GapMatch:
    index: int  # among the gaps
    similarity: float  # its best phrasing's blended likeness, 0–100


def gap_match(
    indexes: np.ndarray,
    token_set: np.ndarray,
    blend: np.ndarray,
    entry_blend: float,
    explains: np.ndarray,
    tuning: Tuning,
) -> GapMatch | None:
    """The known gap this question surely asks: one of its phrasings lies within the question (token-set ratio),
    its wording is about as close as the best entry's, and it accounts for a word of the question that the best
    entry does not ("how many people were *arrested*")."""
    best: GapMatch | None = None
    for index, within, score, new_word in zip(indexes, token_set, blend, explains, strict=True):
        sure = within >= tuning.gap_similarity and score + tuning.gap_margin >= entry_blend and new_word
        if sure and (best is None or score > best.similarity):
            best = GapMatch(int(index), float(score))
    return best
