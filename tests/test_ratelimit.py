"""The per-user cooldown, on a clock the test moves."""

from __future__ import annotations

import pytest

from kzbot.ratelimit import Cooldowns


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_user_may_ask_rate_questions_per_window_and_is_told_when_the_next_may_come() -> None:
    clock = Clock()
    cooldowns = Cooldowns(2, 30.0, clock=clock)
    assert cooldowns.take("ana") == 0.0
    clock.now += 10
    assert cooldowns.take("ana") == 0.0
    clock.now += 5
    assert cooldowns.take("ana") == pytest.approx(15.0), "the window opened with the first question, 15 s ago"
    assert cooldowns.take("ana") == pytest.approx(15.0), "a refused question is not counted"
    clock.now += 15
    assert cooldowns.take("ana") == 0.0, "a new window opens once the old one closes"


def test_each_user_has_an_allowance_of_their_own() -> None:
    clock = Clock()
    cooldowns = Cooldowns(1, 30.0, clock=clock)
    assert cooldowns.take(1) == 0.0
    assert cooldowns.take(2) == 0.0
    assert cooldowns.take(1) > 0
    assert cooldowns.take(2) > 0


def test_closed_windows_are_dropped_as_questions_come() -> None:
    clock = Clock()
    cooldowns = Cooldowns(3, 30.0, clock=clock)
    for user in range(1000):
        cooldowns.take(user)
        clock.now += 0.01  # the thousand windows open over 10 s
    assert len(cooldowns) == 1000
    clock.now += 25.0  # the first half closed (opened 25–30 s ago), the rest are open
    cooldowns.take("late")
    assert 490 <= len(cooldowns) - 1 <= 510
    assert cooldowns.take(999) == 0.0, "a window still open keeps its count"
    clock.now += 30.0
    cooldowns.take("later")
    assert len(cooldowns) == 1


def test_a_window_of_zero_seconds_never_refuses() -> None:
    cooldowns = Cooldowns(1, 0.0, clock=Clock())
    assert [cooldowns.take("ana") for _ in range(5)] == [0.0] * 5


@pytest.mark.parametrize(("rate", "per"), [(0, 30.0), (1, -1.0)])
def test_an_impossible_cooldown_is_refused(rate: int, per: float) -> None:
    with pytest.raises(ValueError, match="rate ≥ 1 and per ≥ 0"):
        Cooldowns(rate, per)
