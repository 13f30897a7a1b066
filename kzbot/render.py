"""Turn matcher results and knowledge into Cards: what a user sees, already cut to Discord's limits.

A Card is plain data. kzbot/bot/ turns it into an embed with buttons; the console prints it with
`card_to_text`. Buttons carry custom ids, built and read by `Action` ("kz:ask:<entry>", "kz:actor:<actor>",
"kz:faq:<topic>:<page>" and, when questions are recorded, the question's reference: "kz:ask:<entry>:<ref>",
"kz:vote:up:<entry>:<ref>", "kz:none:<ref>"), that `action_card` turns back into a Card, so a button works the same
after a restart and in the console.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from kzbot.knowledge import Actor, Entry, KnowledgeBase
    from kzbot.matcher import ActorResult, AskResult, Matcher, Suggestion
    from kzbot.review import Review

# Discord's limits for one embed and its message components.
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
BUTTONS_PER_ROW = 5
ROWS_MAX = 5

FAQ_PAGE_SIZE = 5
SUGGESTIONS_MAX = 3
RELATED_MAX = 5
ACTOR_BUTTONS_MAX = 5
RUNNER_UPS_MAX = 3
# A public answer is read in a busy channel: at most about this many characters of embed text, with the rest
# (details, the other quotes) behind a "More" button.
COMPACT_TEXT_MAX = 1000
# A compact card never cuts a quote shorter than this, even if that runs a little over COMPACT_TEXT_MAX.
COMPACT_QUOTE_MIN = 80

SUBJECT = "China's response to the January 2022 unrest in Kazakhstan"


class Colour:
    """Embed colours, one per kind of card."""

    ANSWER = 0x2B6CB0
    ACTOR = 0x6B46C1
    BROWSE = 0x2F855A
    SUGGEST = 0xD69E2E
    DECLINE = 0x718096
    ERROR = 0xC53030


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Button:
    """A button; `row` (0–4) is assigned when the Card is built unless given."""

    label: str
    custom_id: str
    style: str = "secondary"  # primary | secondary | success | danger
    row: int | None = None


@dataclass(frozen=True)
class Card:
    """One reply. Building it enforces every Discord limit, so no Card can be refused for its size."""

    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    footer: str = ""
    colour: int = Colour.ANSWER
    buttons: tuple[Button, ...] = ()
    url: str | None = None
    ephemeral: bool = False

    def __post_init__(self) -> None:
        title = clip(self.title, TITLE_MAX)
        description = clip(self.description, DESCRIPTION_MAX)
        footer = clip(self.footer, FOOTER_MAX)
        fields = [
            Field(clip(f.name, FIELD_NAME_MAX) or "\u200b", clip(f.value, FIELD_VALUE_MAX) or "\u200b", f.inline)
            for f in self.fields[:FIELDS_MAX]
        ]
        fixed = len(title) + len(footer) + sum(len(f.name) + len(f.value) for f in fields)
        while fields and fixed > EMBED_TOTAL_MAX:
            last = fields.pop()
            fixed -= len(last.name) + len(last.value)
        description = clip(description, max(0, EMBED_TOTAL_MAX - fixed))
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "footer", footer)
        object.__setattr__(self, "fields", tuple(fields))
        object.__setattr__(self, "buttons", _lay_out(self.buttons))

    @property
    def total_length(self) -> int:
        """The characters Discord counts against its 6000-per-embed limit."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )

    def rows(self) -> tuple[tuple[Button, ...], ...]:
        """Buttons grouped by row, in order."""
        grouped: dict[int, list[Button]] = {}
        for button in self.buttons:
            grouped.setdefault(button.row or 0, []).append(button)
        return tuple(tuple(grouped[r]) for r in sorted(grouped))


