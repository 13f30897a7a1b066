"""What a user sees: cards for answers, suggestions, declines, actors and browsing, within Discord's limits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzbot import knowledge, render
from kzbot.config import Settings
from kzbot.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    defaults = Settings()
    return Matcher(knowledge.load(defaults.knowledge_dir, defaults.seeds_dir))


def assert_within_limits(card: render.Card) -> None:
    assert 0 < len(card.title) <= 256
    assert len(card.description) <= 4096
    assert len(card.footer) <= 2048
    assert len(card.fields) <= 25
    for f in card.fields:
        assert 0 < len(f.name) <= 256
        assert 0 < len(f.value) <= 1024
    assert card.total_length <= 6000
    ids = [b.custom_id for b in card.buttons]
    assert len(ids) == len(set(ids)), "Discord refuses repeated custom ids in one message"
    assert all(0 < len(i) <= 100 for i in ids)
    assert all(0 < len(b.label) <= 80 for b in card.buttons)
    rows = card.rows()
    assert len(rows) <= 5
    assert all(len(row) <= 5 for row in rows)
    assert all(b.row is not None and 0 <= b.row <= 4 for b in card.buttons)


def every_card(m: Matcher) -> list[render.Card]:
    kb = m.kb
    cards = [render.entry_card(kb, e, 90.0) for e in kb.entries.values()]
    cards += [render.actor_card(kb, a, 90.0) for a in kb.actors.values()]
    cards += [render.faq_card(kb, t, p) for t in kb.topics for p in range(4)]
    cards += [render.faq_card(kb), render.sources_card(kb), render.timeline_card(kb), render.help_card(kb)]
    return cards


def test_every_card_from_the_shipped_knowledge_fits_discord(matcher: Matcher) -> None:
    cards = every_card(matcher)
    assert len(cards) > 100
    for card in cards:
        assert_within_limits(card)


def test_every_button_on_every_card_opens_something(matcher: Matcher) -> None:
    ids = {b.custom_id for card in every_card(matcher) for b in card.buttons}
    assert {i.split(":")[1] for i in ids} == {"ask", "actor", "faq"}
    for custom_id in ids:
        card = render.action_card(matcher, custom_id)
        assert not card.ephemeral, f"{custom_id} leads to a notice: {card.description}"


@pytest.mark.parametrize(
    ("question", "title", "source", "quote_start"),
    [
        (
            "Why didn't China send troops to Kazakhstan?",
            "Why didn't China send troops to Kazakhstan?",
            "AP",
            "“China verbally supported",
        ),
        ("why didnt china send soldiers", "Why didn't China send troops to Kazakhstan?", "AP", "“"),
        ("what is the csto", "What is the CSTO?", "The Wall Street Journal", "“"),
        (
            "did china back the csto deployment",
            "Did China support the Russian-led CSTO deployment in Kazakhstan?",
            "China supports deployment of Russian-led troops in Kazakhstan",
            "“But China is backing",
        ),
    ],
)
def test_an_answer_shows_the_question_the_answer_and_its_quoted_sources(
    matcher: Matcher, question: str, title: str, source: str, quote_start: str
) -> None:
    result = matcher.ask(question)
    card = render.ask_card(matcher.kb, result)
    assert card.title == title
    assert card.description == result.entry.answer
    sources = [f.value for f in card.fields if f.name == "Source"]
    assert any(v.startswith(source + "\n") and quote_start in v and v.endswith("”") for v in sources), sources
    assert card.footer == f"Confidence {round(result.score)} % · kzbot knowledge v{matcher.kb.version}"
    assert not card.ephemeral


def test_an_answer_offers_related_questions_and_the_people_it_names(matcher: Matcher) -> None:
    kb = matcher.kb
    entry = kb.entries["why-no-troops"]
    card = render.entry_card(kb, entry)
    related = [b for b in card.buttons if b.custom_id.startswith("kz:ask:")]
    people = [b for b in card.buttons if b.custom_id.startswith("kz:actor:")]
    assert [b.custom_id for b in related] == [f"kz:ask:{r}" for r in entry.related[:5]]
    assert related[0].label == kb.entries[entry.related[0]].question
    assert "Rana Mitter" in [b.label for b in people]
    assert people[0].row == 1, "people go on their own row below the related questions"
    assert card.footer == f"kzbot knowledge v{kb.version}", "no confidence when opened from a button"


def test_who_is_answers_with_the_actor_profile(matcher: Matcher) -> None:
    card = render.ask_card(matcher.kb, matcher.ask("who is tokaev"))
    assert card.title == "Kassym-Jomart Tokayev"
    assert ("Role", "President of Kazakhstan") in [(f.name, f.value) for f in card.fields]


# Short questions that could mean several entries; which ones the matcher finds unclear depends on tuning.
UNCLEAR = ("china russia", "protests", "what did china say", "troops", "china", "security", "russia", "xinjiang")


def test_an_unclear_question_offers_at_most_three_choices(matcher: Matcher) -> None:
    results = [r for r in map(matcher.ask, UNCLEAR) if r.status == "suggest"]
    assert results, "none of the short questions reads as unclear any more"
    for result in results:
        card = render.ask_card(matcher.kb, result)
        assert card.title == "Did you mean…"
        assert not card.ephemeral
        assert 1 <= len(card.buttons) <= 3
        assert [b.label for b in card.buttons] == [s.label for s in result.suggestions[:3]]
        assert all(b.custom_id.startswith(("kz:ask:", "kz:actor:")) for b in card.buttons)
        for button in card.buttons:
            assert f"• {button.label}" in card.description
        assert render.action_card(matcher, card.buttons[0].custom_id).title == card.buttons[0].label


@pytest.mark.parametrize(
    ("question", "title", "said"),
    [
        ("what's the weather in Paris tomorrow", "I can't answer that one", "“what's the weather in Paris"),
        ("", "Ask me something", "Ask me a question"),
        ("   ", "Ask me something", "Ask me a question"),
    ],
)
def test_a_decline_is_private_friendly_and_points_to_the_faq(
    matcher: Matcher, question: str, title: str, said: str
) -> None:
    result = matcher.ask(question)
    assert result.status == "decline"
    card = render.ask_card(matcher.kb, result)
    assert card.ephemeral
    assert card.title == title
    assert said in card.description
    assert "/faq" in card.description
    assert "Troops and intervention" in card.description, "it says what the bot does know about"
    assert [b.custom_id for b in card.buttons] == ["kz:faq::0"]


def test_a_known_gap_says_what_the_articles_do_not_cover_and_offers_what_they_do(matcher: Matcher) -> None:
    result = matcher.ask("did china send humanitarian aid to kazakhstan")
    card = render.ask_card(matcher.kb, result)
    assert card.ephemeral and card.title == "The articles don't say"
    assert "did china send humanitarian aid to kazakhstan" in card.description
    assert "do not mention any humanitarian aid" in card.description
    assert [b.custom_id for b in card.buttons] == ["kz:ask:china-verbal-support", "kz:ask:security-help-kind"]
    assert all(f"• {matcher.kb.entries[b.custom_id.split(':')[2]].question}" in card.description for b in card.buttons)


def test_an_echoed_question_cannot_ping_or_format(matcher: Matcher) -> None:
    question = "@everyone @HERE <@123> <@!45> <@&678> <#9> **bold** __u__ `code` [x](http://e.x) recipe"
    card = render.decline_card(matcher.kb, question)
    text = card.description
    for ping in ("@everyone", "@HERE", "<@123>", "<@!45>", "<@&678>", "<#9>"):
        assert ping not in text
    assert "@\u200beveryone" in text and "<\u200b@123>" in text
    assert "\\*\\*bold\\*\\*" in text and "\\_\\_u\\_\\_" in text and "\\`code\\`" in text
    assert "\\[x\\](http://e.x)" in text
    plain = render.card_to_text(card)
    assert "**bold** __u__ `code` [x](http://e.x)" in plain


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("*a* _b_ ~~c~~ |d| `e`", "\\*a\\* \\_b\\_ \\~\\~c\\~\\~ \\|d\\| \\`e\\`"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("- item", "\\- item"),
        ("1. item", "\\1. item"),
        ("back\\slash", "back\\\\slash"),
        ("plain words, 5 > 3", "plain words, 5 > 3"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert render.escape_markdown(raw) == escaped
    assert render.markdown_to_text(escaped) == raw


@pytest.mark.parametrize(
    ("name", "title", "field", "value"),
    [
        ("Tileuberdi", "Mukhtar Tileuberdi", "Role", "Foreign Minister of Kazakhstan"),
        ("tleuberdi", "Mukhtar Tileuberdi", "Also written as", "Tleuberdi"),
        ("tokaev", "Kassym-Jomart Tokayev", "Role", "President of Kazakhstan"),
        ("Victor Oban", "Viktor Orbán", "Role", ""),
    ],
)
def test_actor_profile(matcher: Matcher, name: str, title: str, field: str, value: str) -> None:
    card = render.actor_result_card(matcher.kb, matcher.actor(name))
    assert card.title == title
    assert not card.ephemeral
    fields = {f.name: f.value for f in card.fields}
    assert value in fields[field]
    actor = next(a for a in matcher.kb.actors.values() if a.name == title)
    assert card.description == actor.profile
    assert [b.custom_id for b in card.buttons] == [f"kz:ask:{e}" for e in actor.mentioned_in[:5]]
    if actor.quote is not None:
        assert fields["Key quote"].startswith("“") and "—" in fields["Key quote"]


def test_an_ambiguous_actor_name_offers_choices(matcher: Matcher) -> None:
    card = render.actor_result_card(matcher.kb, matcher.actor("wang"))
    assert card.title == "Did you mean…"
    assert {b.label for b in card.buttons} == {"Wang Yi", "Wang Wenbin"}
    assert all(b.custom_id.startswith("kz:actor:") for b in card.buttons)


def test_an_unknown_actor_is_a_private_not_found(matcher: Matcher) -> None:
    card = render.actor_result_card(matcher.kb, matcher.actor("zzz"))
    assert card.ephemeral
    assert card.title == "No one by that name"
    assert "“zzz”" in card.description and "/actor" in card.description


def test_faq_index_lists_every_topic_with_a_button(matcher: Matcher) -> None:
    kb = matcher.kb
    card = render.faq_card(kb)
    assert card.title == "FAQ topics"
    assert [b.custom_id for b in card.buttons] == [f"kz:faq:{t}:0" for t in kb.topics]
    for topic in kb.topics.values():
        assert f"**{topic.title}** — {len(topic.entries)} questions" in card.description


def test_faq_pages_walk_through_a_topic(matcher: Matcher) -> None:
    kb = matcher.kb
    topic = kb.topics["troops"]
    pages = -(-len(topic.entries) // render.FAQ_PAGE_SIZE)
    assert pages >= 2
    seen: list[str] = []
    for page in range(pages):
        card = render.faq_card(kb, "troops", page)
        assert card.title == "FAQ · Troops and intervention"
        assert card.footer.startswith(f"Page {page + 1} of {pages} · {len(topic.entries)} questions")
        labels = [b.label for b in card.buttons]
        assert ("◀ Previous" in labels) == (page > 0)
        assert ("Next ▶" in labels) == (page < pages - 1)
        assert "All topics" in labels
        nav = [b for b in card.buttons if not b.custom_id.startswith("kz:ask:")]
        assert all(b.row == 1 for b in nav), "paging buttons sit on their own row"
        seen += [b.custom_id.removeprefix("kz:ask:") for b in card.buttons if b.custom_id.startswith("kz:ask:")]
        if page < pages - 1:
            next_id = next(b.custom_id for b in card.buttons if b.label == "Next ▶")
            assert render.action_card(matcher, next_id) == render.faq_card(kb, "troops", page + 1)
    assert seen == list(topic.entries), "every question of the topic appears once, in file order"


def test_faq_page_out_of_range_shows_the_last_page(matcher: Matcher) -> None:
    last = render.faq_card(matcher.kb, "troops", 999)
    assert "Next ▶" not in [b.label for b in last.buttons]
    assert render.faq_card(matcher.kb, "troops", -3) == render.faq_card(matcher.kb, "troops", 0)


def test_faq_unknown_topic_is_private_and_lists_the_real_ones(matcher: Matcher) -> None:
    card = render.faq_card(matcher.kb, "@everyone cooking")
    assert card.ephemeral
    assert card.title == "No such topic"
    assert "@everyone" not in card.description
    assert len(card.buttons) == len(matcher.kb.topics)


def test_sources_list_names_each_article_and_its_seed(matcher: Matcher) -> None:
    kb = matcher.kb
    card = render.sources_card(kb)
    assert [f.name for f in card.fields] == [s.label for s in kb.sources.values()]
    wsj = next(f.value for f in card.fields if f.name == "The Wall Street Journal")
    assert "*Kazakhstan crisis shows Russia still trumps Chinese power in Central Asia*" in wsj
    assert "`seeds/003_d0383da0fdf67dc1.txt`" in wsj


def test_an_untitled_article_is_cited_by_its_opening_words_never_a_made_up_title(matcher: Matcher) -> None:
    kb = matcher.kb
    label = "Untitled article beginning “China seems to be perfectly accommodating…”"
    listed = next(f for f in render.sources_card(kb).fields if f.name == label)
    assert "`seeds/004_0c8c13cbe68ee4ba.txt`" in listed.value
    assert "None" not in listed.value
    answer = render.entry_card(kb, kb.entries["xi-call-january-10"], 90.0)
    cited = [f.value.splitlines()[0] for f in answer.fields if f.name == "Source"]
    assert cited and set(cited) == {label}


def test_timeline_is_in_date_order_with_sources(matcher: Matcher) -> None:
    kb = matcher.kb
    card = render.timeline_card(kb)
    lines = card.description.splitlines()
    assert len(lines) == len(kb.events)
    dates = [line.split("**")[1] for line in lines]
    assert dates == sorted(dates)
    assert any(line.startswith("**2022-01-02** — ") for line in lines)


def test_help_names_every_command(matcher: Matcher) -> None:
    names = [f.name for f in render.help_card(matcher.kb).fields]
    for command in ("/ask", "/actor", "/faq", "/sources", "/timeline", "Ask kzbot", "@kzbot"):
        assert any(n.startswith(command) for n in names), command


def test_help_says_in_one_line_that_questions_are_kept_only_when_they_are(matcher: Matcher) -> None:
    recording = render.help_card(matcher.kb, recording=True)
    assert recording.description.splitlines()[-1] == render.RECORDING_NOTE
    assert "👍 / 👎 under an answer" in [f.name for f in recording.fields]
    quiet = render.help_card(matcher.kb)
    assert "kept" not in quiet.description and "👍 / 👎 under an answer" not in [f.name for f in quiet.fields]


@pytest.mark.parametrize(
    "custom_id", ["kz:ask:no-such-entry", "kz:actor:nobody", "kz:nonsense", "kz:faq:troops:x", "other"]
)
def test_a_stale_button_gets_a_private_notice(matcher: Matcher, custom_id: str) -> None:
    card = render.action_card(matcher, custom_id)
    assert card.ephemeral
    assert "/faq" in card.description or "/actor" in card.description


def test_cooldown_and_too_long_messages() -> None:
    assert "Try again in 3 s." in render.cooldown_card(2.2).description
    assert "Try again in 1 s." in render.cooldown_card(0.01).description
    card = render.too_long_card(412, 300)
    assert card.ephemeral and "412 characters" in card.description and "at most 300" in card.description


def test_a_failed_reload_lists_its_problems_within_limits() -> None:
    problems = [f"knowledge/faq-x.yaml:{i}, entry 'e{i}', field 'answer': too long" for i in range(500)]
    card = render.reload_card(None, problems, "abc123abc123")
    assert card.ephemeral and card.title == "Reload failed"
    assert "500 problem(s); still serving vabc123abc123" in card.description
    assert card.description.endswith("…")
    assert_within_limits(card)
    assert render.reload_card("83 entries").title == "Knowledge reloaded"


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=400),
    description=st.text(max_size=7000),
    fields=st.lists(st.tuples(st.text(max_size=300), st.text(max_size=1500)), max_size=40),
    footer=st.text(max_size=2500),
    buttons=st.lists(st.tuples(st.text(max_size=120), st.text(min_size=1, max_size=120)), max_size=40),
)
def test_any_card_is_cut_to_discords_limits(
    title: str,
    description: str,
    fields: list[tuple[str, str]],
    footer: str,
    buttons: list[tuple[str, str]],
) -> None:
    card = render.Card(
        title=title or "t",
        description=description,
        fields=tuple(render.Field(n, v) for n, v in fields),
        footer=footer,
        buttons=tuple(render.Button(label, custom_id) for label, custom_id in buttons),
    )
    if card.title:
        assert_within_limits(card)


def test_clip_marks_the_cut() -> None:
    assert render.clip("a" * 10, 10) == "a" * 10
    assert render.clip("a" * 11, 10) == "a" * 9 + "…"


@pytest.mark.parametrize(
    ("content", "question"),
    [
        ("<@42> why didn't china send troops?", "why didn't china send troops?"),
        ("<@!42>, who is tokaev", "who is tokaev"),
        ("what about <@42> the csto", "what about   the csto"),
        ("<@43> hello", "<@43> hello"),
    ],
)
def test_strip_mention(content: str, question: str) -> None:
    assert render.strip_mention(content, 42) == question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("why didn't china send troops", True),
        ("China and the CSTO?", True),
        ("Who is Tokayev", True),
        ("lol", False),
        ("?", False),
        ("I think China stayed out of it.", False),
        ("good morning everyone", False),
    ],
)
def test_reads_as_question(text: str, expected: bool) -> None:
    assert render.reads_as_question(text) is expected


def test_card_to_text_numbers_the_buttons(matcher: Matcher) -> None:
    card = render.entry_card(matcher.kb, matcher.kb.entries["why-no-troops"])
    text = render.card_to_text(card)
    assert text.startswith("Why didn't China send troops to Kazakhstan?\n─")
    assert f"\n[1] {card.buttons[0].label}\n[2] {card.buttons[1].label}" in text
    assert "**" not in text and "\\" not in text


def test_the_core_never_imports_discord() -> None:
    code = "import sys, kzbot.render, kzbot.console, kzbot.matcher; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- feedback buttons, when questions are recorded -----------------------------------------------------

REF = "0123456789ab"


@pytest.mark.parametrize(
    "action",
    [
        render.Action("ask", "why-no-troops"),
        render.Action("ask", "why-no-troops", REF),
        render.Action("actor", "tokayev", REF),
        render.Action("faq", "troops", page=2),
        render.Action("faq", "", page=0),
        render.Action("vote", "why-no-troops", REF, up=True),
        render.Action("vote", "actor:tokayev", REF, up=False),
        render.Action("none", ref=REF),
    ],
)
def test_a_button_id_reads_back_as_the_action_it_was_built_from(action: render.Action) -> None:
    assert render.Action.parse(action.custom_id) == action
    assert len(action.custom_id) <= render.CUSTOM_ID_MAX


@pytest.mark.parametrize(
    "custom_id", ["kz:vote:up:why-no-troops", "kz:none:xyz", "kz:ask:Bad Id", "kz:vote:sideways:a:0123456789ab"]
)
def test_a_malformed_button_id_reads_as_nothing(custom_id: str) -> None:
    assert render.Action.parse(custom_id) is None


def test_a_recorded_answer_gets_thumbs_on_a_row_of_their_own_and_its_buttons_carry_the_reference(
    matcher: Matcher,
) -> None:
    result = matcher.ask("why didnt china send soldiers")
    card = render.ask_card(matcher.kb, result, ref=REF)
    assert_within_limits(card)
    thumbs = [b for b in card.buttons if b.label in ("👍", "👎")]
    assert [b.custom_id for b in thumbs] == [f"kz:vote:up:{result.id}:{REF}", f"kz:vote:down:{result.id}:{REF}"]
    assert thumbs[0].row == thumbs[1].row == max(b.row or 0 for b in card.buttons) > 0
    related = [b for b in card.buttons if b.custom_id.startswith("kz:ask:")]
    assert related and all(b.custom_id.endswith(f":{REF}") for b in related)
    plain = render.ask_card(matcher.kb, result)
    assert not [b for b in plain.buttons if b.label in ("👍", "👎")], "nothing recorded, no feedback asked"


def test_a_recorded_did_you_mean_offers_none_of_these(matcher: Matcher) -> None:
    result = next(r for r in map(matcher.ask, UNCLEAR) if r.status == "suggest")
    card = render.ask_card(matcher.kb, result, ref=REF)
    assert_within_limits(card)
    assert card.buttons[-1].label == "None of these" and card.buttons[-1].custom_id == f"kz:none:{REF}"
    assert all(b.custom_id.endswith(f":{REF}") for b in card.buttons)
    dismissed = render.dismissed_card()
    assert dismissed.ephemeral and "curators will see it" in dismissed.description


def test_a_thumbs_down_offers_the_runner_up_entries_privately(matcher: Matcher) -> None:
    down = render.Action("vote", "why-no-troops", REF, up=False)
    card = render.vote_card(matcher, down, "why didnt china send soldiers")
    assert card.ephemeral
    ids = [render.Action.parse(b.custom_id) for b in card.buttons]
    assert 1 <= len(ids) <= 3
    assert all(a is not None and a.kind == "ask" and a.ref == REF and a.target != "why-no-troops" for a in ids)
    up = render.vote_card(matcher, render.Action("vote", "why-no-troops", REF, up=True), None)
    assert up.ephemeral and not up.buttons


def test_an_answer_opened_by_a_pick_carries_the_question_reference(matcher: Matcher) -> None:
    card = render.action_card(matcher, f"kz:ask:why-no-troops:{REF}", ref="ffffffffffff")
    assert f"kz:vote:down:why-no-troops:{REF}" in [b.custom_id for b in card.buttons]
    assert render.action_card(matcher, f"kz:vote:up:why-no-troops:{REF}").ephemeral, "votes are answered elsewhere"


def test_stats_show_the_headline_and_the_top_unanswered_privately() -> None:
    from kzbot.review import Review, Unanswered

    report = Review(
        questions=12,
        outcomes={"answered": 7, "suggested": 2, "declined": 2, "gap": 1},
        unanswered=tuple(
            Unanswered(f"question **{n}** @everyone", 20 - n, "declined", "2026-01-01T00:00:00Z") for n in range(15)
        ),
    )
    card = render.stats_card(report)
    assert_within_limits(card)
    assert card.ephemeral
    assert card.description.startswith("12 questions: answered 7, suggested 2, declined 2, gap 1")
    lines = card.fields[0].value.splitlines()
    assert len(lines) == 10 and lines[0] == "20× question \\*\\*0\\*\\* @\u200beveryone (declined)"
    assert render.stats_card(None).title == "No question log"


# --- the compact public answer ------------------------------------------------------------------------


def test_a_compact_answer_keeps_one_line_per_article_within_about_a_thousand_characters(matcher: Matcher) -> None:
    kb = matcher.kb
    for entry in kb.entries.values():
        card = render.entry_card(kb, entry, 80.0, ref=REF, compact=True)
        assert_within_limits(card)
        assert [b.label for b in card.buttons][-2:] == ["👍", "👎"], f"{entry.id}: a button id too long was dropped"
        assert card.total_length <= render.COMPACT_TEXT_MAX, entry.id
        assert card.description == entry.answer
        cited = list(dict.fromkeys(q.source for q in entry.sources))
        sources = [f.value for f in card.fields]
        assert [f.name for f in card.fields] == ["Source"] * len(cited), entry.id
        for source_id, value in zip(cited, sources, strict=True):
            label, quote = value.split("\n", 1)
            assert label == kb.sources[source_id].label
            best = next(q.quote for q in entry.sources if q.source == source_id)
            assert quote.startswith("“") and quote.endswith("”")
            assert best.startswith(quote[1:-1].removesuffix("…")), f"{entry.id}: a quote is cut, never changed"
        full = render.entry_card(kb, entry)
        more = [b for b in card.buttons if b.label == "More"]
        assert bool(more) == (full.total_length - len(full.footer) > card.total_length - len(card.footer)), entry.id


def test_every_actor_profile_asked_for_gets_thumbs(matcher: Matcher) -> None:
    for actor in matcher.kb.actors.values():
        card = render.actor_card(matcher.kb, actor, 90.0, ref=REF)
        assert_within_limits(card)
        assert [b.custom_id for b in card.buttons][-2:] == [
            f"kz:vote:up:actor:{actor.id}:{REF}",
            f"kz:vote:down:actor:{actor.id}:{REF}",
        ]


def test_more_shows_the_details_and_every_quote_privately(matcher: Matcher) -> None:
    kb = matcher.kb
    entry = next(e for e in kb.entries.values() if e.details and len(e.sources) > 1)
    card = render.entry_card(kb, entry, ref=REF, compact=True)
    more = next(b for b in card.buttons if b.label == "More")
    assert more.custom_id == f"kz:more:{entry.id}"
    shown = render.action_card(matcher, more.custom_id)
    assert shown.ephemeral and shown.title == entry.question
    assert ("In more detail", entry.details) in [(f.name, f.value) for f in shown.fields]
    assert len([f for f in shown.fields if f.name == "Source"]) == len(entry.sources)
    assert not render.entry_card(kb, entry).ephemeral, "the console and command line show the full card as before"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | st.from_regex(r"kz:(ask|actor|more|vote|none|faq):[a-z0-9:-]{0,60}", fullmatch=True))
def test_any_custom_id_reads_as_nothing_or_as_an_action_that_builds_it_back(custom_id: str) -> None:
    action = render.Action.parse(custom_id)
    if action is not None:
        assert action.custom_id == custom_id


def test_an_answer_offers_the_entries_it_may_also_have_meant_first(kb: knowledge.KnowledgeBase) -> None:
    from kzbot.matcher import AskResult, Suggestion

    also = (Suggestion("sco-no-troops", kb.entries["sco-no-troops"].question, 30.0),)
    result = AskResult("why no troops", "answer", 80.0, entry=kb.entries["why-no-troops"], also=also)
    card = render.ask_card(kb, result)
    assert card.buttons[0].label == f"Also: {kb.entries['sco-no-troops'].question}"
    assert card.buttons[0].custom_id == "kz:ask:sco-no-troops"
    plain = render.ask_card(kb, AskResult("why no troops", "answer", 80.0, entry=kb.entries["why-no-troops"]))
    assert not any(b.label.startswith("Also:") for b in plain.buttons)


def test_a_missing_figure_says_the_articles_give_none_and_offers_the_nearest_entry(matcher: Matcher) -> None:
    result = matcher.ask("how many years did tokayev spend in beijing")
    card = render.ask_card(matcher.kb, result)
    assert card.title == "The articles don't say"
    assert "the articles don't give a figure for that" in card.description
    assert card.buttons[0].custom_id == "kz:ask:tokayev-china-ties"


def test_a_missing_reply_says_the_articles_do_not_give_it(matcher: Matcher) -> None:
    card = render.ask_card(matcher.kb, matcher.ask("what did tokayev reply to xi on the phone"))
    assert card.title == "The articles don't say"
    assert "the articles don't give that reply" in card.description
    assert card.buttons[0].custom_id == "kz:ask:xi-call-january-10"
