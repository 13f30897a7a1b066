"""Stage 3c: which neighbouring stem pairs each entry holds, and the share of a question's pairs it holds."""

from __future__ import annotations

import numpy as np

from kzbot.matcher import Matcher
from kzbot.matching.pairs import build_pairs, pairs_of


def test_a_pair_keeps_its_order() -> None:
    assert pairs_of(("armed", "group")) == pairs_of(("armed", "group"))
    assert pairs_of(("armed", "group")) != pairs_of(("group", "armed"))
    assert len(pairs_of(("who", "led", "armed", "group"))) == 3
    assert pairs_of(("alone",)) == frozenset()


def test_the_share_is_of_the_question_pairs_each_entry_holds() -> None:
    index = build_pairs([[("harbour", "fire", "start")], [("fire", "harbour")], [("mayor", "view")]])
    share = index.share(("harbour", "fire", "cause"), np.array([0, 1, 2]))
    # The question's pairs: (harbour, fire) and (fire, cause). The first entry holds one, the second holds its
    # words the other way round, the third neither.
    assert share.tolist() == [0.5, 0.0, 0.0]
    assert index.share(("harbour",), np.array([0, 1])).tolist() == [0.0, 0.0]


def test_the_small_world_pairs_come_from_question_phrasings_answer_and_details(small: Matcher) -> None:
    ids = [e.id for e in small.stages.entries]
    stems = small.stages.reader.read("when did the harbour fire start").stems
    share = small.stages.pairs.share(stems, np.arange(len(ids)))
    assert ids[int(np.argmax(share))] == "harbour-fire"
    # An answer's words count too: "fuel leak" is in fire-cause's answer alone.
    leak = small.stages.pairs.share(small.stages.reader.read("fuel leak blamed").stems, np.arange(len(ids)))
    assert leak[ids.index("fire-cause")] > 0 and leak[ids.index("harbour-fire")] == 0
