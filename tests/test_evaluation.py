"""The product's promise, measured on labelled questions, and held there.

The sets (tests/data/): eval-judge.yaml and eval-fresh*.yaml, written by people who had read only the five
articles, frozen and never tuned on; eval-dev-*.yaml, written the same way, on which the matcher's weights are
fitted; and four older sets (eval-tune, eval-holdout, eval-blind, eval-blind-2) whose writers saw the list of
entries. Each floor below is the level its set reached when last measured, so a change that makes the bot worse
fails here; the report printed at the end of every run lists the misses. Raise a floor as the figures improve.
Lower one only for a reason the commit states (a phrasing removed because a set repeats it word for word, a
re-fit that trades a question on one set for more elsewhere), never to let a worse matcher through.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from kzbot.evaluate import evaluate, read_cases, unknown_labels
from kzbot.matcher import Matcher
from kzbot.text import ascii_fold

DATA = Path(__file__).resolve().parent / "data"


class Floor(NamedTuple):
    answered: float  # share of on-topic questions answered with the right entry, at least
    wrong: float  # share of on-topic questions answered with another entry, at most
    declined: float  # share of off-topic questions not answered, at least
    lookups: float  # share of /actor look-ups that find the right actor, at least


FLOORS = {
    # Written from the articles alone and held out: each measured once when it was added, then held to what the
    # matcher scores now (the figures, first and latest, are in the README).
    "eval-judge.yaml": Floor(0.85, 0.06, 0.91, 1.0),
    "eval-fresh.yaml": Floor(0.89, 0.03, 0.94, 1.0),
    "eval-fresh-2.yaml": Floor(0.88, 0.04, 0.91, 1.0),
    "eval-fresh-3.yaml": Floor(0.89, 0.05, 0.91, 1.0),
    "eval-fresh-4.yaml": Floor(0.87, 0.01, 0.91, 1.0),
    "eval-fresh-5.yaml": Floor(0.79, 0.08, 0.91, 1.0),
    "eval-fresh-6.yaml": Floor(0.90, 0.03, 0.94, 1.0),
    "eval-fresh-7.yaml": Floor(0.87, 0.06, 0.85, 1.0),
    "eval-fresh-8.yaml": Floor(0.89, 0.04, 0.91, 1.0),
    "eval-fresh-10.yaml": Floor(0.84, 0.06, 0.97, 1.0),
    "eval-fresh-9.yaml": Floor(0.86, 0.04, 0.97, 1.0),
    "eval-fresh-11.yaml": Floor(0.81, 0.06, 0.82, 1.0),
    "eval-fresh-12.yaml": Floor(0.89, 0.07, 0.94, 1.0),
    "eval-fresh-13.yaml": Floor(0.90, 0.04, 0.94, 1.0),
    "eval-fresh-14.yaml": Floor(0.86, 0.05, 0.97, 1.0),
    "eval-fresh-15.yaml": Floor(0.82, 0.05, 0.91, 1.0),
    "eval-fresh-16.yaml": Floor(0.85, 0.08, 0.94, 1.0),
    # Written the same way, and used to fit the matcher's weights.
    "eval-dev-1.yaml": Floor(0.94, 0.00, 0.97, 1.0),
    "eval-dev-2.yaml": Floor(0.91, 0.04, 0.94, 1.0),
    "eval-dev-3.yaml": Floor(0.93, 0.00, 0.97, 1.0),
    "eval-dev-4.yaml": Floor(0.93, 0.01, 1.00, 1.0),
    "eval-dev-5.yaml": Floor(0.91, 0.02, 0.94, 1.0),
    "eval-dev-6.yaml": Floor(0.90, 0.01, 0.97, 1.0),
    "eval-dev-7.yaml": Floor(0.83, 0.06, 0.94, 1.0),
    "eval-dev-8.yaml": Floor(0.88, 0.02, 0.97, 1.0),
    "eval-dev-9.yaml": Floor(0.89, 0.04, 1.00, 1.0),
    "eval-dev-10.yaml": Floor(0.91, 0.02, 1.00, 1.0),
    "eval-dev-11.yaml": Floor(0.92, 0.03, 0.97, 1.0),
    "eval-dev-12.yaml": Floor(0.87, 0.07, 0.97, 1.0),
    "eval-dev-13.yaml": Floor(0.90, 0.02, 0.97, 1.0),
    "eval-dev-14.yaml": Floor(0.87, 0.07, 1.00, 1.0),
    "eval-dev-15.yaml": Floor(0.87, 0.01, 1.00, 1.0),
    "eval-dev-16.yaml": Floor(0.90, 0.02, 0.97, 1.0),
    "eval-dev-17.yaml": Floor(0.86, 0.04, 1.00, 1.0),
    "eval-dev-19.yaml": Floor(0.82, 0.03, 0.97, 1.0),
    "eval-dev-20.yaml": Floor(0.90, 0.02, 1.00, 1.0),
    "eval-dev-18.yaml": Floor(0.88, 0.02, 0.91, 1.0),
    "eval-dev-21.yaml": Floor(0.84, 0.03, 1.00, 1.0),
    "eval-dev-22.yaml": Floor(0.90, 0.02, 0.94, 0.95),
    "eval-dev-24.yaml": Floor(0.90, 0.03, 0.91, 1.0),
    "eval-dev-25.yaml": Floor(0.90, 0.02, 0.97, 1.0),
    "eval-dev-26.yaml": Floor(0.90, 0.01, 0.91, 1.0),
    "eval-dev-23.yaml": Floor(0.87, 0.04, 0.97, 1.0),
    "eval-dev-27.yaml": Floor(0.86, 0.04, 0.97, 1.0),
    "eval-dev-28.yaml": Floor(0.79, 0.06, 0.88, 1.0),
    # Older sets, whose writers saw the list of entries.
    "eval-tune.yaml": Floor(0.99, 0.01, 1.00, 1.0),
    "eval-holdout.yaml": Floor(0.95, 0.02, 0.93, 1.0),
    "eval-blind.yaml": Floor(0.95, 0.02, 0.93, 1.0),
    "eval-blind-2.yaml": Floor(0.96, 0.01, 0.97, 1.0),
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_labelled_set_is_large_and_well_formed(matcher: Matcher, name: str) -> None:
    cases = read_cases(DATA / name)
    assert not unknown_labels(matcher, cases)
    assert sum(c.expect is not None and c.kind == "ask" for c in cases) >= 95
    assert sum(c.expect is None for c in cases) >= 25


def test_every_set_in_the_folder_has_a_floor() -> None:
    assert {p.name for p in DATA.glob("eval-*.yaml")} == set(FLOORS)


def test_no_evaluation_question_is_a_phrasing(matcher: Matcher) -> None:
    # A question copied into the phrasings measures memory, not matching.
    phrasings = {ascii_fold(p): e.id for e in matcher.kb.entries.values() for p in e.phrasings}
    phrasings |= {ascii_fold(p): g.id for g in matcher.kb.gaps for p in g.phrasings}
    phrasings |= {ascii_fold(p): f"actor:{a.id}" for a in matcher.kb.actors.values() for p in a.asked_as}
    copied = [
        (path.name, case.question, phrasings[ascii_fold(case.question)])
        for path in sorted(DATA.glob("eval-*.yaml"))
        for case in read_cases(path)
        if case.kind == "ask" and ascii_fold(case.question) in phrasings
    ]
    assert not copied, copied[:10]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_answers_and_declines_at_least_the_floor(matcher: Matcher, name: str, accuracy_report: list[str]) -> None:
    report = evaluate(matcher, read_cases(DATA / name), name)
    floor = FLOORS[name]
    accuracy_report.extend(report.lines(max_misses=40))
    summary = "\n".join(report.lines())
    assert report.answer_rate >= floor.answered, summary
    assert report.wrong_rate <= floor.wrong, summary
    assert report.decline_rate >= floor.declined, summary
    assert report.lookup_rate >= floor.lookups, summary
