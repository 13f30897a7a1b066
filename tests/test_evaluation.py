"""The product's promise, measured: ≥ 95 % of real questions answered right and ≥ 95 % of off-topic ones
declined, on each half of the labelled set — the tuning half and the held-out half that tuning never saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzbot.evaluate import evaluate, read_cases, unknown_labels
from kzbot.matcher import Matcher
from tests.conftest import REPORTS

DATA = Path(__file__).resolve().parent / "data"
HALVES = ["eval-tune.yaml", "eval-holdout.yaml"]
TARGET = 0.95


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
def test_answers_and_declines_at_least_95_percent(matcher: Matcher, name: str) -> None:
    report = evaluate(matcher, read_cases(DATA / name), name)
    REPORTS.extend(report.lines(max_misses=30))
    summary = "\n".join(report.lines())
    assert report.answer_rate >= TARGET, summary
    assert report.decline_rate >= TARGET, summary
