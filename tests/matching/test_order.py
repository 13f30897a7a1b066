"""Ordering phrasings by what people ask (kzbot.matching.order), on the ten-entry knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kzbot.knowledge import KnowledgeBase
from kzbot.matcher import Matcher
from kzbot.matching.order import OrderError, greedy_order, propose, rewrite, write


def test_the_phrasing_closest_to_most_questions_comes_first() -> None:
    # Three questions, each closer to phrasing 2 than the entry's question is; phrasing 0 helps one of them.
    rows = [[60, 10, 90], [10, 10, 80], [70, 10, 85]]
    assert greedy_order([50, 50, 50], rows, 3)[0] == 2


def test_a_near_repeat_of_a_picked_phrasing_goes_after_one_that_adds_something() -> None:
    # Phrasings 0 and 1 serve the same two questions equally; phrasing 2 serves the third question.
    rows = [[90, 90, 0], [90, 90, 0], [0, 0, 70]]
    assert greedy_order([0, 0, 0], rows, 3) == [0, 2, 1]


def test_without_questions_the_order_is_kept() -> None:
    assert greedy_order([], [], 4) == [0, 1, 2, 3]


def test_phrasings_no_question_is_closer_to_keep_their_order_at_the_end() -> None:
    # The entry's question is already as close as phrasings 0 and 2 to the only question.
    assert greedy_order([80], [[80, 95, 40, 85]], 4) == [1, 0, 2, 3]


def test_labelled_questions_move_the_phrasing_they_ask_like_to_the_front(world: KnowledgeBase, tmp_path: Path) -> None:
    labelled = tmp_path / "dev.yaml"
    labelled.write_text(
        "- q: did the navy of freedonia stay at home\n  expect: why-no-fleet\n"
        "- q: freedonia's navy stayed in port?\n  expect: why-no-fleet\n",
        encoding="utf-8",
    )
    orders = propose(world, Matcher(world).stages.reader, [labelled])
    assert world.entries["why-no-fleet"].phrasings[0] == "why no freedonian ships"
    assert orders["why-no-fleet"] == ("freedonia navy stayed home", "why no freedonian ships")
    # An entry nobody asked about keeps its order.
    assert orders["fire-deaths"] == world.entries["fire-deaths"].phrasings


FILE = """\
# a comment that stays
topic:
  id: world
entries:
  - id: first
    question: First?
    phrasings:
      - one
      - "two: quoted"
      - three
    answer: >-
      An answer.
  - id: second
    question: Second?
    phrasings:
      - alpha
      - beta
    answer: Another.
"""


def test_rewrite_moves_only_the_phrasing_lines() -> None:
    new = rewrite(FILE, {"first": ("three", "two: quoted", "one")})
    data = yaml.safe_load(new)
    assert data["entries"][0]["phrasings"] == ["three", "two: quoted", "one"]
    assert data["entries"][1]["phrasings"] == ["alpha", "beta"]
    assert new.startswith("# a comment that stays\n")
    assert sorted(new.splitlines()) == sorted(FILE.splitlines())
    assert rewrite(FILE, {}) == FILE


def test_write_rewrites_nothing_when_a_file_would_not_read_back(tmp_path: Path) -> None:
    good = tmp_path / "faq-a.yaml"
    good.write_text(FILE, encoding="utf-8")
    # A phrasing written over two lines is not one line the rewrite can move: it would be lost.
    folded = FILE.replace("      - beta\n", "      - >-\n        beta\n")
    bad = tmp_path / "faq-b.yaml"
    bad.write_text(folded, encoding="utf-8")
    with pytest.raises(OrderError, match="second"):
        write(tmp_path, {"first": ("three", "two: quoted", "one"), "second": ("beta", "alpha")})
    assert good.read_text(encoding="utf-8") == FILE and bad.read_text(encoding="utf-8") == folded
    # Entries left out of the order are left alone, a phrasing over two lines included.
    assert write(tmp_path, {"first": ("three", "two: quoted", "one")}) == [good, bad]
    entries = yaml.safe_load(bad.read_text(encoding="utf-8"))["entries"]
    assert entries[0]["phrasings"] == ["three", "two: quoted", "one"] and entries[1]["phrasings"] == ["alpha", "beta"]
