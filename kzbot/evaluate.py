"""Measure the matcher on a labelled set: answered right, answered wrong, declined right, names found right.

A labelled set is a YAML list of items, each either {q: question, expect: entry id | actor:<id> | null} (asked as
a question) or {actor: text, expect: actor:<id> | null} (typed into /actor). A question with an expected entry is
right only when the matcher answers with exactly that entry, and wrong when it answers with another; otherwise
(suggestions, a decline) it is unanswered. An off-topic question (expect: null) is right when not answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from kzbot.errors import KzbotError
from kzbot.matcher import Matcher

CaseKind = Literal["ask", "actor"]


@dataclass(frozen=True)
class Case:
    question: str
    expect: str | None
    kind: CaseKind = "ask"


@dataclass(frozen=True)
class Miss:
    case: Case
    got: str  # what the matcher did, in a few words


@dataclass
class Report:
    name: str
    on_topic: int = 0
    answered: int = 0  # on-topic, answered with the expected entry
    wrong: int = 0  # on-topic, answered with another entry
    hedged: int = 0  # on-topic, not answered, the expected entry first among the suggestions
    off_topic: int = 0
    declined: int = 0
    lookups: int = 0
    found: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def answer_rate(self) -> float:
        return self.answered / self.on_topic if self.on_topic else 1.0

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.on_topic if self.on_topic else 0.0

    @property
    def decline_rate(self) -> float:
        return self.declined / self.off_topic if self.off_topic else 1.0

    @property
    def lookup_rate(self) -> float:
        return self.found / self.lookups if self.lookups else 1.0

    def summary(self) -> str:
        line = (
            f"{self.name}: answered {self.answered}/{self.on_topic} ({self.answer_rate:.1%}), "
            f"wrong {self.wrong} ({self.wrong_rate:.1%}), declined {self.declined}/{self.off_topic} "
            f"({self.decline_rate:.1%})"
        )
        if self.lookups:
            line += f", look-ups {self.found}/{self.lookups} ({self.lookup_rate:.1%})"
        return line

    def lines(self, max_misses: int = 100) -> list[str]:
        out = [self.summary()]
        for miss in self.misses[:max_misses]:
            expected = miss.case.expect or "decline"
            where = "actor " if miss.case.kind == "actor" else ""
            out.append(f"  miss: {where}{miss.case.question!r} expected {expected}, got {miss.got}")
        if len(self.misses) > max_misses:
            out.append(f"  … and {len(self.misses) - max_misses} more")
        return out


def read_cases(path: Path) -> list[Case]:
    """Read a labelled set; raise KzbotError on anything malformed."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KzbotError(f"{path}: cannot read the labelled questions ({exc})") from exc
    if not isinstance(data, list):
        raise KzbotError(f"{path}: expected a list of {{q, expect}}")
    cases = []
    for number, item in enumerate(data, start=1):
        kind: CaseKind = "actor" if isinstance(item, dict) and "actor" in item else "ask"
        text = item.get("actor" if kind == "actor" else "q") if isinstance(item, dict) else None
        if not isinstance(text, str) or "expect" not in item:
            raise KzbotError(f"{path}: item {number} needs q (or actor) as text, and expect (an id or null)")
        expect = item["expect"]
        if expect is not None and not isinstance(expect, str):
            raise KzbotError(f"{path}: item {number}: expect must be an id or null")
        cases.append(Case(text, expect, kind))
    return cases


def evaluate(matcher: Matcher, cases: list[Case], name: str = "set") -> Report:
    report = Report(name)
    for case in cases:
        if case.kind == "actor":
            _lookup(matcher, case, report)
            continue
        result = matcher.ask(case.question)
        first = result.suggestions[0].id if result.suggestions else None
        got = (
            result.id
            if result.answered
            else f"({result.status}: {', '.join(s.id for s in result.suggestions) or 'none'})"
        )
        if case.expect is None:
            report.off_topic += 1
            ok = not result.answered
            report.declined += ok
        else:
            report.on_topic += 1
            ok = result.answered and result.id == case.expect
            report.answered += ok
            report.wrong += result.answered and not ok
            report.hedged += not result.answered and first == case.expect
        if not ok:
            report.misses.append(Miss(case, f"{got} [{result.score:.0f}]"))
    return report


def _lookup(matcher: Matcher, case: Case, report: Report) -> None:
    result = matcher.actor(case.question)
    got = f"actor:{result.actor.id}" if result.found and result.actor is not None else None
    report.lookups += 1
    report.found += got == case.expect
    if got != case.expect:
        shown = got or f"({result.status}: {', '.join(s.id for s in result.suggestions) or 'none'})"
        report.misses.append(Miss(case, shown))


def unknown_labels(matcher: Matcher, cases: list[Case]) -> list[str]:
    """Expected ids that name no entry or actor: a labelling mistake, reported before any accuracy."""
    known = set(matcher.kb.entries) | {f"actor:{a}" for a in matcher.kb.actors}
    return sorted({c.expect for c in cases if c.expect is not None and c.expect not in known})
