"""The question log: how long the review of 10,000 recorded questions takes, and what recording costs an answer.

The review runs over a log filled as a busy server would fill it: the labelled questions of tests/data, each
asked as written or with a slip, answered by the shipped matcher; about a third of the suggestions picked,
some "None of these", and votes on a tenth of the answers. The answer path is measured end to end through the
local Discord stand-in, the same questions with recording off and on in alternate runs, compared pair by pair.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench import endtoend
from bench.matching import fmt_signed, fmt_time
from bench.synthetic import typo
from kzbot import questionlog, review
from kzbot.matcher import Matcher
from kzbot.questionlog import Asked, Dismissal, Pick, Vote

REPO_ROOT = Path(__file__).resolve().parents[1]
LABELLED = sorted((REPO_ROOT / "tests" / "data").glob("*.yaml"))


@dataclass(frozen=True)
class ReviewTiming:
    questions: int
    unanswered_groups: int
    runs: int
    median_seconds: float
    max_seconds: float


def labelled_questions() -> list[str]:
    questions: list[str] = []
    for path in LABELLED:
        cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        questions += [str(case["q"]) for case in cases if isinstance(case, dict) and case.get("q")]
    return questions


def fill(path: Path, matcher: Matcher, count: int, *, seed: int = 7) -> None:
    """Write `count` recorded questions, with picks, dismissals and votes, into a new log at `path`."""
    rng = random.Random(seed)
    pool = labelled_questions()
    results = {q: matcher.ask(q) for q in pool}
    now = time.time()
    records: list[questionlog.Record] = []
    for number in range(count):
        question = rng.choice(pool)
        result = results[question]
        asked_as = typo(question, rng) if rng.random() < 0.3 else question
        ref = f"{number:012x}"
        at = now - rng.uniform(0, 89 * questionlog.DAY)
        voter = f"{rng.randrange(2_000):032x}"
        record = questionlog.asked(
            result, ref=ref, via="slash", guild_id=rng.randrange(1, 20), knowledge=matcher.kb.version, limit=300, at=at
        )
        records.append(Asked(**{**record.__dict__, "question": asked_as}))
        if record.outcome == "suggested" and result.suggestions:
            roll = rng.random()
            if roll < 0.35:
                records.append(Pick(ref, voter, rng.choice(result.suggestions).id, at + 5))
            elif roll < 0.45:
                records.append(Dismissal(ref, voter, at + 5))
        elif record.outcome == "answered" and record.entry and rng.random() < 0.1:
            records.append(Vote(ref, voter, record.entry, 1 if rng.random() < 0.8 else -1, at + 10))
    conn = questionlog.connect(path)
    try:
        questionlog.write(conn, records)
    finally:
        conn.close()


def measure_review(matcher: Matcher, count: int = 10_000, runs: int = 5) -> ReviewTiming:
    with tempfile.TemporaryDirectory(prefix="kzbot-bench-log-") as tmp:
        path = Path(tmp) / questionlog.DATABASE_FILE
        fill(path, matcher, count)
        times = []
        report = review.Review()
        for _ in range(runs):
            began = time.perf_counter()
            report = review.read(path)
            times.append(time.perf_counter() - began)
    return ReviewTiming(report.questions, len(report.unanswered), runs, statistics.median(times), max(times))


def measure_record_call(matcher: Matcher, count: int = 2_000) -> float:
    """Seconds the answering task spends handing one question to the log (the writer thread does the rest)."""
    result = matcher.ask("why didnt china send troops")
    with tempfile.TemporaryDirectory(prefix="kzbot-bench-call-") as tmp:
        log = questionlog.QuestionLog(Path(tmp), keep_days=90).start()
        try:
            began = time.perf_counter()
            for _ in range(count):
                log.ask(result, via="slash", guild_id=1, knowledge=matcher.kb.version, limit=300)
            took = (time.perf_counter() - began) / count
            log.flush()
        finally:
            log.close()
    return took


RECORDING_LEVELS = ((1, 300), (50, 500))
RECORDING_PAIRS = 20


@dataclass(frozen=True)
class Paired:
    """One percentile at one load over n interleaved runs: the median with recording off and on, and the
    median, smallest and largest of the paired differences (on − off, run i with run i)."""

    off: float
    on: float
    difference: float
    smallest: float
    largest: float
    on_slower: int  # pairs in which recording on was slower

    @classmethod
    def of(cls, off: list[float], on: list[float]) -> Paired:
        differences = [b - a for a, b in zip(off, on, strict=True)]
        return cls(
            off=statistics.median(off),
            on=statistics.median(on),
            difference=statistics.median(differences),
            smallest=min(differences),
            largest=max(differences),
            on_slower=sum(d > 0 for d in differences),
        )


@dataclass(frozen=True)
class RecordingCost:
    """Answer latency through the stand-in at one load, recording off and on, over `pairs` interleaved runs."""

    in_flight: int
    sent: int
    pairs: int
    p50: Paired
    p99: Paired
    all_answered: bool


def measure_recording(
    questions: list[str],
    levels: tuple[tuple[int, int], ...] = RECORDING_LEVELS,
    pairs: int = RECORDING_PAIRS,
    log: Callable[[str], None] | None = None,
) -> list[RecordingCost]:
    """The same load with recording off, then on, then off again, and so on: `pairs` of each, a fresh bot and
    state directory every run. The machine is shared, so one run differs from the next by more than recording
    could make it; interleaving spreads any drift over both settings, and each on run is compared with the
    off run just before it."""
    runs: dict[str, list[list[endtoend.Load]]] = {"off": [], "on": []}
    for pair in range(pairs):
        for label, flag in (("off", "0"), ("on", "1")):
            with tempfile.TemporaryDirectory(prefix="kzbot-bench-rec-") as tmp:
                env = {"KZBOT_RECORD_QUESTIONS": flag}
                name = f"record-{label}-{pair}"
                loads = asyncio.run(endtoend.measure_load(levels, questions, Path(tmp), env, name))
            runs[label].append(loads)
            if log is not None:
                figures = ", ".join(f"{load.in_flight}: {fmt_time(load.p50)} / {fmt_time(load.p99)}" for load in loads)
                log(f"  pair {pair + 1} of {pairs}, recording {label}: {figures}")
    costs = []
    for index, (in_flight, total) in enumerate(levels):
        off = [run[index] for run in runs["off"]]
        on = [run[index] for run in runs["on"]]
        costs.append(
            RecordingCost(
                in_flight=in_flight,
                sent=total,
                pairs=pairs,
                p50=Paired.of([load.p50 for load in off], [load.p50 for load in on]),
                p99=Paired.of([load.p99 for load in off], [load.p99 for load in on]),
                all_answered=all(load.answered == load.sent for load in off + on),
            )
        )
    return costs


def describe(cost: RecordingCost) -> str:
    """One line per load, as `python -m bench.questionlog` prints it."""
    parts = [f"{cost.in_flight} in flight, {cost.pairs} pairs:"]
    for name, paired in (("p50", cost.p50), ("p99", cost.p99)):
        parts.append(
            f"{name} off {fmt_time(paired.off)}, on {fmt_time(paired.on)}, on − off {fmt_signed(paired.difference)} "
            f"(pairs {fmt_signed(paired.smallest)} to {fmt_signed(paired.largest)}, on slower in {paired.on_slower});"
        )
    parts.append("all answered" if cost.all_answered else "NOT ALL ANSWERED")
    return " ".join(parts)


if __name__ == "__main__":
    from kzbot import knowledge

    kb = knowledge.load(REPO_ROOT / "knowledge", REPO_ROOT / "seeds")
    timing = measure_review(Matcher(kb))
    print(timing)
    print(f"record call: {measure_record_call(Matcher(kb)) * 1e6:.1f} µs")
    from bench import queries

    for cost in measure_recording(queries.questions(kb, 500), log=print):
        print(describe(cost))
