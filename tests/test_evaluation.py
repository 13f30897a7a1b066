"""The product's promise, measured on each half of the labelled set: the tuning half and the held-out half.

The goal is ≥ 95 % of real questions answered right and ≥ 95 % of off-topic ones declined on both halves. The
tuning half meets it. The held-out half — never used to tune — does not yet: its floor below is the level it
has reached, so a change that makes the bot worse on unseen questions fails here, and the report printed at
the end of every run lists its misses. Raise the floor as the held-out figures improve; never lower it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzbot.evaluate import evaluate, read_cases, unknown_labels
from kzbot.matcher import Matcher

DATA = Path(__file__).resolve().parent / "data"
HALVES = ["eval-tune.yaml", "eval-holdout.yaml"]
GOAL = 0.95
# (answered, declined) that each half must reach.
FLOORS = {"eval-tune.yaml": (GOAL, GOAL), "eval-holdout.yaml": (0.91, 0.93)}


@pytest.mark.parametrize("name", HALVES)
def test_labelled_set_is_large_and_well_formed(matcher: Matcher, name: str) -> None:
    cases = read_cases(DATA / name)
    assert not unknown_labels(matcher, cases)
    assert sum(c.expect is not None for c in cases) >= 125
    assert sum(c.expect is None for c in cases) >= 25


def test_halves_do_not_share_questions() -> None:
    tune, holdout = ({c.question.casefold().strip() for c in read_cases(DATA / n)} for n in HALVES)
    assert not tune & holdout


def test_every_entry_is_asked_about(matcher: Matcher) -> None:
    expected = {c.expect for name in HALVES for c in read_cases(DATA / name)}
    assert set(matcher.kb.entries) <= expected


@pytest.mark.parametrize("name", HALVES)
def test_answers_and_declines_at_least_the_floor(matcher: Matcher, name: str, accuracy_report: list[str]) -> None:
    report = evaluate(matcher, read_cases(DATA / name), name)
    answered, declined = FLOORS[name]
    accuracy_report.extend(report.lines(max_misses=40))
    if (answered, declined) != (GOAL, GOAL):
        accuracy_report.append(f"  ({name}: the goal is {GOAL:.0%} answered and {GOAL:.0%} declined; not reached yet)")
    summary = "\n".join(report.lines())
    assert report.answer_rate >= answered, summary
    assert report.decline_rate >= declined, summary
