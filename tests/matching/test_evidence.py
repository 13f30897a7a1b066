"""Stage 3: BM25 over every field of an entry; coverage; words no entry holds."""

from __future__ import annotations

import numpy as np
import pytest

from kzbot.matcher import Matcher


def _index(small: Matcher, entry_id: str) -> int:
    return [e.id for e in small.stages.entries].index(entry_id)


def test_a_word_only_an_answer_holds_still_counts(small: Matcher) -> None:
    # "leak" is in the fire-cause entry's answer, never in a phrasing.
    evidence = small.stages.evidence.score(small.stages.reader.read("fuel leak").stems)
    assert int(np.argmax(evidence.bm25[: len(small.stages.entries)])) == _index(small, "fire-cause")


def test_a_rare_word_weighs_more_than_a_common_one(small: Matcher) -> None:
    stems = small.stages.reader.read("fire timber").stems
    evidence = small.stages.evidence.score(stems)
    idf = small.stages.evidence.idf
    assert idf["timber"] > idf["fire"]
    assert evidence.bm25[_index(small, "grain-exports")] > evidence.bm25[_index(small, "mayor-view")]


def test_coverage_is_the_share_of_the_question_an_entry_holds(small: Matcher) -> None:
    evidence = small.stages.evidence.score(small.stages.reader.read("harbour fire").stems)
    assert evidence.coverage[_index(small, "harbour-fire")] == pytest.approx(1.0)
    assert 0.0 < evidence.coverage[_index(small, "fire-deaths")] < 1.0
    assert evidence.unknown == 0.0


def test_words_no_entry_holds_weigh_against_every_entry(small: Matcher) -> None:
    evidence = small.stages.evidence.score(small.stages.reader.read("fire bitcoin").stems)
    assert evidence.missing == ("bitcoin",)
    assert evidence.unknown > 0.5
    assert evidence.coverage.max() < 0.5


def test_a_known_gap_word_is_unknown_to_the_entries(small: Matcher) -> None:
    evidence = small.stages.evidence.score(small.stages.reader.read("arrested").stems)
    assert evidence.missing == ()
    assert evidence.unknown == pytest.approx(1.0)