def _lay_out(buttons: Iterable[Button]) -> tuple[Button, ...]:
    """Give every button a row: in order, at most five a row and five rows; honour a requested later row.

    Buttons whose custom id is too long or repeats an earlier one are dropped: Discord refuses both.
    """
    out: list[Button] = []
    seen: set[str] = set()
    row, used = 0, 0
    for button in buttons:
        if len(button.custom_id) > CUSTOM_ID_MAX or button.custom_id in seen or not button.custom_id:
            continue
        if button.row is not None and button.row > row:
            row, used = button.row, 0
        if used == BUTTONS_PER_ROW:
            row, used = row + 1, 0
        if row >= ROWS_MAX:
            break
        seen.add(button.custom_id)
        out.append(Button(clip(button.label, BUTTON_LABEL_MAX) or "…", button.custom_id, button.style, row))
        used += 1
    return tuple(out)


# --- text helpers ---------------------------------------------------------------------------------------

_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")
_LINE_START = re.compile(r"(?m)^(\s*)([#>\-+]|\d+\.)")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in "…" when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    return text[: limit - 1].rstrip() + "…"


def escape_markdown(text: str) -> str:
    """Make user text render literally: no bold, links, code, quotes, headings or lists."""
    text = _MARKDOWN.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def neutralise_mentions(text: str) -> str:
    """Break @everyone, @here and <@id>/<@&id>/<#id> with a zero-width space so they cannot ping anyone."""
    text = _MASS_MENTION.sub(lambda m: "@\u200b" + m.group(1), text)
    return _MENTION.sub(lambda m: "<\u200b" + m.group(1) + m.group(2) + ">", text)


def user_text(text: str, limit: int = 200) -> str:
    """User-supplied text made safe to echo: one line, clipped, markdown escaped, mentions neutralised."""
    one_line = " ".join(text.split())
    return escape_markdown(neutralise_mentions(clip(one_line, limit)))


def quoted(text: str) -> str:
    return f"“{text}”"


def strip_mention(content: str, user_id: int) -> str:
    """The message text without mentions of the bot (`<@id>` or `<@!id>`), trimmed."""
    return re.sub(rf"<@!?{user_id}>", " ", content).strip(" \t\n,:;")


_QUESTION_OPENERS = frozenset(
    {
        "who",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "whose",
        "whom",
        "is",
        "are",
        "was",
        "were",
        "did",
        "does",
        "do",
        "can",
        "could",
        "should",
        "would",
        "will",
        "has",
        "have",
        "had",
    }
)


def reads_as_question(text: str) -> bool:
    """True for a message worth auto-answering: ends with "?" or opens with a question word, and is short.

    Channel auto-answer must stay quiet in ordinary conversation, so this errs on the side of no.
    """
    words = text.strip().split()
    if not 2 <= len(words) <= 60:
        return False
    return text.strip().endswith("?") or words[0].lower().strip(",.:;!") in _QUESTION_OPENERS


def _confidence(score: float | None, kb: KnowledgeBase) -> str:
    version = f"kzbot knowledge v{kb.version}"
    if score is None:
        return version
    return f"Confidence {round(score)} % · {version}"


def _ask_button(entry: Entry, ref: str | None = None) -> Button:
    return Button(entry.question, Action("ask", entry.id, ref).custom_id, "primary")


def _suggestion_button(suggestion: Suggestion, style: str = "primary", ref: str | None = None) -> Button:
    if suggestion.id.startswith("actor:"):
        return Button(suggestion.label, Action("actor", suggestion.id.removeprefix("actor:"), ref).custom_id, style)
    return Button(suggestion.label, Action("ask", suggestion.id, ref).custom_id, style)


def _vote_buttons(answer_id: str, ref: str | None, row: int | None = None) -> tuple[Button, ...]:
    """👍 and 👎 under an answer, when questions are recorded (`ref` is the question's reference)."""
    if ref is None:
        return ()
    return (
        Button("👍", Action("vote", answer_id, ref, up=True).custom_id, "secondary", row=row),
        Button("👎", Action("vote", answer_id, ref, up=False).custom_id, "secondary"),
    )


def _topic_names(kb: KnowledgeBase) -> str:
    return "; ".join(t.title for t in kb.topics.values())


# --- answers --------------------------------------------------------------------------------------------


