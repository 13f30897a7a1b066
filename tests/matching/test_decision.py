"""Stage 6 and the whole pipeline on the small world: answer, suggest, decline, and why."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kzbot.matcher import Matcher
from kzbot.matching.decision import Confidence, Signals, decide
from kzbot.matching.relevance import FEATURES, Relevance
from kzbot.matching.similarity import Wording
from kzbot.matching.tuning import TUNING


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("why was no freedonian fleet sent", "why-no-fleet"),
        ("when did the blaze start", "harbour-fire"),
        ("how many people died in the inferno", "fire-deaths"),
        ("what does the mayor say about it", "mayor-view"),  # a role inside a question: the entry about him
        ("what is the hto", "treaty-basics"),  # "what is" a body: the entry that explains it
    ],
)
def test_questions_get_their_entry(small: Matcher, question: str, entry: str) -> None:
    result = small.ask(question)
    assert result.answered and result.id == entry, result
    assert 0.0 < result.score <= 100.0


def test_a_name_alone_gets_the_profile(small: Matcher) -> None:
    assert small.ask("who is ortega").id == "actor:ortega"
    assert small.ask("lind").id == "actor:anna-lind"


def test_one_word_gets_suggestions_not_an_answer(small: Matcher) -> None:
    result = small.ask("fire")
    assert result.status == "suggest" and len(result.suggestions) >= 2


def test_an_off_topic_question_is_declined(small: Matcher) -> None:
    result = small.ask("bitcoin price prediction")
    assert result.status == "decline" and result.reason == "off_topic"


def test_a_known_gap_declines_with_its_note(small: Matcher) -> None:
    result = small.ask("how many people were arrested")
    assert result.status == "decline" and result.reason == "not_covered"
    assert result.gap is not None and result.gap.id == "arrests"
    assert [s.id for s in result.suggestions] == ["fire-deaths"]


def test_a_figure_the_entry_lacks_is_said_to_be_missing(small: Matcher) -> None:
    result = small.ask("how many freedonian navy ships stayed home")
    assert not result.answered and result.reason == "missing_detail" and result.detail == "number"
    assert result.suggestions[0].id == "why-no-fleet"


def test_a_year_no_entry_mentions_is_not_answered(small: Matcher) -> None:
    assert small.ask("when did the harbour fire start").answered
    assert not small.ask("when did the harbour fire start in 1999").answered


def test_explain_records_every_stage(small: Matcher) -> None:
    result = small.ask("when did the blaze start", explain=True)
    stages = [step.stage for step in result.trace]
    assert stages == ["reading", "evidence", "relevance", "decision"]
    assert result.trace[-1].data["status"] == "answer"
    assert result.trace[2].data["candidates"][0]["id"] == "harbour-fire"
    assert result.trace[2].data["candidates"][0]["closest_phrasing"] == "when harbour fire start"
    assert small.ask("when did the blaze start").trace == ()


def test_autocomplete_ranks_like_ask_and_completes_the_last_word(small: Matcher) -> None:
    assert small.complete("when did the harbour fi")[0].id == "harbour-fire"
    assert [s.id for s in small.complete("", limit=3)] == ["why-no-fleet", "harbour-fire", "fire-deaths"]
    assert small.complete_actor("lin")[0].id == "actor:anna-lind"


def test_a_name_with_a_place_outside_its_affiliation_is_a_question_not_a_look_up(small: Matcher) -> None:
    assert small.ask("lind sylvania").id == "actor:anna-lind"  # her academy is in Sylvania
    assert small.ask("ortega sylvania").actor is None  # the mayor and a country: a question about both


def test_what_is_it_after_a_name_asks_for_the_profile(small: Matcher) -> None:
    assert small.ask("naval academy of sylvania, what is it").id == "actor:naval-academy"


def _ranking(share: list[float]) -> Relevance:
    n = len(share)
    wording = Wording(np.zeros(n), np.zeros(n), np.full(n, -1))
    return Relevance(np.arange(n), np.zeros((n, len(FEATURES))), np.log(share), np.array(share), wording)


def test_an_answer_offers_siblings_with_a_tenth_of_its_share_of_belief() -> None:
    """A sibling far behind the answer is still offered beside it: a wrong answer then often carries the right
    entry as a button. One under the suggestion share, or under a tenth of the answer's share, is not."""
    signals = Signals(gap=None, unknown_figure=False, missing_detail=None, words=6, exact=False)
    verdict = decide(_ranking([0.72, 0.16, 0.1, 0.02]), Confidence(0.9), signals, TUNING)
    assert verdict.status == "answer" and verdict.top == 0
    assert verdict.suggested == (1,), "0.16 is offered (over 0.12 and over a tenth of 0.72); 0.10 and 0.02 are not"
    assert (
        decide(_ranking([0.72, 0.16, 0.1, 0.02]), Confidence(0.9), signals, replace(TUNING, also_ratio=0.5)).suggested
        == ()
    )
    assert decide(_ranking([0.95, 0.09, 0.01]), Confidence(0.9), signals, TUNING).suggested == ()
