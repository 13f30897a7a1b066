"""An actor's asked_as: questions that name no one but whose answer is that actor's profile."""

from __future__ import annotations

import pytest

from kzbot.matcher import Matcher


@pytest.mark.parametrize(
    "question",
    ["who runs the city", "who runs the city??", "so who is in charge of freedonia city now", "who's running the city"],
)
def test_a_question_an_actor_is_asked_as_gets_the_profile(small: Matcher, question: str) -> None:
    result = small.ask(question)
    assert result.answered
    assert result.id == "actor:ortega"


@pytest.mark.parametrize("question", ["what did the mayor say about the fire", "when did the harbour fire start"])
def test_other_questions_are_matched_as_before(small: Matcher, question: str) -> None:
    assert small.ask(question).actor is None


def test_the_trace_says_which_actor_and_why(small: Matcher) -> None:
    result = small.ask("who runs the city", explain=True)
    assert any(step.stage == "names" and "Carlos Ortega" in step.summary for step in result.trace)


def test_the_shipped_knowledge_answers_who_wrote_an_article_with_its_byline(matcher: Matcher) -> None:
    for question in ("who wrote the wsj piece", "author of that wall street journal article?"):
        result = matcher.ask(question)
        assert result.id == "actor:yaroslav-trofimov", question
