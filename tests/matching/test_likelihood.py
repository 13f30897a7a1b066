"""Stage 3b: query likelihood over each entry's counted stems."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from kzbot.matcher import Matcher
from kzbot.matching.likelihood import Bag, build_likelihood
from kzbot.matching.tuning import TUNING


def _index(small: Matcher, entry_id: str) -> int:
    return [e.id for e in small.stages.entries].index(entry_id)


def _score(small: Matcher, question: str) -> np.ndarray:
    everyone = np.arange(len(small.stages.entries))
    return small.stages.likelihood.score(small.stages.reader.read(question).stems, everyone)


def test_an_entry_whose_phrasings_repeat_a_word_scores_higher_for_it() -> None:
    # Both bags hold "fire"; the first holds it in three texts, the second in one.
    bags = [Bag([("fire", "harbour"), ("fire", "date"), ("fire",)]), Bag([("fire", "mayor"), ("mayor",), ("view",)])]
    index = build_likelihood(bags, TUNING)
    scores = index.score(("fire",), np.array([0, 1]))
    assert scores[0] > scores[1]


def test_the_score_is_the_smoothed_log_ratio_over_the_knowledge_base() -> None:
    tuning = replace(TUNING, likelihood_prior=10.0)
    bags = [Bag([("a", "b"), ("a",)]), Bag([("b", "c")])]
    index = build_likelihood(bags, tuning)
    # Counts: doc 0 {a: 2, b: 1} (3 stems), doc 1 {b: 1, c: 1} (2); the knowledge base holds 5.
    p_a = 2 / 5
    expected = math.log((2 + 10 * p_a) / (3 + 10)) - math.log(p_a)
    assert index.score(("a",), np.array([0]))[0] == pytest.approx(expected)
    # A document without the stem gets only the smoothing mass.
    assert index.score(("a",), np.array([1]))[0] == pytest.approx(math.log(10 * p_a / (2 + 10)) - math.log(p_a))


def test_answer_words_count_with_their_weight() -> None:
    light = build_likelihood(
        [Bag([("x",)], answer=[("leak",)]), Bag([("leak", "y", "z")])], replace(TUNING, likelihood_answer=0.1)
    )
    heavy = build_likelihood(
        [Bag([("x",)], answer=[("leak",)]), Bag([("leak", "y", "z")])], replace(TUNING, likelihood_answer=5.0)
    )
    docs = np.array([0, 1])
    assert light.score(("leak",), docs)[0] < light.score(("leak",), docs)[1]
    assert heavy.score(("leak",), docs)[0] > heavy.score(("leak",), docs)[1]


def test_unknown_words_leave_every_score_at_zero(small: Matcher) -> None:
    assert not _score(small, "bitcoin blockchain").any()


def test_the_entry_the_question_is_about_scores_best(small: Matcher) -> None:
    scores = _score(small, "harbour fire date")
    assert int(np.argmax(scores)) == _index(small, "harbour-fire")
