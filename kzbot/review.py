"""The curator's review of the question log: what was asked, what went unanswered, what people picked, and
which answers they voted down. Reads the log only, so it is safe while the bot runs."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from kzbot.questionlog import DAY, OUTCOMES, open_readonly

# Two unanswered questions are grouped as one when rapidfuzz's token-sort ratio of their folded text reaches
# this: "how many were arrested" and "how many people were arrested?" group; different questions do not.
GROUP_CUTOFF = 85.0
STATS_UNANSWERED = 10
NONE_OF_THESE = "none_of_these"


@dataclass(frozen=True)
class Unanswered:
    question: str
    count: int
    outcome: str
    last_seen: str


@dataclass(frozen=True)
class PickCount:
    question: str
    id: str
    count: int


@dataclass(frozen=True)
class Feedback:
    id: str
    up: int
    down: int


@dataclass(frozen=True)
class Review:
    questions: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    unanswered: tuple[Unanswered, ...] = ()
    picks: tuple[PickCount, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    days: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "outcomes": dict(self.outcomes),
            "unanswered": [asdict(u) for u in self.unanswered],
            "picks": [asdict(p) for p in self.picks],
            "feedback": [asdict(f) for f in self.feedback],
        }


def read(path: Path, *, days: int | None = None, now: float | None = None, guild_id: int | None = None) -> Review:
    """The review of the log at `path` (the last `days` days, or all it keeps; one server's questions only,
    with `guild_id`); empty if there is no log yet."""
    if not path.is_file():
        return Review(days=days)
    since = (time.time() if now is None else now) - days * DAY if days is not None else float("-inf")
    conn = open_readonly(path)
    try:
        return build(conn, since=since, days=days, guild_id=guild_id)
    finally:
        conn.close()


def build(conn: sqlite3.Connection, *, since: float, days: int | None = None, guild_id: int | None = None) -> Review:
    where = _Where(since, guild_id)
    outcomes: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    rows = conn.execute(f"SELECT outcome, count(*) FROM questions q WHERE {where.sql} GROUP BY 1", where.params)
    for outcome, count in rows:
        outcomes[outcome] = outcomes.get(outcome, 0) + count
    return Review(
        questions=sum(outcomes.values()),
        outcomes=outcomes,
        unanswered=_unanswered(conn, where),
        picks=_picks(conn, where),
        feedback=_feedback(conn, where),
        days=days,
    )


@dataclass(frozen=True)
class _Where:
    """The questions a review covers (alias q): since a time, and from one server or all."""

    since: float
    guild_id: int | None

    @property
    def sql(self) -> str:
        return "q.at >= ?" + (" AND q.guild_id = ?" if self.guild_id is not None else "")

    @property
    def params(self) -> tuple[float | int, ...]:
        return (self.since,) if self.guild_id is None else (self.since, self.guild_id)


def _unanswered(conn: sqlite3.Connection, where: _Where) -> tuple[Unanswered, ...]:
    """Declined, sent to a known gap, answered "None of these", or given suggestions nobody picked."""
    rows = conn.execute(
        f"""SELECT q.question, q.at, CASE WHEN d.ref IS NOT NULL THEN '{NONE_OF_THESE}' ELSE q.outcome END
        FROM questions q LEFT JOIN (SELECT DISTINCT ref FROM dismissals) d ON d.ref = q.ref
        WHERE {where.sql} AND (
            q.outcome IN ('declined', 'gap') OR d.ref IS NOT NULL
            OR (q.outcome = 'suggested' AND NOT EXISTS (SELECT 1 FROM picks p WHERE p.ref = q.ref))
        )""",
        where.params,
    )
    groups: dict[str, _Group] = {}
    for question, at, outcome in rows:
        key = utils.default_process(question) or question.strip().lower()
        groups.setdefault(key, _Group()).add(question, at, outcome)
    merged: list[_Group] = []
    keys: list[str] = []
    for key, group in sorted(groups.items(), key=lambda kv: (-kv[1].count, kv[0])):
        hit = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, processor=None, score_cutoff=GROUP_CUTOFF)
        if hit is None:
            keys.append(key)
            merged.append(group)
        else:
            merged[hit[2]].merge(group)
    merged.sort(key=lambda g: (-g.count, -g.last_seen))
    return tuple(g.summary() for g in merged)


@dataclass
class _Group:
    """Near-identical questions: how often each wording and outcome came, and when the last one did."""

    wordings: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    last_seen: float = float("-inf")

    @property
    def count(self) -> int:
        return self.wordings.total()

    def add(self, question: str, at: float, outcome: str) -> None:
        self.wordings[question] += 1
        self.outcomes[outcome] += 1
        self.last_seen = max(self.last_seen, at)

    def merge(self, other: _Group) -> None:
        self.wordings.update(other.wordings)
        self.outcomes.update(other.outcomes)
        self.last_seen = max(self.last_seen, other.last_seen)

    def summary(self) -> Unanswered:
        return Unanswered(
            question=self.wordings.most_common(1)[0][0],
            count=self.count,
            outcome=self.outcomes.most_common(1)[0][0],
            last_seen=_iso(self.last_seen),
        )


def _picks(conn: sqlite3.Connection, where: _Where) -> tuple[PickCount, ...]:
    """Each question and the entry people chose for it; the same question in other case or punctuation is one."""
    counts: Counter[tuple[str, str]] = Counter()
    wording: dict[tuple[str, str], str] = {}
    rows = conn.execute(
        f"SELECT q.question, p.entry FROM picks p JOIN questions q ON q.ref = p.ref WHERE {where.sql} ORDER BY p.at",
        where.params,
    )
    for question, entry in rows:
        key = (utils.default_process(question) or question, entry)
        counts[key] += 1
        wording.setdefault(key, question)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    return tuple(PickCount(wording[key], key[1], count) for key, count in ordered)


def _feedback(conn: sqlite3.Connection, where: _Where) -> tuple[Feedback, ...]:
    """Votes per answer. With a server given, only votes on answers to that server's recorded questions."""
    join = "JOIN questions q ON q.ref = v.ref AND" if where.guild_id is not None else "WHERE"
    on = where.sql.replace("q.at", "v.at", 1)
    rows = conn.execute(
        f"SELECT v.entry, sum(v.vote = 1), sum(v.vote = -1) FROM votes v {join} {on} GROUP BY v.entry "
        "ORDER BY 3 DESC, 2 ASC, v.entry",
        where.params,
    )
    return tuple(Feedback(entry, up, down) for entry, up, down in rows)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- the text form ------------------------------------------------------------------------------------


