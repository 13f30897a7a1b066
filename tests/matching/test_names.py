"""Stage 0: people and bodies by name, part of a name, slip, acronym, role or institution."""

from __future__ import annotations

import pytest

from kzbot.matcher import Matcher


@pytest.mark.parametrize(
    ("typed", "actor"),
    [
        ("Carlos Ortega", "ortega"),
        ("ortega", "ortega"),  # surname alone
        ("ortego", "ortega"),  # the articles' slip, an alias
        ("orteega", "ortega"),  # a typo
        ("ortega mayor", "ortega"),  # name + role
        ("lind navacad", "anna-lind"),  # name + the lexicon's one-word form of the institution's name
        ("lind naval academy", "anna-lind"),  # name + institution
        ("lind naval academy sylvania", "anna-lind"),  # name + the institution's whole name, itself an actor
        ("who is prof lind", "anna-lind"),  # fillers and a title
        ("lind, what does she think", "anna-lind"),
        ("anna lind what does she think about the navy", "anna-lind"),  # …and about what
        ("nas", "naval-academy"),  # an acronym
        ("HTO", "harbour-treaty"),
    ],
)
def test_a_look_up_finds_the_actor(small: Matcher, typed: str, actor: str) -> None:
    result = small.actor(typed)
    assert result.found, result
    assert result.actor is not None and result.actor.id == actor


@pytest.mark.parametrize("typed", ["", "   ", "zzzz", "the weather", "x" * 600])
def test_a_look_up_for_no_one_finds_no_one(small: Matcher, typed: str) -> None:
    assert not small.actor(typed).found


def test_an_institution_alone_is_not_a_person_at_it(small: Matcher) -> None:
    result = small.actor("naval academy")
    assert result.found and result.actor is not None and result.actor.id == "naval-academy"


def test_a_place_in_a_look_up_is_read_as_the_roles_name_it(small: Matcher) -> None:
    """ "sylv" is the lexicon's short name for Sylvania, which Lind's role names in full: the look-up as typed is
    not sure of her, read with the place's own name it is."""
    actors = small.stages.actors
    assert actors.with_places(("lind", "sylv")) == ("lind", "sylvania")
    assert actors.find(("lind", "sylv")).status != "found"
    assert actors.look_up(("lind", "sylv")).status == "found"
    result = small.actor("lind sylv")
    assert result.found and result.actor is not None and result.actor.id == "anna-lind"


def test_a_name_too_garbled_to_be_sure_of_is_suggested(small: Matcher) -> None:
    result = small.actor("ortgea")
    assert result.status == "suggest" and result.suggestions[0].id == "actor:ortega"


def test_suggestions_are_actors(small: Matcher) -> None:
    result = small.actor("ortegz lind")
    assert not result.found
    assert all(s.kind == "actor" and s.id.startswith("actor:") for s in result.suggestions)


def test_reading_a_look_up_strips_who_is_and_titles(small: Matcher) -> None:
    query = small.stages.actors.read("who is the professor lind")
    assert query.words == ("lind",) and query.asked_who and not query.asked_what
    assert not small.stages.actors.read("what does lind think about the navy").asked_who
    assert small.stages.actors.read("what is the hto").asked_what


def test_a_place_that_stands_for_a_body_finds_it_but_asks_about_the_place(small: Matcher) -> None:
    """ "Port Royal" stands for the Harbour Board as a capital for its government: /actor finds the board by it, but
    a question that is nothing but the place is about the place, so it goes to the entries, not to a profile."""
    looked_up = small.actor("port royal")
    assert looked_up.found and looked_up.actor is not None and looked_up.actor.id == "harbour-board"
    assert "Port Royal" in looked_up.actor.aliases  # shown and matched with the other names
    for question in ("whats port royal", "portroyal??", "port royale"):
        asked = small.ask(question, explain=True)
        assert asked.actor is None, question
        assert any("a place that stands for Harbour Board" in step.summary for step in asked.trace), question
    named = small.ask("who is the harbour board")
    assert named.actor is not None and named.actor.id == "harbour-board"
    assert small.stages.actors.only_its_places(named.actor, ("portroyal",))
    assert not small.stages.actors.only_its_places(named.actor, ("harbour", "board"))
