"""Stages 1 and 2: reading a question into words and stems, and correcting its spelling."""

from __future__ import annotations

from kzbot.knowledge import KnowledgeBase
from kzbot.matcher import Matcher
from kzbot.matching.reading import clauses, clean
from kzbot.matching.stems import stem_all


def test_clean_drops_mentions_links_and_invisible_characters() -> None:
    assert clean("<@123> why\u200b no <#9> fleet? https://x.example/y @everyone") == "why no fleet?"


def test_the_clauses_of_a_chatty_message_last_first() -> None:
    assert clauses("i read the news, when did the fire start") == ["when did the fire start", "i read the news"]
    assert clauses("who started it?? thats wild") == ["thats wild", "who started it??"]
    assert clauses("when did the fire start") == []


def test_synonyms_are_rewritten_and_stop_words_dropped(small: Matcher) -> None:
    reading = small.stages.reader.read("What was the INFERNO about?")
    assert reading.words == ("fire",)
    assert reading.stems == ("fire",)


def test_inflections_meet_at_one_stem() -> None:
    assert stem_all(["exports", "exported", "exporting"]) == ("export",)


def test_a_misspelt_word_is_corrected_to_a_known_one(small: Matcher) -> None:
    reading = small.stages.reader.read("freedonai exprts")
    assert [(c.typed, c.read_as) for c in reading.corrections] == [("freedonai", "freedonia"), ("exprts", "exports")]
    assert reading.words == ("freedonia", "exports")


def test_a_slip_keeps_its_first_letter_among_equals(world: KnowledgeBase) -> None:
    # "timbre" is as near "timber" as any other word; the typed first letter decides.
    reading = Matcher(world).stages.reader.read("timbre exports")
    assert "timber" in reading.words


def test_short_and_numeric_words_are_left_alone(small: Matcher) -> None:
    assert small.stages.reader.read("fyre 1999").words == ("fyre", "1999")


def test_an_inflection_of_a_known_word_is_not_corrected(small: Matcher) -> None:
    # "blamed" is in an answer; "blaming" is not, but shares its stem, so it is not "corrected" to another word.
    reading = small.stages.reader.read("blaming exporters")
    assert reading.corrections == ()
    assert reading.stems == ("blame", "export")
