"""Measure the matcher on a labelled set of questions: how many are answered right, how many declined right.

A labelled set is a YAML list of {q: question, expect: entry id | actor:<id> | null}. A question with an
expected entry counts as correct only when the matcher answers with exactly that entry; an off-topic question
(expect: null) counts as correct when the matcher does not answer it (a decline, or suggestions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kzbot.errors import KzbotError
from kzbot.matcher import AskResult, Matcher


@dataclass(frozen=True)
class Case:
    question: str
    expect: str | None


@dataclass
class Report:
    name: str
    answered: int = 0
    on_topic: int = 0
    declined: int = 0
    off_topic: int = 0
    misses: list[tuple[Case, AskResult]] = field(default_factory=list)

    @property
    def answer_rate(self) -> float:
        return self.answered / self.on_topic if self.on_topic else 1.0

    @property
    def decline_rate(self) -> float:
        return self.declined / self.off_topic if self.off_topic else 1.0

    def lines(self, max_misses: int = 100) -> list[str]:
        out = [
            f"{self.name}: answered {self.answered}/{self.on_topic} ({self.answer_rate:.1%}), "
            f"declined {self.declined}/{self.off_topic} ({self.decline_rate:.1%})"
        ]
        for case, result in self.misses[:max_misses]:
            got = result.id or f"({result.status}: {', '.join(s.id for s in result.suggestions) or 'none'})"
            expected = case.expect or "decline"
            out.append(f"  miss: {case.question!r} expected {expected}, got {got} [{result.score:.0f}]")
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
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or "expect" not in item:
            raise KzbotError(f"{path}: item {number} needs q (text) and expect (an id or null)")
        expect = item["expect"]
        if expect is not None and not isinstance(expect, str):
            raise KzbotError(f"{path}: item {number}: expect must be an id or null")
        cases.append(Case(item["q"], expect))
    return cases


def evaluate(matcher: Matcher, cases: list[Case], name: str = "set") -> Report:
    report = Report(name)
    for case in cases:
        result = matcher.ask(case.question)
        if case.expect is None:
            report.off_topic += 1
            ok = not result.answered
            report.declined += ok
        else:
            report.on_topic += 1
            ok = result.answered and result.id == case.expect
            report.answered += ok
        if not ok:
            report.misses.append((case, result))
    return report


def unknown_labels(matcher: Matcher, cases: list[Case]) -> list[str]:
    """Expected ids that name no entry or actor: a labelling mistake, reported before any accuracy."""
    known = set(matcher.kb.entries) | {f"actor:{a}" for a in matcher.kb.actors}
    return sorted({c.expect for c in cases if c.expect is not None and c.expect not in known})
