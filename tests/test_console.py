"""The offline console, driven through StringIO as a person at a terminal would use it."""

from __future__ import annotations

import io
import re

import pytest

from kzbot import knowledge
from kzbot.config import Settings
from kzbot.console import PROMPT, run_console
from kzbot.matcher import Matcher


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    defaults = Settings()
    return Matcher(knowledge.load(defaults.knowledge_dir, defaults.seeds_dir))


def session(matcher: Matcher, *lines: str, connect_hint: bool = True) -> tuple[int, str]:
    out = io.StringIO()
    status = run_console(matcher, io.StringIO("".join(f"{line}\n" for line in lines)), out, connect_hint=connect_hint)
    return status, out.getvalue()


def replies(output: str) -> list[str]:
    """What followed each prompt, in order."""
    return [part.strip() for part in output.split(PROMPT)[1:]]


def test_a_question_is_answered_with_its_source(matcher: Matcher) -> None:
    status, out = session(matcher, "why didnt china send soldiers")
    assert status == 0
    answer = replies(out)[0]
    assert answer.startswith("Why didn't China send troops to Kazakhstan?\n─")
    assert "Source:\n  AP\n  “China verbally supported" in answer
    assert re.search(r"\(Confidence \d+ % · kzbot knowledge v", answer)


def test_the_banner_says_how_to_connect_to_discord(matcher: Matcher) -> None:
    _, out = session(matcher)
    assert "set DISCORD_TOKEN" in out
    assert matcher.kb.summary() in out
    _, quiet = session(matcher, connect_hint=False)
    assert "DISCORD_TOKEN" not in quiet


def test_actor_command(matcher: Matcher) -> None:
    _, out = session(matcher, "actor Tileuberdi", "actor tokaev", "actor zzz")
    tileuberdi, tokayev, nobody = replies(out)[:3]
    assert tileuberdi.startswith("Mukhtar Tileuberdi\n")
    assert "Role: Foreign Minister of Kazakhstan" in tileuberdi
    assert tokayev.startswith("Kassym-Jomart Tokayev\n")
    assert nobody.startswith("No one by that name\n")


def test_numbers_follow_the_options_of_the_last_reply(matcher: Matcher) -> None:
    _, out = session(matcher, "why didnt china send soldiers", "1", "faq", "2", "3")
    answer, picked, topics, topic, question = replies(out)[:5]
    first = answer.split("[1] ", 1)[1].splitlines()[0]
    assert picked.startswith(first + "\n")
    assert topics.startswith("FAQ topics")
    second_topic = list(matcher.kb.topics.values())[1]
    assert topic.startswith(f"FAQ · {second_topic.title}")
    third_question = matcher.kb.entries[second_topic.entries[2]].question
    assert question.startswith(third_question + "\n")


def test_faq_by_topic_name_and_browse_commands(matcher: Matcher) -> None:
    _, out = session(matcher, "faq troops", "/faq Troops and", "sources", "timeline", "help")
    troops, troops_again, sources, timeline, help_text = replies(out)[:5]
    assert troops.startswith("FAQ · Troops and intervention")
    assert troops_again.startswith("FAQ · Troops and intervention")
    assert sources.startswith("Sources\n") and "The Wall Street Journal:" in sources
    assert timeline.startswith("Timeline\n") and "2022-01-02 — " in timeline
    assert "actor NAME" in help_text and "quit" in help_text


def test_off_topic_is_declined_politely(matcher: Matcher) -> None:
    _, out = session(matcher, "best pizza in naples @everyone")
    decline = replies(out)[0]
    assert decline.startswith("I can't answer that one")
    assert "“best pizza in naples @everyone”" in decline
    assert "/faq" in decline


@pytest.mark.parametrize(
    "bad",
    ["7", "0", "99999999999999999999", "\x00\x01\x02", "actor", "faq nonsense-topic", "*" * 5000, "🙂" * 50, "/"],
)
def test_bad_input_never_stops_the_console(matcher: Matcher, bad: str) -> None:
    status, out = session(matcher, bad, "what is the csto")
    assert status == 0
    assert "Traceback" not in out
    assert replies(out)[1].startswith("What is the CSTO?\n")


def test_quit_and_end_of_input_both_leave(matcher: Matcher) -> None:
    status, out = session(matcher, "quit", "what is the csto")
    assert status == 0
    assert "What is the CSTO?" not in out
    assert out.rstrip().endswith("Bye.")
    status, out = session(matcher)
    assert status == 0 and out.rstrip().endswith("Bye.")
