"""End to end: the real `python bot.py` against the local Discord stand-in (tests/e2e/discord_standin.py).

Latency runs from the moment the stand-in sends INTERACTION_CREATE on the gateway to the moment the bot's
interaction callback reaches it. With L interactions in flight, L simulated users each ask, wait for the
callback, and ask again (a closed loop), so exactly L are outstanding at any time. Every simulated user is a
different Discord user, so the per-user cooldown never turns a question away. The stand-in runs in this
process and shares the machine's two cores with the bot: the figures are for both together.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.e2e.discord_standin import BotProcess, DiscordStandIn, make_user

ANSWER_TIMEOUT = 60.0


@dataclass(frozen=True)
class Ready:
    runs: int
    median_seconds: float
    rss_bytes: int  # resident set size at READY (largest of the runs)


@dataclass(frozen=True)
class Load:
    in_flight: int
    sent: int
    answered: int
    per_second: float
    p50: float
    p99: float
    rss_bytes: int  # the bot's peak resident set size after this load


class TimedStandIn(DiscordStandIn):
    """The stand-in, noting when each interaction was sent and when its first callback arrived."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent_at: dict[str, float] = {}
        self.answered_at: dict[str, float] = {}

    async def _dispatch(self, session: Any, event: str, data: Any) -> None:
        if event == "INTERACTION_CREATE":
            self.sent_at[data["id"]] = time.perf_counter()
        await super()._dispatch(session, event, data)

    async def _callback(self, call: Any) -> tuple[int, Any]:
        self.answered_at.setdefault(call.params["interaction_id"], time.perf_counter())
        return await super()._callback(call)


def _memory(pid: int) -> tuple[int, int]:
    """(current, peak) resident set size of a process, in bytes, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


async def _start(
    standin: DiscordStandIn, workdir: Path, name: str, env: dict[str, str] | None = None
) -> tuple[BotProcess, float]:
    bot = BotProcess(standin, log_path=workdir / f"{name}.log", env={"KZBOT_LOG_LEVEL": "WARNING", **(env or {})})
    t0 = time.perf_counter()
    await bot.start()
    await bot.wait_ready(60.0)
    return bot, time.perf_counter() - t0


async def measure_ready(runs: int, workdir: Path) -> Ready:
    """Start the bot `runs` times, each against a fresh stand-in: process start to READY."""
    times: list[float] = []
    rss = 0
    for run in range(runs):
        async with DiscordStandIn() as standin:
            bot, seconds = await _start(standin, workdir, f"ready-{run}")
            try:
                assert bot.proc is not None
                rss = max(rss, _memory(bot.proc.pid)[0])
            finally:
                await bot.stop()
        times.append(seconds)
    return Ready(runs, statistics.median(times), rss)


async def measure_load(
    levels: Sequence[tuple[int, int]],
    questions: Sequence[str],
    workdir: Path,
    env: dict[str, str] | None = None,
    name: str = "load",
) -> list[Load]:
    """For each (in flight, total) pair: `total` questions with that many outstanding at any time."""
    results = []
    async with TimedStandIn() as standin:
        bot, _ = await _start(standin, workdir, name, env)
        try:
            await standin.wait_commands(timeout=60.0)
            assert bot.proc is not None
            counter = iter(range(10**9))
            for in_flight, total in levels:
                results.append(await _one_level(standin, bot.proc.pid, in_flight, total, questions, counter))
        finally:
            await bot.stop()
    return results


async def _one_level(
    standin: TimedStandIn, pid: int, in_flight: int, total: int, questions: Sequence[str], counter: Any
) -> Load:
    remaining = iter(range(total))
    ids: list[str] = []

    async def user() -> None:
        for _ in remaining:
            number = next(counter)
            who = make_user(f"bench-user-{number}")
            handle = await standin.send_command(
                "ask", {"question": questions[number % len(questions)]}, user=who, timeout=ANSWER_TIMEOUT
            )
            ids.append(handle.id)
            try:
                await handle.response(timeout=ANSWER_TIMEOUT)
            except AssertionError:
                return  # counted as unanswered below

    await asyncio.gather(*(user() for _ in range(in_flight)))
    answered = [i for i in ids if standin.interactions[i].initial is not None]
    latencies = np.array([standin.answered_at[i] - standin.sent_at[i] for i in answered])
    span = max(standin.answered_at[i] for i in answered) - min(standin.sent_at[i] for i in ids) if answered else 0.0
    return Load(
        in_flight=in_flight,
        sent=len(ids),
        answered=len(answered),
        per_second=len(answered) / span if span else 0.0,
        p50=float(np.percentile(latencies, 50)) if len(latencies) else float("nan"),
        p99=float(np.percentile(latencies, 99)) if len(latencies) else float("nan"),
        rss_bytes=_memory(pid)[1],
    )


def run(questions: Sequence[str], *, ready_runs: int, levels: Sequence[tuple[int, int]]) -> tuple[Ready, list[Load]]:
    with tempfile.TemporaryDirectory(prefix="kzbot-bench-") as tmp:
        workdir = Path(tmp)

        async def both() -> tuple[Ready, list[Load]]:
            ready = await measure_ready(ready_runs, workdir)
            return ready, await measure_load(levels, questions, workdir)

        return asyncio.run(both())
