"""Stage 4: wording likeness to each candidate's closest phrasing."""

from __future__ import annotations

import numpy as np

from kzbot.matcher import Matcher


def test_a_phrasing_typed_word_for_word_scores_full_marks(small: Matcher) -> None:
    stems = small.stages.reader.read("fire death toll").stems
    ids = [e.id for e in small.stages.entries]
    wording = small.stages.phrasings.compare(stems, np.array([ids.index("fire-deaths"), ids.index("trade-ties")]))
    assert wording.token_sort[0] == 100.0 and wording.token_set[0] == 100.0
    assert wording.token_sort[1] < 50.0


def test_phrasings_of_the_same_stems_are_found_in_any_order(small: Matcher) -> None:
    stems = small.stages.reader.read("toll death fire").stems
    assert [small.stages.entries[d].id for d in small.stages.phrasings.repeated_by(stems)] == ["fire-deaths"]
    assert small.stages.phrasings.repeated_by(("nothing",)) == ()
