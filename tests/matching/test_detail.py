"""A question that asks for a figure, a date or a reply its best entry does not give."""

from __future__ import annotations

from kzbot.matcher import Matcher
from kzbot.matching.detail import build_details


def _at(small: Matcher, entry_id: str) -> int:
    return [e.id for e in small.stages.entries].index(entry_id)


def test_which_details_a_question_asks_for(small: Matcher) -> None:
    details = small.stages.details
    assert details.asked("how many ships sank") == ("number",)
    assert details.asked("when did it start") == ("date",)
    assert details.asked("why did it start") == ()


def test_when_after_another_question_word_is_a_conjunction(small: Matcher) -> None:
    details = small.stages.details
    assert details.asked("how does the navy react when ships burn") == ()
    assert details.asked("what happened when the fire started") == ()
    assert details.asked("so when did it start") == ("date",)
    assert details.asked("the fire started when") == ("date",)


def test_an_entry_gives_a_figure_by_digits_or_number_words(small: Matcher) -> None:
    details = small.stages.details
    assert details.missing("how many died", _at(small, "fire-deaths")) is None  # "41 dead"
    assert details.missing("how many ships", _at(small, "why-no-fleet")) == "number"
    assert details.missing("when is the vote", _at(small, "election-date")) is None  # "in the spring"
    assert details.missing("when did trade start", _at(small, "trade-ties")) == "date"


def test_a_day_beside_a_month_is_a_date_not_a_figure(small: Matcher) -> None:
    # "The fire started on 3 March": a date; the fire-deaths entry's "41 dead" is an exact figure.
    details = small.stages.details
    assert details.missing("when did it start", _at(small, "harbour-fire")) is None
    assert details.missing("how many exactly", _at(small, "harbour-fire")) == "number"
    assert details.missing("how many exactly", _at(small, "fire-deaths")) is None


def test_a_reply_is_asked_for_wherever_the_words_stand(small: Matcher) -> None:
    details = small.stages.details
    assert details.asked("what did the mayor reply") == ("reply",)
    # After the opening "what", and past the first words of a chatty message.
    assert details.asked("ok the fire was bad and the port burned but what did the mayor say back") == ("reply",)
    assert details.missing("what did the mayor reply", _at(small, "mayor-view")) == "reply"  # "called it a tragedy"


def test_an_entry_gives_a_reply_by_a_word_that_says_someone_replied() -> None:
    lists = {"asks_reply": ["reply"], "reply_words": ["replied"]}
    details = build_details(lists, ["The mayor replied at once.", "The mayor spoke at length."], window=6)
    assert details.missing("what did the mayor reply", 0) is None
    assert details.missing("what did the mayor reply", 1) == "reply"
