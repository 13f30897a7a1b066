"""Whatever people type, kzbot answers with a well-formed result and a card Discord accepts.

Property tests: hostile text (control characters, zero-width and direction marks, combining marks, emoji,
markdown, mass and role mentions, URLs, very long input) goes through the matcher, the cards and the
command line. Nothing may raise, every card stays within Discord's limits, and no card can ping anyone.
"Bounded time" is hypothesis's deadline on each example, not a timed assertion.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kzbot import render
from kzbot.knowledge import KnowledgeBase
from kzbot.matcher import ActorResult, AskResult, Matcher, Suggestion

ROOT = Path(__file__).resolve().parent.parent
MAX_INPUT = 10_000

# Each property runs a few hundred examples at most; a slow example fails the test through the deadline.
FAST = settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

CONTROL = [chr(c) for c in range(0x00, 0x20)] + ["\x7f", "\x85", "\u2028", "\u2029"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
DIRECTION = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069"]
COMBINING = ["\u0301", "\u0308", "\u0336", "\u20dd", "e\u0301", "Z\u0351\u0352\u0353\u0354\u0355\u0356"]
EMOJI = ["😀", "🇰🇿", "🇨🇳", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "🤔", "\U0001f9ff"]
MARKDOWN = ["**", "__", "*", "_", "~~", "||", "`", "```", "```py\n", "> ", ">>> ", "# ", "- ", "1. ", "\\", "[x](y)"]
MENTIONS = [
    "@everyone",
    "@here",
    "@EVERYONE",
    "@@everyone",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&987654321098765432>",
    "<#111111111111111111>",
    "<@&0>",
]
URLS = ["https://example.com/?q=<@1>&x=@here", "http://[::1]:80/", "discord.gg/invite", "<https://x.y/z>"]
WORDS = [
    "why didn't china send troops to kazakhstan?",
    "who is tokayev",
    "Wang Yi",
    "csto",
    "колор революция",
    "中国",
    "哈萨克斯坦",
    "قازاقستان",
    "kazakhstan",
    " ",
    "?",
]
LIVE_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)\d+>", re.IGNORECASE)


@st.composite
def hostile(draw: st.DrawFn) -> str:
    """Text up to MAX_INPUT characters mixing arbitrary Unicode with the fragments that break bots."""
    fragment = st.one_of(
        st.text(max_size=40),
        st.sampled_from(CONTROL + INVISIBLE + DIRECTION + COMBINING + EMOJI + MARKDOWN + MENTIONS + URLS + WORDS),
    )
    pieces = draw(st.lists(fragment, max_size=25))
    text = "".join(pieces) * draw(st.sampled_from([1, 1, 1, 2, 20, 400]))
    return text[:MAX_INPUT]


texts = st.one_of(hostile(), st.text(max_size=300), st.text(max_size=MAX_INPUT))


def visible_text(card: render.Card) -> str:
    parts = [card.title, card.description, card.footer]
    parts += [f.name + "\n" + f.value for f in card.fields]
    parts += [b.label for b in card.buttons]
    return "\n".join(parts)


def assert_fits_discord(card: render.Card) -> None:
    assert 0 < len(card.title) <= 256
    assert len(card.description) <= 4096
    assert len(card.footer) <= 2048
    assert len(card.fields) <= 25
    for fld in card.fields:
        assert 0 < len(fld.name) <= 256 and 0 < len(fld.value) <= 1024
    assert card.total_length <= 6000
    ids = [b.custom_id for b in card.buttons]
    assert len(ids) == len(set(ids))
    assert all(0 < len(i) <= 100 for i in ids)
    assert all(0 < len(b.label) <= 80 for b in card.buttons)
    assert len(card.rows()) <= 5 and all(len(r) <= 5 for r in card.rows())
    live = LIVE_MENTION.search(visible_text(card))
    assert live is None, f"a live mention {live.group()!r} reached the card"


def assert_suggestions(suggestions: tuple[Suggestion, ...], kb: KnowledgeBase, limit: int = 25) -> None:
    assert len(suggestions) <= limit
    assert len({s.id for s in suggestions}) == len(suggestions)
    for s in suggestions:
        known = kb.actors if s.id.startswith("actor:") else kb.entries
        assert s.id.removeprefix("actor:") in known
        assert s.label and 0.0 <= s.score <= 100.0


# ----------------------------------------------------------------------------------------------- matcher


@FAST
@given(text=texts)
@example(text="")
@example(text="\u200b\u200f\u202e")
@example(text="@everyone why didn't china send troops?")
@example(text="x" * MAX_INPUT)
def test_ask_returns_a_well_formed_result_for_any_text(matcher: Matcher, kb: KnowledgeBase, text: str) -> None:
    result = matcher.ask(text)
    assert isinstance(result, AskResult)
    assert result.question == text
    assert result.status in ("answer", "suggest", "decline")
    assert 0.0 <= result.score <= 100.0
    if result.status == "answer":
        assert (result.entry is None) != (result.actor is None)
        assert result.id is not None
        assert (result.entry or result.actor).id in (kb.entries if result.entry else kb.actors)
    else:
        assert result.entry is None and result.actor is None
    if result.status == "suggest":
        assert result.suggestions
    assert_suggestions(result.suggestions, kb)


@FAST
@given(text=texts)
@example(text="")
@example(text="<@&987654321098765432>")
def test_actor_returns_a_well_formed_result_for_any_text(matcher: Matcher, kb: KnowledgeBase, text: str) -> None:
    result = matcher.actor(text)
    assert isinstance(result, ActorResult)
    assert result.status in ("found", "suggest", "not_found")
    assert 0.0 <= result.score <= 100.0
    assert (result.actor is not None) == result.found
    if result.actor is not None:
        assert kb.actors[result.actor.id] == result.actor
    assert_suggestions(result.suggestions, kb)
    assert all(s.id.startswith("actor:") for s in result.suggestions)


@FAST
@given(text=texts, limit=st.integers(min_value=-5, max_value=100))
@example(text="", limit=25)
@example(text="\x00" * 50, limit=25)
def test_autocomplete_returns_at_most_25_known_choices(
    matcher: Matcher, kb: KnowledgeBase, text: str, limit: int
) -> None:
    for choices in (matcher.complete(text, limit), matcher.complete_actor(text, limit)):
        assert isinstance(choices, tuple)
        assert len(choices) <= max(0, min(limit, 25))
        assert_suggestions(choices, kb)
        # Discord refuses a choice name over 100 characters; the question or name is what is shown.
        assert all(len(s.label) <= 100 for s in choices)


# ------------------------------------------------------------------------------------------------- cards


@FAST
@given(text=texts)
@example(text="@everyone <@&1> <@!2> <#3> @here " * 300)
@example(text="**bold** `code` > quote\n# heading " * 200)
def test_cards_for_any_question_fit_discord_and_ping_no_one(matcher: Matcher, kb: KnowledgeBase, text: str) -> None:
    asked = matcher.ask(text)
    cards = [
        render.ask_card(kb, asked),
        render.actor_result_card(kb, matcher.actor(text)),
        render.decline_card(kb, text),
        render.decline_card(kb, text, "too_long"),
        render.suggest_card(kb, text, asked.suggestions or matcher.complete(text, 3) or matcher.complete("", 3)),
        render.faq_card(kb, text, 0),
        render.action_card(matcher, text),
        render.action_card(matcher, "kz:ask:" + text),
        render.action_card(matcher, "kz:actor:" + text),
        render.notice_card(render.user_text(text)),
    ]
    for card in cards:
        assert_fits_discord(card)
        render.card_to_text(card)  # the console's view never raises either


@settings(max_examples=60, deadline=timedelta(seconds=2))
@given(
    topic=st.one_of(st.none(), st.text(max_size=80)),
    page=st.integers(min_value=-(10**6), max_value=10**6),
)
def test_browsing_any_topic_and_page_fits_discord(kb: KnowledgeBase, topic: str | None, page: int) -> None:
    assert_fits_discord(render.faq_card(kb, topic, page))
    for topic_id in kb.topics:
        assert_fits_discord(render.faq_card(kb, topic_id, page))


def test_every_shipped_answer_and_profile_fits_discord(matcher: Matcher, kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        assert_fits_discord(render.entry_card(kb, entry, 88.0))
    for actor in kb.actors.values():
        assert_fits_discord(render.actor_card(kb, actor, 90.0))
    for card in (render.sources_card(kb), render.timeline_card(kb), render.help_card(kb)):
        assert_fits_discord(card)


# ---------------------------------------------------------------------------------------- command line


def cli_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KZBOT_"))}


ASK_FIELDS = {"question", "answered", "id", "matched_question", "answer", "score", "sources", "suggestions"}
line_text = st.one_of(hostile(), st.text(max_size=200)).map(lambda s: s.replace("\n", " ").replace("\r", " ")[:2_000])


def ask_json(batch: bytes) -> subprocess.CompletedProcess[bytes]:
    """`python -m kzbot ask --json` with `batch` on standard input; it must exit 0."""
    proc = subprocess.run(
        [sys.executable, "-m", "kzbot", "ask", "--json"],
        input=batch,
        capture_output=True,
        cwd=ROOT,
        env=cli_environment(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=st.lists(line_text, min_size=1, max_size=12))
@example(lines=["why didn't china send troops?", "", "@everyone <@&1>", "\u200b\u202e", "🇰🇿" * 300])
def test_cli_ask_json_prints_one_object_per_line(lines: list[str]) -> None:
    proc = ask_json("".join(line + "\n" for line in lines).encode("utf-8"))
    out = proc.stdout.decode("utf-8").split("\n")
    assert out[-1] == ""
    objects = [json.loads(line) for line in out[:-1]]
    assert len(objects) == len(lines)
    for line, obj in zip(lines, objects, strict=True):
        assert set(obj) == ASK_FIELDS
        assert obj["question"] == line
        assert isinstance(obj["answered"], bool)
        assert (obj["id"] is not None) == obj["answered"] == (obj["answer"] is not None)
        assert isinstance(obj["suggestions"], list)


def test_cli_ask_survives_bytes_that_are_not_utf8() -> None:
    proc = ask_json(b"why didn\xe2t china send troops?\n\xff\xfe\x00\x01\n\xc3\x28 csto\n")
    objects = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert len(objects) == 3
    assert all(set(o) == ASK_FIELDS for o in objects)
    assert "\ufffd" in objects[1]["question"]
    assert not proc.stderr, "nothing on stderr: no traceback, no warning"


@pytest.mark.parametrize("length", [0, 1, 499, 600, MAX_INPUT])
def test_long_and_empty_questions_are_declined_not_refused(matcher: Matcher, kb: KnowledgeBase, length: int) -> None:
    text = ("why didn't china send troops " * 400)[:length]
    result = matcher.ask(text)
    if length == 0:
        assert result.status == "decline" and result.reason == "empty"
    elif length < 500:
        assert result.reason != "too_long"
    else:
        assert result.status == "decline" and result.reason == "too_long"
        card = render.ask_card(kb, result)
        assert card.ephemeral and card.title == "That question is too long"
