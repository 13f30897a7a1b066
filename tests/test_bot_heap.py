"""Start-up's objects are set aside from full garbage collections, and a reload lets the old ones go."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from kzbot.bot.client import settle_heap


class Knot:
    """An object in a reference cycle: only the garbage collector frees it, as it would an old matcher's index."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_a_reload_frees_what_the_first_ready_set_aside(unfrozen: None) -> None:
    old = Knot()
    gone = weakref.ref(old)
    settle_heap()  # the first READY
    assert gc.get_freeze_count() > 0
    del old
    gc.collect()
    assert gone() is not None  # set aside: full collections no longer walk it
    settle_heap(again=True)  # after a reload, with the old matcher no longer referenced
    assert gone() is None
    assert gc.get_freeze_count() > 0  # and what is alive now is set aside in its place