def entry_card(
    kb: KnowledgeBase,
    entry: Entry,
    score: float | None = None,
    *,
    also: Sequence[Suggestion] = (),
    ref: str | None = None,
    compact: bool = False,
    ephemeral: bool = False,
) -> Card:
    """An FAQ entry: question as title, the short answer, each source with its quote, related buttons; entries
    the question may also have meant come first, as "Also: …".

    With `ref` (questions are recorded), related questions carry it, so a press counts as a pick, and 👍/👎 follow.
    `compact` (public answers in Discord): one line per cited article with its best quote, about
    COMPACT_TEXT_MAX characters in all, and a "More" button for the details and the other quotes.
    """
    footer = _confidence(score, kb)
    fields, more = _compact_sources(kb, entry, footer) if compact else (_all_sources(kb, entry), False)
    offered = [s for s in also if s.id in kb.entries and s.id != entry.id]
    related = [Button(f"Also: {s.label}", Action("ask", s.id, ref).custom_id, "secondary") for s in offered]
    shown = {s.id for s in offered}
    related += [_ask_button(kb.entries[r], ref) for r in entry.related if r in kb.entries and r not in shown]
    related = related[:RELATED_MAX]
    actors = [kb.actors[a] for a in entry.actors[:ACTOR_BUTTONS_MAX] if a in kb.actors]
    actor_row = 1 if related else None
    people = [
        Button(actor.name, f"kz:actor:{actor.id}", "secondary", row=actor_row if i == 0 else None)
        for i, actor in enumerate(actors)
    ]
    last_row = [Button("More", Action("more", entry.id).custom_id, "secondary")] if more else []
    last_row += _vote_buttons(entry.id, ref)
    if last_row:
        last_row[0] = replace(last_row[0], row=bool(related) + bool(people))
    return Card(
        title=entry.question,
        description=entry.answer,
        fields=tuple(fields),
        footer=footer,
        colour=Colour.ANSWER,
        buttons=(*related, *people, *last_row),
        ephemeral=ephemeral,
    )


def _source_label(kb: KnowledgeBase, source_id: str) -> str:
    source = kb.sources.get(source_id)
    return source.label if source is not None else source_id


def _all_sources(kb: KnowledgeBase, entry: Entry) -> list[Field]:
    fields = [Field("Source", f"{_source_label(kb, q.source)}\n{quoted(q.quote)}") for q in entry.sources]
    if entry.details:
        fields.insert(0, Field("In more detail", entry.details))
    return fields