def headline(review: Review, *, period: bool = True) -> str:
    """One line: how many questions (over what period, with `period`), and each outcome."""
    when = f" in the last {review.days} days" if review.days is not None else " in the log"
    outcomes = ", ".join(f"{name} {review.outcomes.get(name, 0)}" for name in OUTCOMES)
    return f"{review.questions} questions{when if period else ''}: {outcomes}"


def to_text(review: Review) -> str:
    """For a curator: picks as YAML lines to paste under an entry's `phrasings:`, the unanswered to act on."""
    out = [headline(review), ""]
    out.append("Picks: what people asked, and the entry they chose. Paste the lines under that entry's phrasings:")
    if review.picks:
        by_entry: dict[str, list[PickCount]] = {}
        for pick in review.picks:
            by_entry.setdefault(pick.id, []).append(pick)
        for entry, picks in by_entry.items():
            out.append(f"  # {entry}")
            out.append("  phrasings:")
            out.extend(f"    - {json.dumps(p.question, ensure_ascii=False)}  # picked {p.count}×" for p in picks)
    else:
        out.append("  (none yet)")
    out.append("")
    out.append(
        "Unanswered: answer these in knowledge/, file them as a known gap in knowledge/unanswered.yaml, or ignore them:"
    )
    if review.unanswered:
        out.extend(
            f"  {u.count:>4}×  {u.question}  ({u.outcome.replace('_', ' ')}, last {u.last_seen})"
            for u in review.unanswered
        )
    else:
        out.append("  (none)")
    out.append("")
    out.append("Feedback on answers, most 👎 first:")
    if review.feedback:
        out.extend(f"  👎 {f.down:>3}  👍 {f.up:>3}  {f.id}" for f in review.feedback)
    else:
        out.append("  (no votes yet)")
    return "\n".join(out)
