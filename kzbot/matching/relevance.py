"""Stage 5, relevance: one number per candidate entry from the evidence and wording stages.

A linear score (logit) over a few features (below, in this order), with weights fitted on labelled questions
(Tuning.relevance_weights) as a conditional logit: the softmax of the logits over one question's candidates is
each candidate's share of the belief that it is the entry asked for. Candidates are ranked by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kzbot.matching.evidence import Evidence
from kzbot.matching.similarity import Wording

FEATURES = (
    "bm25",  # BM25 over all fields, per unit of the question's IDF mass
    "coverage",  # share of the question's IDF mass the entry holds anywhere
    "phrasing_coverage",  # …in its question and phrasings
    "answer_coverage",  # …in its answer and details
    "quote_coverage",  # …in its quotes
    "actor_coverage",  # …in the names of its actors
    "token_set",  # best phrasing's token-set ratio, 0–1
    "token_sort",  # best phrasing's token-sort ratio, 0–1
    "entity_misses",  # places, countries, bodies, people the question names and the entry never does
    "bm25_share",  # BM25 as a share of the best candidate's
    "intent",  # share of the entry's phrasings that ask the way the question does ("why", "when", …)
    "likelihood",  # mean log likelihood ratio of the question's stems under the entry's counted stems
    "likelihood_lead",  # the same less the best candidate's
    "phrasings",  # log(1 + the entry's distinct phrasings): wording weighs less for an entry with few
    "pairs",  # share of the question's neighbouring stem pairs the entry's texts hold
)


@dataclass(frozen=True)
class Relevance:
    candidates: np.ndarray  # document indexes, best first
    features: np.ndarray  # (candidates, FEATURES)
    logit: np.ndarray
    share: np.ndarray  # softmax of the logits: each candidate's share of the belief, given one is right
    wording: Wording  # in the order of `candidates`


@dataclass(frozen=True)
class Clues:
    """Per candidate, what the other stages found beside the evidence and the wording."""

    entity_misses: np.ndarray  # places, countries, bodies, people the question names and the entry never does
    intent: np.ndarray  # share of the entry's phrasings that ask the way the question does
    likelihood: np.ndarray  # mean log likelihood ratio of the question's stems under the entry
    phrasings: np.ndarray  # how many distinct phrasings the entry has
    pairs: np.ndarray  # share of the question's neighbouring stem pairs the entry's texts hold


def features(evidence: Evidence, wording: Wording, candidates: np.ndarray, clues: Clues) -> np.ndarray:
    total = max(evidence.total_idf, 1e-9)
    bm25 = evidence.bm25[candidates]
    top = max(float(bm25.max()) if len(bm25) else 0.0, 1e-9)
    likelihood = clues.likelihood
    table = np.empty((len(candidates), len(FEATURES)))  # filled column by column: cheaper than stacking 11 arrays
    table[:, 0] = bm25 / total
    table[:, 1] = evidence.coverage[candidates]
    table[:, 2:6] = evidence.field_coverage[candidates]
    table[:, 6] = wording.token_set / 100.0
    table[:, 7] = wording.token_sort / 100.0
    table[:, 8] = clues.entity_misses
    table[:, 9] = bm25 / top
    table[:, 10] = clues.intent
    table[:, 11] = likelihood
    table[:, 12] = likelihood - (likelihood.max() if len(likelihood) else 0.0)
    table[:, 13] = np.log1p(clues.phrasings)
    table[:, 14] = clues.pairs
    return table


def rank(
    evidence: Evidence,
    wording: Wording,
    candidates: np.ndarray,
    clues: Clues,
    weights: tuple[float, ...],
    bias: float,
    exact: float = 101.0,
) -> Relevance:
    """Candidates ranked by relevance; one whose phrasing the question repeats word for word (token-sort ratio at
    `exact`) ranks first whatever the rest says."""
    table = features(evidence, wording, candidates, clues)
    logit = table @ np.asarray(weights, dtype=np.float64) + bias
    order = np.lexsort((candidates, -logit, wording.token_sort < exact))
    picked = wording.pick(order)
    return Relevance(candidates[order], table[order], logit[order], _softmax(logit[order]), picked)


def _softmax(x: np.ndarray) -> np.ndarray:
    if not len(x):
        return x
    e = np.exp(x - x.max())
    return np.asarray(e / e.sum(), dtype=np.float64)