def _compact_sources(kb: KnowledgeBase, entry: Entry, footer: str) -> tuple[list[Field], bool]:
    """One field per cited article, with its first (best) quote, cut to share what COMPACT_TEXT_MAX leaves.

    Returns the fields and whether anything was left out (details, another quote, the end of a quote).
    """
    best: dict[str, str] = {}
    for quote in entry.sources:
        best.setdefault(quote.source, quote.quote)
    used = len(entry.question) + len(entry.answer) + len(footer)
    labels = {source: _source_label(kb, source) for source in best}
    room = COMPACT_TEXT_MAX - used - sum(len("Source") + len(label) + 3 for label in labels.values())
    share = max(COMPACT_QUOTE_MIN, room // max(1, len(best)))
    fields = [Field("Source", f"{labels[source]}\n{quoted(clip(text, share - 2))}") for source, text in best.items()]
    left_out = bool(entry.details) or len(best) < len(entry.sources) or any(len(t) > share - 2 for t in best.values())
    return fields, left_out


def ask_card(kb: KnowledgeBase, result: AskResult, *, ref: str | None = None, compact: bool = False) -> Card:
    """The reply to a question, whatever the matcher made of it. `ref`: the question's reference in the log;
    `compact`: a short answer card, as Discord shows it (see `entry_card`)."""
    if result.status == "answer":
        if result.actor is not None and result.entry is None:
            return actor_card(kb, result.actor, result.score, ref=ref)
        if result.entry is not None:
            return entry_card(kb, result.entry, result.score, also=result.also, ref=ref, compact=compact)
    if result.status == "suggest" and result.suggestions:
        return suggest_card(kb, result.question, result.suggestions, ref=ref)
    if result.gap is not None:
        return gap_card(kb, result.question, result.gap.note, result.suggestions, ref=ref)
    if result.reason == "missing_detail":
        return gap_card(kb, result.question, detail_note(result.detail), result.suggestions, ref=ref)
    return decline_card(kb, result.question, result.reason)


def suggest_card(
    kb: KnowledgeBase, question: str, suggestions: Sequence[Suggestion], *, ref: str | None = None
) -> Card:
    """ "Did you mean…" with up to three buttons, and "None of these" when questions are recorded."""
    picks = tuple(suggestions[:SUGGESTIONS_MAX])
    lines = "\n".join(f"• {s.label}" for s in picks)
    buttons = tuple(_suggestion_button(s, ref=ref) for s in picks)
    if ref is not None:
        buttons += (Button("None of these", Action("none", ref=ref).custom_id, "secondary", row=1),)
    return Card(
        title="Did you mean…",
        description=f"I'm not sure what {quoted(user_text(question))} asks. Pick one:\n{lines}",
        footer=f"kzbot knowledge v{kb.version}",
        colour=Colour.SUGGEST,
        buttons=buttons,
    )


def decline_card(kb: KnowledgeBase, question: str = "", reason: str | None = "off_topic") -> Card:
    """A friendly "I can't answer that" that says what the bot does know about. Always ephemeral."""
    knows = f"I answer questions about {SUBJECT}, from five news articles: {_topic_names(kb)}."
    if reason == "empty" or not question.strip():
        head = "Ask me a question, for example “Why didn't China send troops to Kazakhstan?”"
        title = "Ask me something"
    elif reason == "too_long":
        head = "That question is too long for me. Please ask it in a sentence or two."
        title = "That question is too long"
    else:
        head = f"I don't have an answer to {quoted(user_text(question))}."
        title = "I can't answer that one"
    return Card(
        title=title,
        description=f"{head}\n\n{knows}\n\nBrowse everything I know with /faq, or see /help.",
        colour=Colour.DECLINE,
        buttons=(Button("Browse the FAQ", "kz:faq::0", "secondary"),),
        ephemeral=True,
    )


def gap_card(
    kb: KnowledgeBase, question: str, note: str, related: Sequence[Suggestion] = (), *, ref: str | None = None
) -> Card:
    """A question the articles are known not to answer: say so plainly, and offer the nearby questions they do."""
    picks = tuple(related[:SUGGESTIONS_MAX])
    nearby = "\n\nClose to it, the articles do answer:\n" + "\n".join(f"• {s.label}" for s in picks) if picks else ""
    return Card(
        title="The articles don't say",
        description=f"{quoted(user_text(question))}: {note}{nearby}",
        footer=f"kzbot knowledge v{kb.version}",
        colour=Colour.DECLINE,
        buttons=tuple(_suggestion_button(s, "secondary", ref) for s in picks)
        or (Button("Browse the FAQ", "kz:faq::0", "secondary"),),
        ephemeral=True,
    )


def detail_note(kind: str | None) -> str:
    """What the articles do not give, for a question that asks for a detail its nearest entry lacks."""
    if kind == "reply":
        return "the articles don't give that reply."
    what = {"number": "a figure", "date": "a date"}.get(kind or "", "that detail")
    return f"the articles don't give {what} for that."


def too_long_card(length: int, limit: int) -> Card:
    return Card(
        title="That question is too long",
        description=f"Your question has {length} characters; I take at most {limit}. Please shorten it.",
        colour=Colour.DECLINE,
        ephemeral=True,
    )


# --- actors ---------------------------------------------------------------------------------------------


def actor_card(kb: KnowledgeBase, actor: Actor, score: float | None = None, *, ref: str | None = None) -> Card:
    """A person or organisation: role, affiliation, stance or key quote, and the questions that name them."""
    fields = [Field("Role", actor.role, inline=True)]
    if actor.affiliation:
        fields.append(Field("Affiliation", actor.affiliation, inline=True))
    if actor.stance:
        fields.append(Field("Stance", actor.stance))
    if actor.quote is not None:
        source = kb.sources.get(actor.quote.source)
        label = source.label if source is not None else actor.quote.source
        fields.append(Field("Key quote", f"{quoted(actor.quote.quote)}\n— {label}"))
    if actor.aliases:
        fields.append(Field("Also written as", ", ".join(actor.aliases)))
    named_in = [kb.sources[s].label for s in actor.sources if s in kb.sources]
    if named_in:
        fields.append(Field("Named in", "; ".join(named_in)))
    buttons = tuple(_ask_button(kb.entries[e], ref) for e in actor.mentioned_in[:RELATED_MAX] if e in kb.entries)
    buttons += _vote_buttons(f"actor:{actor.id}", ref, row=1 if buttons else 0)
    return Card(
        title=actor.name,
        description=actor.profile,
        fields=tuple(fields),
        footer=_confidence(score, kb),
        colour=Colour.ACTOR,
        buttons=buttons,
    )


def actor_result_card(kb: KnowledgeBase, result: ActorResult) -> Card:
    """The reply to /actor: the profile, a "did you mean", or a not-found with suggestions."""
    if result.status == "found" and result.actor is not None:
        return actor_card(kb, result.actor, result.score)
    picks = tuple(result.suggestions[:SUGGESTIONS_MAX])
    buttons = tuple(_suggestion_button(s) for s in picks)
    names = "\n".join(f"• {s.label}" for s in picks)
    if result.status == "suggest" and picks:
        return Card(
            title="Did you mean…",
            description=f"I'm not sure who {quoted(user_text(result.query))} is. Pick one:\n{names}",
            colour=Colour.SUGGEST,
            buttons=buttons,
        )
    body = f"I don't know anyone called {quoted(user_text(result.query))} in these articles."
    if picks:
        body += f"\n\nClosest names I know:\n{names}"
    body += "\n\nStart typing in /actor to pick from the names I know."
    return Card(title="No one by that name", description=body, colour=Colour.DECLINE, buttons=buttons, ephemeral=True)


# --- browsing -------------------------------------------------------------------------------------------


def faq_card(kb: KnowledgeBase, topic_id: str | None = None, page: int = 0) -> Card:
    """The topic index (no topic) or one page of a topic's questions, with paging buttons."""
    if not topic_id:
        return _faq_index(kb)
    topic = kb.topics.get(topic_id)
    if topic is None:
        index = _faq_index(kb)
        return replace(
            index,
            title="No such topic",
            description=f"There is no topic {quoted(user_text(topic_id, 60))}.\n\n{index.description}",
            ephemeral=True,
        )
    entries = [kb.entries[e] for e in topic.entries if e in kb.entries]
    pages = max(1, math.ceil(len(entries) / FAQ_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = entries[page * FAQ_PAGE_SIZE : (page + 1) * FAQ_PAGE_SIZE]
    start = page * FAQ_PAGE_SIZE
    lines = "\n".join(f"{start + i}. {e.question}" for i, e in enumerate(shown, start=1))
    buttons = [Button(f"{start + i}. {e.question}", f"kz:ask:{e.id}", "primary") for i, e in enumerate(shown, 1)]
    nav: list[Button] = []
    if page > 0:
        nav.append(Button("◀ Previous", f"kz:faq:{topic.id}:{page - 1}"))
    nav.append(Button("All topics", "kz:faq::0"))
    if page < pages - 1:
        nav.append(Button("Next ▶", f"kz:faq:{topic.id}:{page + 1}"))
    nav[0] = replace(nav[0], row=1)
    return Card(
        title=f"FAQ · {topic.title}",
        description=f"{lines}\n\nPress a question to see its answer.",
        footer=f"Page {page + 1} of {pages} · {len(entries)} questions · kzbot knowledge v{kb.version}",
        colour=Colour.BROWSE,
        buttons=(*buttons, *nav),
    )


def _faq_index(kb: KnowledgeBase) -> Card:
    lines = "\n".join(f"• **{t.title}** — {len(t.entries)} questions" for t in kb.topics.values())
    return Card(
        title="FAQ topics",
        description=f"What I can answer about {SUBJECT}:\n{lines}\n\nPick a topic, or just ask with /ask.",
        footer=kb.summary(),
        colour=Colour.BROWSE,
        buttons=tuple(Button(t.title, f"kz:faq:{t.id}:0") for t in kb.topics.values()),
    )


def sources_card(kb: KnowledgeBase) -> Card:
    """The articles behind every answer."""
    fields = []
    for source in kb.sources.values():
        parts = []
        if source.outlet and source.headline:
            parts.append(f"*{source.headline}*")
        parts.append(source.summary)
        covers = source.covers_from + (f" to {source.covers_to}" if source.covers_to else " onwards")
        note = " · machine-translated text" if source.translated else ""
        parts.append(f"Covers {covers}{note} · `{source.seed_path}`")
        fields.append(Field(source.label, "\n".join(parts)))
    return Card(
        title="Sources",
        description=(
            f"Every answer comes from these {len(kb.sources)} articles and quotes them word for word. "
            "Names are spelt correctly in answers; quotes keep the articles' own spelling."
        ),
        fields=tuple(fields),
        footer=f"kzbot knowledge v{kb.version}",
        colour=Colour.BROWSE,
    )


def timeline_card(kb: KnowledgeBase) -> Card:
    """Dated events, oldest first, as the articles date them."""
    lines: list[str] = []
    used = 0
    for event in sorted(kb.events, key=lambda e: e.date):
        labels = sorted({kb.sources[q.source].label for q in event.sources if q.source in kb.sources})
        line = f"**{event.date}** — {event.event}" + (f" ({'; '.join(labels)})" if labels else "")
        if used + len(line) + 1 > DESCRIPTION_MAX - 40:
            lines.append("…and more.")
            break
        lines.append(line)
        used += len(line) + 1
    return Card(
        title="Timeline",
        description="\n".join(lines) or "No dated events in the knowledge base.",
        footer=f"Dates only as precise as the articles give them · kzbot knowledge v{kb.version}",
        colour=Colour.BROWSE,
    )


HELP_COMMANDS = (
    ("/ask question", "Ask anything about the subject; start typing to pick from known questions."),
    ("/actor name", "Who someone is: role, stance, key quote. Start typing to pick a name."),
    ("/faq [topic]", "Browse every question by topic."),
    ("/sources", "The five articles behind every answer."),
    ("/timeline", "The dated events, oldest first."),
    ("Ask kzbot (message menu)", "Right-click a message → Apps → Ask kzbot, to answer it."),
    ("@kzbot question", "Mention me with a question and I reply to it."),
)
HELP_FEEDBACK = ("👍 / 👎 under an answer", "Tell the curators whether it answered you.")


RECORDING_NOTE = "Questions are kept anonymously, without names or user ids, to improve the answers."


def help_card(kb: KnowledgeBase, *, recording: bool = False) -> Card:
    """/help; `recording` adds the one line that says questions are kept."""
    note = f"\n{RECORDING_NOTE}" if recording else ""
    return Card(
        title="kzbot help",
        description=(
            f"I answer questions about {SUBJECT}, from a curated knowledge base built on five news articles. "
            f"Every answer names its source and quotes it.{note}"
        ),
        fields=tuple(Field(name, text) for name, text in (*HELP_COMMANDS, *([HELP_FEEDBACK] if recording else []))),
        footer=kb.summary(),
        colour=Colour.BROWSE,
        buttons=(Button("Browse the FAQ", "kz:faq::0", "primary"),),
    )


# --- errors and admin -----------------------------------------------------------------------------------


def cooldown_card(retry_after: float) -> Card:
    seconds = max(1, math.ceil(retry_after))
    return Card(
        title="One moment",
        description=f"You're asking faster than I answer. Try again in {seconds} s.",
        colour=Colour.DECLINE,
        ephemeral=True,
    )


def notice_card(message: str, title: str = "Sorry") -> Card:
    """A short ephemeral message for an expected failure (a failed check, a KzbotError)."""
    return Card(title=title, description=message, colour=Colour.DECLINE, ephemeral=True)


def error_card() -> Card:
    return Card(
        title="Something went wrong",
        description="Something went wrong on my side and it has been logged. Please try again.",
        colour=Colour.ERROR,
        ephemeral=True,
    )


def reload_card(summary: str | None, problems: Sequence[object] = (), current_version: str = "") -> Card:
    """The admin's view of a knowledge reload: the new summary, or every problem and what stays live."""
    if summary is not None:
        return Card(title="Knowledge reloaded", description=summary, colour=Colour.BROWSE, ephemeral=True)
    lines = [f"• {p}" for p in problems] or ["• (no details)"]
    body = "\n".join(lines)
    return Card(
        title="Reload failed",
        description=(f"The knowledge base has {len(lines)} problem(s); still serving v{current_version}.\n\n{body}"),
        colour=Colour.ERROR,
        ephemeral=True,
    )


def stats_card(report: Review | None, unanswered_max: int = 10) -> Card:
    """/kzadmin stats: the review's headline figures for this server and its most frequent unanswered questions."""
    if report is None:
        return notice_card(
            "Questions are not recorded on this bot (KZBOT_RECORD_QUESTIONS=0), so there is nothing to show.",
            title="No question log",
        )
    from kzbot.review import headline

    lines = [
        f"{u.count}× {user_text(u.question, 120)} ({u.outcome.replace('_', ' ')})"
        for u in report.unanswered[:unanswered_max]
    ]
    votes = sum(f.up + f.down for f in report.feedback)
    down = sum(f.down for f in report.feedback)
    return Card(
        title="Questions asked in this server",
        description=f"{headline(report, period=False)}\n{votes} votes on answers, {down} of them 👎.",
        fields=(Field("Most often unanswered", "\n".join(lines) or "None so far."),),
        footer="The whole review, picks included: python -m kzbot review",
        colour=Colour.BROWSE,
        ephemeral=True,
    )


# --- button actions -------------------------------------------------------------------------------------

ActionKind = Literal["ask", "actor", "more", "faq", "vote", "none"]
_REF = r"[0-9a-f]{12}"
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_ACTIONS = (
    re.compile(rf"kz:(?P<kind>ask|actor|more):(?P<target>{_ID})(?::(?P<ref>{_REF}))?"),
    re.compile(r"kz:(?P<kind>faq):(?P<target>[a-z0-9-]*):(?P<page>\d{1,4})"),
    re.compile(rf"kz:(?P<kind>vote):(?P<vote>up|down):(?P<target>(?:actor:)?{_ID}):(?P<ref>{_REF})"),
    re.compile(rf"kz:(?P<kind>none):(?P<ref>{_REF})"),
)
# What the Discord layer routes to kzbot's one button class; `Action.parse` reads the rest.
ACTION_PATTERN = r"kz:(?:ask|actor|more|faq|vote|none):.+"


@dataclass(frozen=True)
class Action:
    """What a button does, and its custom id: the one place ids are built and read.

    `target` is an entry id, an actor id, a topic id (faq) or the answer voted on (an entry id, or
    "actor:<id>"); `ref` is the recorded question the button belongs to.
    """

    kind: ActionKind
    target: str = ""
    ref: str | None = None
    page: int = 0
    up: bool = True

    @property
    def custom_id(self) -> str:
        if self.kind == "faq":
            return f"kz:faq:{self.target}:{self.page}"
        if self.kind == "vote":
            return f"kz:vote:{'up' if self.up else 'down'}:{self.target}:{self.ref}"
        if self.kind == "none":
            return f"kz:none:{self.ref}"
        return f"kz:{self.kind}:{self.target}" + (f":{self.ref}" if self.ref else "")

    @classmethod
    def parse(cls, custom_id: str) -> Action | None:
        for pattern in _ACTIONS:
            match = pattern.fullmatch(custom_id)
            if match is not None:
                found = match.groupdict()
                return cls(
                    kind=cast(ActionKind, found["kind"]),
                    target=found.get("target") or "",
                    ref=found.get("ref"),
                    page=int(found.get("page") or 0),
                    up=found.get("vote") != "down",
                )
        return None


def action_card(matcher: Matcher, custom_id: str, *, ref: str | None = None, compact: bool = False) -> Card:
    """The Card a button with this custom id shows. Stale ids (knowledge changed) get a friendly notice.

    An answer shown carries 👍/👎 for `ref` when given (the button's own reference, or a new one), and is
    compact when asked; "More" shows the whole entry privately. Votes and "None of these" are answered by
    `vote_card` and `dismissed_card`, which need the question log.
    """
    kb = matcher.kb
    action = Action.parse(custom_id)
    if action is None or action.kind in ("vote", "none"):
        return notice_card("That button no longer does anything. Try /faq or /ask.")
    if action.kind in ("ask", "more"):
        entry = kb.entries.get(action.target)
        if entry is None:
            return notice_card("That question is no longer in the knowledge base. Try /faq for what I know.")
        if action.kind == "more":
            return entry_card(kb, entry, ephemeral=True)
        return entry_card(kb, entry, ref=action.ref or ref, compact=compact)
    if action.kind == "actor":
        actor = kb.actors.get(action.target)
        if actor is None:
            return notice_card("I no longer have a profile for that name. Try /actor.")
        return actor_card(kb, actor, ref=action.ref or ref)
    return faq_card(kb, action.target or None, action.page)


def vote_card(matcher: Matcher, action: Action, question: str | None) -> Card:
    """The private thanks for a vote; after a 👎, the entries that came next for the question, as buttons."""
    if action.up:
        return Card(title="Thanks!", description="Glad that helped. 👍", colour=Colour.BROWSE, ephemeral=True)
    kb = matcher.kb
    runner_ups = [
        s
        for s in matcher.complete(question or _answer_question(kb, action.target), limit=RUNNER_UPS_MAX + 1)
        if s.id != action.target
    ][:RUNNER_UPS_MAX]
    lines = "\n".join(f"• {s.label}" for s in runner_ups)
    offer = f"\n\nPerhaps one of these is what you meant:\n{lines}" if runner_ups else ""
    return Card(
        title="Thanks for telling me",
        description=f"Curators will see that this answer missed.{offer}",
        colour=Colour.SUGGEST,
        buttons=tuple(_suggestion_button(s, ref=action.ref) for s in runner_ups),
        ephemeral=True,
    )


def _answer_question(kb: KnowledgeBase, answer_id: str) -> str:
    if answer_id.startswith("actor:"):
        actor = kb.actors.get(answer_id.removeprefix("actor:"))
        return actor.name if actor is not None else ""
    entry = kb.entries.get(answer_id)
    return entry.question if entry is not None else ""


def dismissed_card() -> Card:
    """The private reply to "None of these"."""
    return Card(
        title="Thanks, noted",
        description="None of those was your question: curators will see it and may add an answer. "
        "Meanwhile, /faq lists everything I can answer.",
        colour=Colour.DECLINE,
        buttons=(Button("Browse the FAQ", "kz:faq::0", "secondary"),),
        ephemeral=True,
    )


# --- plain text -----------------------------------------------------------------------------------------

_UNESCAPE = re.compile(r"\\([\\*_~`|\[\]#>\-+.\d])")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\\*])\*(?!\s)([^*\n]+?)\*")


def markdown_to_text(text: str) -> str:
    """Discord markdown as plain text: bold and italics dropped, escapes undone, zero-width spaces gone."""
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = re.sub(r"(?<!\\)`", "", text)
    text = _UNESCAPE.sub(r"\1", text)
    return text.replace("\u200b", "")


def card_to_text(card: Card, *, numbered: bool = True) -> str:
    """The Card as plain text for a terminal; buttons become a numbered list to type."""
    title = markdown_to_text(card.title)
    out = [title, "─" * min(len(title), 72)]
    if card.description:
        out.append(markdown_to_text(card.description))
    for f in card.fields:
        name, value = markdown_to_text(f.name), markdown_to_text(f.value)
        out.append(f"{name}: {value}" if "\n" not in value else f"{name}:\n  " + value.replace("\n", "\n  "))
    if card.buttons:
        out.append("")
        for i, button in enumerate(card.buttons, start=1):
            prefix = f"[{i}] " if numbered else "• "
            out.append(prefix + markdown_to_text(button.label))
    if card.footer:
        out.append(f"({markdown_to_text(card.footer)})")
    return "\n".join(out)
