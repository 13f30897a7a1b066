"""The per-user cooldown: at most `rate` questions in a window of `per` seconds that opens with a user's first.

One object serves every way of asking (/ask, /actor, "Ask kzbot", a mention, an answer channel), so a user has
one allowance, however they ask. Windows are kept in the order they opened, which is also the order they close,
so each question drops the closed ones from the front: the cost stays the same however many people asked in
the last window (discord.py's own cooldown mapping looks at every bucket on every question).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Cooldowns:
    def __init__(self, rate: int, per: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate < 1 or per < 0:
            raise ValueError(f"a cooldown needs rate ≥ 1 and per ≥ 0, not {rate} per {per}")
        self.rate = rate
        self.per = per
        self._clock = clock
        # user -> (when their window opened, questions asked in it); a dict keeps insertion order, and a window
        # keeps its place when its count changes, so the oldest window is always first.
        self._windows: dict[Hashable, tuple[float, int]] = {}

    def __len__(self) -> int:
        return len(self._windows)

    def take(self, user: Hashable) -> float:
        """Count one question for `user`: 0.0 if it may go ahead, else the seconds until it may (not counted)."""
        now = self._clock()
        self._close(now)
        opened, used = self._windows.get(user, (now, 0))
        if used >= self.rate:
            return opened + self.per - now
        self._windows[user] = (opened, used + 1)
        return 0.0

    def _close(self, now: float) -> None:
        windows = self._windows
        while windows:
            user, (opened, _) = next(iter(windows.items()))
            if opened + self.per > now:
                return
            del windows[user]
